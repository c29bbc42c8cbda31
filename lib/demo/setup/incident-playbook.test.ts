import { describe, expect, test } from "vitest";
import { ACTION_CATALOGUE } from "@/lib/actions/catalogue";
import { ZIncidentBody, ZProposeActionBody } from "@/lib/actions/schemas";
import { parseDomainEvent } from "@/lib/audit/ingest/parse-event";
import { ManualClock } from "@/lib/time/clock";
import { traceId } from "@/lib/http/route";
import { DEMO_DOMAINS } from "./demo-names";
import { INCIDENT_TRACE_ID, demoDomainEvents, demoIncident, demoProposals, incidentTraceparent } from "./incident-playbook";
import { demoApiResource } from "./start-demo-oauth";
import { DEMO_SCIM_USERS } from "./start-demo-scim";

const INCIDENT_ID = "7b2f3c1e-8a4d-4e6f-9b0c-1d2e3f4a5b6c";
const NOW = new Date("2026-03-02T10:00:00.000Z");
const TARGETS = { ciDeployerRoleOid: "16402", svcEtlRoleOid: "16401" };
const ACTION_IDS = {
  revokeCiDeployerTokens: "0b8e6a4c-1d2f-4a3b-8c5d-6e7f8a9b0c1d",
  disableCiDeployerRole: "1c9f7b5d-2e3a-4b4c-9d6e-7f8a9b0c1d2e",
};

describe("demo incident playbook", () => {
  test("demoIncident matches the incident schema", () => {
    expect(ZIncidentBody.parse(demoIncident())).toMatchObject({ externalId: "INC-2041", severity: "high" });
  });

  test("demoProposals match the proposal schema and catalogue", () => {
    const proposals = demoProposals(INCIDENT_ID, TARGETS, NOW);

    expect(proposals.map((proposal) => proposal.body.kind)).toEqual(["revoke_token", "disable_account", "remove_entitlement"]);
    for (const { body } of proposals) {
      const parsed = ZProposeActionBody.parse(body);
      expect(() => ACTION_CATALOGUE[parsed.kind].parameters.parse(parsed.parameters)).not.toThrow();
    }
  });

  test("demoProposals target identities in connector conventions", () => {
    const targets = demoProposals(INCIDENT_ID, TARGETS, NOW).map((proposal) => proposal.body.target);

    expect(targets).toEqual([
      expect.objectContaining({ domain: DEMO_DOMAINS.oauth, identity: "ci-deployer" }),
      expect.objectContaining({ domain: DEMO_DOMAINS.postgres, identity: TARGETS.ciDeployerRoleOid }),
      expect.objectContaining({ domain: DEMO_DOMAINS.postgres, identity: TARGETS.svcEtlRoleOid }),
    ]);
  });

  test("demoDomainEvents pass OCSF validation", () => {
    const batches = demoDomainEvents({ runId: "a1b2c3d4", now: NOW, actionIds: ACTION_IDS, targets: TARGETS, scimCiDeployer: DEMO_SCIM_USERS.ciDeployer });
    const clock = new ManualClock(NOW);

    expect(batches.map((batch) => batch.domain)).toEqual([DEMO_DOMAINS.oauth, DEMO_DOMAINS.postgres, DEMO_DOMAINS.scim]);
    for (const batch of batches) {
      batch.events.forEach((event, index) => {
        const outcome = parseDomainEvent(event, index, batch.domain, clock);
        expect(outcome.ok, JSON.stringify(outcome.ok ? null : outcome.rejected)).toBe(true);
      });
    }
  });

  test("demoDomainEvents correlate with actions, else the incident", () => {
    const batches = demoDomainEvents({ runId: "a1b2c3d4", now: NOW, actionIds: { disableCiDeployerRole: ACTION_IDS.disableCiDeployerRole }, targets: TARGETS, scimCiDeployer: DEMO_SCIM_USERS.ciDeployer });
    const correlation = batches.map((batch) => (batch.events[0]!.metadata as { correlation_uid: string }).correlation_uid);

    expect(correlation).toEqual([INCIDENT_TRACE_ID, ACTION_IDS.disableCiDeployerRole, INCIDENT_TRACE_ID]);
  });

  test("incidentTraceparent carries the incident trace id", () => {
    const request = new Request("http://127.0.0.1/", { headers: { traceparent: incidentTraceparent("00f067aa0ba902b7") } });

    expect(traceId(request)).toBe(INCIDENT_TRACE_ID);
  });
});

describe("demoApiResource", () => {
  test("demoApiResource uses an absolute URI audience as the indicator", () => {
    expect(demoApiResource("https://cordon.example.com/api")).toEqual({ identifier: "https://cordon.example.com/api" });
  });

  test("demoApiResource sets the audience apart for a plain name", () => {
    expect(demoApiResource("cordon")).toEqual({ identifier: "urn:cordon:api", audience: "cordon" });
  });
});
