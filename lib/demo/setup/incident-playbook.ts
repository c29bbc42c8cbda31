import { createHash } from "node:crypto";
import type { IncidentBody, ProposeActionInput } from "@/lib/actions/schemas";
import { DEMO_DOMAINS, DEMO_INCIDENT_EXTERNAL_ID, DEMO_OAUTH_CLIENTS } from "./demo-names";

/*
 * What the demo automation reports for INC-2041: the incident, the three containment actions it
 * proposes and the OCSF 1.1.0 events it forwards from the demo domains. Builders only; the HTTP
 * calls are in run-demo-automation.ts.
 */

/** The address the leaked token was used from, in the RFC 5737 documentation range. */
export const UNKNOWN_ADDRESS = "203.0.113.77";

/**
 * W3C trace id the automation sends with the incident. It is derived from the external id, so
 * every run reports the incident under the same trace, and a domain event carrying it as
 * `correlation_uid` joins the incident's timeline even when the incident was created by an
 * earlier run.
 */
export const INCIDENT_TRACE_ID = createHash("sha256").update(`cordon-demo:${DEMO_INCIDENT_EXTERNAL_ID}`).digest("hex").slice(0, 32);

/** Builds a `traceparent` header (W3C Trace Context) for the incident's trace with the given span id. */
export function incidentTraceparent(spanId: string): string {
  return `00-${INCIDENT_TRACE_ID}-${spanId}-01`;
}

export function demoIncident(): IncidentBody {
  return {
    externalId: DEMO_INCIDENT_EXTERNAL_ID,
    title: "CI deploy token leaked",
    severity: "high",
    summary:
      "A deploy token of the ci-deployer pipeline client was printed in a public CI build log. Minutes later the token was used from an address outside the CI runner network, and the ci_deployer database role logged in from the same address.",
    source: "demo-soar",
    links: [{ title: "SOAR case INC-2041", url: "https://soar.example.com/cases/INC-2041" }],
  };
}

/** The identities of this start that the proposals target, in each connector's convention. */
export interface PlaybookTargets {
  /** OID of the ci_deployer role in demo-postgres, as resolveRoleIdentity returns it. */
  ciDeployerRoleOid: string;
  /** OID of the svc_etl role in demo-postgres. */
  svcEtlRoleOid: string;
}

export type ProposalKey = "revokeCiDeployerTokens" | "disableCiDeployerRole" | "removeSvcEtlFromDbAdmin";

/** Builds the proposals in the order the automation sends them, keyed for idempotency and correlation. */
export function demoProposals(incidentId: string, targets: PlaybookTargets, observedAt: Date): { key: ProposalKey; body: ProposeActionInput }[] {
  const leakEvidence = {
    title: "Token printed in a public CI build log",
    detail: "Build 8812 of the deploy pipeline echoed the ci-deployer access token to its public log.",
    url: "https://ci.example.com/deploy/builds/8812",
    observedAt: observedAt.toISOString(),
  };
  return [
    {
      key: "revokeCiDeployerTokens",
      body: {
        kind: "revoke_token",
        // The oauth2 connector names a client by its client id.
        target: { domain: DEMO_DOMAINS.oauth, identity: DEMO_OAUTH_CLIENTS.ciDeployer, displayName: "ci-deployer (CI pipeline client)" },
        parameters: { tokenHint: "all" },
        incidentId,
        justification: "The pipeline's access token leaked and was used from an unknown address; revoking every live ci-deployer token ends that use.",
        evidence: [leakEvidence, { title: `Token used from ${UNKNOWN_ADDRESS}`, detail: "demo-oauth saw the token presented from outside the CI runner network." }],
      },
    },
    {
      key: "disableCiDeployerRole",
      body: {
        kind: "disable_account",
        // The postgresql connector names a role by its OID, which survives a rename.
        target: { domain: DEMO_DOMAINS.postgres, identity: targets.ciDeployerRoleOid, displayName: "ci_deployer" },
        parameters: { terminateSessions: true },
        incidentId,
        justification: `The ci_deployer role logged in from ${UNKNOWN_ADDRESS}, the address that used the leaked token; disabling its login stops further access while the pipeline is rebuilt.`,
        evidence: [leakEvidence],
        effectDuration: "PT24H",
      },
    },
    {
      key: "removeSvcEtlFromDbAdmin",
      body: {
        kind: "remove_entitlement",
        target: { domain: DEMO_DOMAINS.postgres, identity: targets.svcEtlRoleOid, displayName: "svc_etl" },
        // A role name here means the role membership to revoke.
        parameters: { entitlement: "db_admin" },
        incidentId,
        justification: "svc_etl shares the deploy pipeline's secrets store and holds db_admin; removing the membership limits what a second leaked credential could do.",
        effectDuration: "PT24H",
      },
    },
  ];
}

interface EventContext {
  /** Distinguishes the events of one run, so the domains' deduplication keeps runs apart. */
  runId: string;
  now: Date;
  /** Action ids by proposal; an event names its action as `correlation_uid` when there is one. */
  actionIds: Partial<Record<ProposalKey, string>>;
  targets: PlaybookTargets;
  scimCiDeployer: { id: string; userName: string };
}

function minutesBefore(now: Date, minutes: number): number {
  return now.getTime() - minutes * 60_000;
}

function metadata(context: EventContext, name: string, product: { name: string; vendor_name: string }, correlationUid: string) {
  return { uid: `${DEMO_INCIDENT_EXTERNAL_ID}-${context.runId}-${name}`, version: "1.1.0", product, correlation_uid: correlationUid };
}

/** OCSF events as each demo domain would report them, grouped by domain for `POST /api/v1/audit/events`. */
export function demoDomainEvents(context: EventContext): { domain: string; events: Record<string, unknown>[] }[] {
  const { now, actionIds, targets } = context;
  return [
    {
      domain: DEMO_DOMAINS.oauth,
      events: [
        {
          class_uid: 3002,
          category_uid: 3,
          activity_id: 1,
          type_uid: 300201,
          time: minutesBefore(now, 25),
          severity_id: 4,
          status_id: 1,
          message: `ci-deployer access token presented from ${UNKNOWN_ADDRESS}, outside the CI runner network`,
          auth_protocol: "OAuth 2.0",
          metadata: metadata(context, "oauth-token-use", { name: "demo-oauth", vendor_name: "Cordon demo" }, actionIds.revokeCiDeployerTokens ?? INCIDENT_TRACE_ID),
          actor: { app_name: DEMO_OAUTH_CLIENTS.ciDeployer },
          user: { uid: DEMO_OAUTH_CLIENTS.ciDeployer, name: DEMO_OAUTH_CLIENTS.ciDeployer },
          src_endpoint: { ip: UNKNOWN_ADDRESS },
        },
      ],
    },
    {
      domain: DEMO_DOMAINS.postgres,
      events: [
        {
          class_uid: 3002,
          category_uid: 3,
          activity_id: 1,
          type_uid: 300201,
          time: minutesBefore(now, 18),
          severity_id: 4,
          status_id: 1,
          message: `ci_deployer logged in to cordon_demo from ${UNKNOWN_ADDRESS}`,
          metadata: metadata(context, "postgres-login", { name: "PostgreSQL", vendor_name: "PostgreSQL Global Development Group" }, actionIds.disableCiDeployerRole ?? INCIDENT_TRACE_ID),
          actor: { user: { uid: targets.ciDeployerRoleOid, name: "ci_deployer" } },
          user: { uid: targets.ciDeployerRoleOid, name: "ci_deployer" },
          src_endpoint: { ip: UNKNOWN_ADDRESS },
        },
      ],
    },
    {
      domain: DEMO_DOMAINS.scim,
      events: [
        {
          class_uid: 3001,
          category_uid: 3,
          activity_id: 3,
          type_uid: 300103,
          time: minutesBefore(now, 12),
          severity_id: 3,
          status_id: 1,
          message: `Password of the ${context.scimCiDeployer.userName} service account changed from ${UNKNOWN_ADDRESS}`,
          metadata: metadata(context, "scim-password-change", { name: "demo-scim", vendor_name: "Cordon demo" }, INCIDENT_TRACE_ID),
          actor: { user: { uid: context.scimCiDeployer.id, name: context.scimCiDeployer.userName } },
          user: { uid: context.scimCiDeployer.id, name: context.scimCiDeployer.userName },
          src_endpoint: { ip: UNKNOWN_ADDRESS },
        },
      ],
    },
  ];
}
