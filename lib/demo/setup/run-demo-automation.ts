import { randomBytes } from "node:crypto";
import type { Logger } from "@/lib/log/logger";
import { DEMO_INCIDENT_EXTERNAL_ID } from "./demo-names";
import { demoDomainEvents, demoIncident, demoProposals, incidentTraceparent, type PlaybookTargets, type ProposalKey } from "./incident-playbook";
import { type ClientCredentials, cordonApi, DemoAutomationError, problemSummary, requestClientCredentialsToken } from "./soar-http";

export interface DemoAutomationInput {
  /** Base URL of Cordon's own web server, on a loopback address. */
  apiUrl: string;
  client: ClientCredentials;
  targets: PlaybookTargets;
  scimCiDeployer: { id: string; userName: string };
  logger: Logger;
  /** Stops the automation before its next call; a call already sent to Cordon runs to its end. */
  signal?: AbortSignal;
  now?: () => Date;
}

export interface DemoAutomationResult {
  incidentId: string;
  proposed: { key: ProposalKey; actionId: string; replayed: boolean }[];
  /** Proposals Cordon rejected because of the target's state, such as a role that an earlier run disabled. */
  skipped: { key: ProposalKey; reason: string }[];
  eventsAccepted: number;
  eventsRejected: number;
}

function requireId(body: Record<string, unknown>, resource: string): string {
  if (typeof body.id !== "string") throw new DemoAutomationError(`the ${resource} response has no id`);
  return body.id;
}

function countList(value: unknown): number {
  return Array.isArray(value) ? value.length : 0;
}

/**
 * Runs the demo automation's playbook for INC-2041 the way a SOAR would: it gets a JWT from
 * demo-oauth with the client_credentials grant and calls Cordon's API over HTTP. It reports
 * the incident, proposes the three containment actions and forwards the demo domains' OCSF
 * events, which name the proposals as `correlation_uid` so they land on the incident's
 * timeline. Each proposal carries an Idempotency-Key, as a SOAR's would; the keys are new for
 * every run, because a new run is meant to propose again.
 */
export async function runDemoAutomation(input: DemoAutomationInput): Promise<DemoAutomationResult> {
  const { logger, signal } = input;
  const now = (input.now ?? (() => new Date()))();
  const runId = randomBytes(4).toString("hex");

  const accessToken = await requestClientCredentialsToken(input.client, signal);
  const api = cordonApi(input.apiUrl, accessToken, signal);

  const incident = await api.post("/api/v1/incidents", demoIncident(), { traceparent: incidentTraceparent(randomBytes(8).toString("hex")) });
  if (incident.status !== 200 && incident.status !== 201) {
    throw new DemoAutomationError(`reporting ${DEMO_INCIDENT_EXTERNAL_ID} failed with HTTP ${incident.status}: ${problemSummary(incident)}`, incident.status);
  }
  const incidentId = requireId(incident.body, "incident");

  const result: DemoAutomationResult = { incidentId, proposed: [], skipped: [], eventsAccepted: 0, eventsRejected: 0 };
  for (const { key, body } of demoProposals(incidentId, input.targets, now)) {
    const response = await api.post("/api/v1/actions", body, { "idempotency-key": `${DEMO_INCIDENT_EXTERNAL_ID}-${runId}-${key}` });
    if (response.status === 201 || response.status === 200) {
      result.proposed.push({ key, actionId: requireId(response.body, body.kind), replayed: response.body.replayed === true });
    } else if (response.status === 422 || (response.status === 409 && (response.body.code === "open_action_exists" || response.body.code === "already_in_effect"))) {
      // An earlier run may already have contained the target (409 already_in_effect: the role
      // is disabled already; 422: the connector cannot plan it) or may still be executing an
      // action on it (409 open_action_exists).
      result.skipped.push({ key, reason: problemSummary(response) });
      logger.warn({ proposal: key, kind: body.kind, reason: problemSummary(response) }, "demo automation proposal rejected by Cordon");
    } else {
      throw new DemoAutomationError(`proposing ${body.kind} failed with HTTP ${response.status}: ${problemSummary(response)}`, response.status);
    }
  }

  const actionIds = Object.fromEntries(result.proposed.map((proposal) => [proposal.key, proposal.actionId]));
  for (const batch of demoDomainEvents({ runId, now, actionIds, targets: input.targets, scimCiDeployer: input.scimCiDeployer })) {
    const response = await api.post("/api/v1/audit/events", batch);
    if (response.status !== 200) {
      throw new DemoAutomationError(`forwarding ${batch.domain} events failed with HTTP ${response.status}: ${problemSummary(response)}`, response.status);
    }
    result.eventsAccepted += countList(response.body.accepted);
    result.eventsRejected += countList(response.body.rejected);
  }
  if (result.eventsRejected > 0) logger.warn({ rejected: result.eventsRejected }, "Cordon rejected some of the demo automation's domain events");

  logger.info(
    { incidentId, proposed: result.proposed.length, skipped: result.skipped.length, eventsAccepted: result.eventsAccepted },
    "demo automation reported INC-2041 and proposed its containment actions",
  );
  return result;
}
