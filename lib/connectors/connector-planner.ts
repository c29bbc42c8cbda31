import type { Planner, PlanRequest } from "@/lib/actions/context";
import type { ActionKind } from "@/lib/actions/catalogue";
import { getPrisma, type Db } from "@/lib/db/client";
import { ValidationFailed, DomainUnavailable } from "@/lib/errors";
import { logger as rootLogger, type Logger } from "@/lib/log/logger";
import type { Json } from "@/lib/util/canonical-json";
import { callConnector } from "@/lib/executor/call-connector";
import { planHash } from "./plan-hash";
import { connectorForDomain } from "./registry";
import { ConnectorError, type Connector, type ConnectorAction, type Plan } from "./types";

export const DEFAULT_PLAN_TIMEOUT_MS = 15_000;

export interface ConnectorPlannerOptions {
  /** Database to read domains from; the process-wide client by default. */
  db?: () => Db;
  timeoutMs?: number;
  logger?: Logger;
  /** Connector lookup; `connectorForDomain` by default. */
  connectorFor?: typeof connectorForDomain;
}

function connectorAction(request: PlanRequest): ConnectorAction {
  return {
    id: request.actionId,
    kind: request.kind as ActionKind,
    target: { domain: request.domain.name, identity: request.target.identity, resource: request.target.resource },
    parameters: request.parameters as Record<string, Json>,
  };
}

/**
 * Creates the Planner that requests the scope diff of a proposal from the target domain's
 * connector. A permanent connector error (target not found, unsupported kind, invalid
 * parameters) becomes ValidationFailed (422), so the automation learns the proposal cannot
 * work. A transient one (timeout, domain unreachable) becomes DomainUnavailable (503), so the
 * caller retries later.
 */
export function createConnectorPlanner(options: ConnectorPlannerOptions = {}): Planner {
  const timeoutMs = options.timeoutMs ?? DEFAULT_PLAN_TIMEOUT_MS;
  const log = (options.logger ?? rootLogger).child({ component: "planner" });
  const db = options.db ?? getPrisma;
  const connectorFor = options.connectorFor ?? connectorForDomain;

  return async (request) => {
    const domain = await db().domain.findUnique({ where: { id: request.domain.id } });
    if (!domain) {
      throw new ValidationFailed(`domain ${JSON.stringify(request.domain.name)} is not registered`, [{ pointer: "/target/domain", message: "unknown domain" }]);
    }

    try {
      const connector: Connector = await connectorFor(domain);
      const plan = await callConnector("plan", timeoutMs, undefined, (context) => connector.plan(connectorAction(request), context));
      // The hash is computed here from the diff, so the executor's comparison never depends
      // on a connector computing it the same way twice.
      return { ...plan, hash: planHash(plan.diff) } satisfies Plan;
    } catch (error) {
      if (!(error instanceof ConnectorError)) throw error;
      const fields = { actionId: request.actionId, domain: domain.name, kind: request.kind, transient: error.transient, failure: error.message };
      log.warn(fields, "connector could not plan the proposal");
      if (error.transient) throw new DomainUnavailable(`domain ${domain.name} could not plan the proposal right now: ${error.message}; retry later`);
      throw new ValidationFailed(`domain ${domain.name} cannot plan ${request.kind} for target ${JSON.stringify(request.target.identity)}: ${error.message}`, [
        { pointer: "/target/identity", message: error.message },
      ]);
    }
  };
}
