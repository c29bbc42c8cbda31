import type { z } from "zod";
import type { ActionKind } from "@/lib/actions/catalogue";
import type {
  ApplyResult,
  Connector,
  ConnectorAction,
  ConnectorCallContext,
  ConnectorPlan,
  GrantForApply,
  VerifyResult,
} from "@/lib/connectors/types";
import { ConnectorError } from "@/lib/connectors/types";
import { logger as rootLogger } from "@/lib/log/logger";
import { describePostgresCredentials } from "./describe-credentials";
import { applyDisableAccount, planDisableAccount, revertDisableAccount, verifyDisableAccount } from "./disable-account";
import { permanent } from "./errors";
import { applyRemoveEntitlement, planRemoveEntitlement, revertRemoveEntitlement, verifyRemoveEntitlement } from "./remove-entitlement";
import { readRoleByName } from "./role";
import { applyRotateCredential, planRotateCredential, RotationLedger, verifyRotateCredential } from "./rotate-credential";
import { withSession, type SessionTarget } from "./session";
import {
  ZPostgresDomainCredentials,
  ZPostgresDomainSettings,
  type PostgresConnectorOptions,
  type TPostgresDomainCredentials,
} from "./settings";

const SUPPORTED_KINDS = ["disable_account", "remove_entitlement", "rotate_credential"] as const satisfies readonly ActionKind[];
type SupportedKind = (typeof SUPPORTED_KINDS)[number];

export interface PostgresConnector extends Connector {
  readonly kind: "postgresql";
  /** Looks a role up by its exact name; returns null when no role has that name. */
  findRole(roleName: string, context?: Partial<ConnectorCallContext>): Promise<{ oid: string; name: string } | null>;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join(".") || "value"}: ${issue.message}`).join("; ");
}

function assertSupported(action: ConnectorAction): SupportedKind {
  const kind = SUPPORTED_KINDS.find((supported) => supported === action.kind);
  if (!kind) throw permanent(`the postgresql connector does not support ${action.kind}; it supports ${SUPPORTED_KINDS.join(", ")}`);
  return kind;
}

/**
 * Creates a connector for one PostgreSQL domain. Targets are roles, named by OID in
 * `target.identity`. The password is kept only in this closure and in the client
 * configuration of each session.
 */
export function createPostgresConnector(
  settings: z.input<typeof ZPostgresDomainSettings>,
  credentials: TPostgresDomainCredentials,
  options: PostgresConnectorOptions = {},
): PostgresConnector {
  const parsedSettings = ZPostgresDomainSettings.safeParse(settings);
  if (!parsedSettings.success) throw permanent(`invalid PostgreSQL domain settings: ${describeIssues(parsedSettings.error)}`);
  // The issue list names the field and the rule, never the value, so it cannot echo the password.
  const parsedCredentials = ZPostgresDomainCredentials.safeParse(credentials);
  if (!parsedCredentials.success) throw permanent(`invalid PostgreSQL domain credentials: ${describeIssues(parsedCredentials.error)}`);

  const target: SessionTarget = { settings: parsedSettings.data, credentials: parsedCredentials.data, options };
  const log = (options.logger ?? rootLogger).child({ component: "connector", domainKind: "postgresql", host: target.settings.host, database: target.settings.database });
  const ledger = new RotationLedger();

  async function logged<T>(step: string, action: ConnectorAction, work: () => Promise<T>, outcome: (result: T) => string): Promise<T> {
    const fields = { actionId: action.id, actionKind: action.kind, roleOid: action.target.identity, step };
    try {
      const result = await work();
      log.info({ ...fields, outcome: outcome(result) }, `postgresql ${step} finished`);
      return result;
    } catch (error) {
      const failure = error instanceof ConnectorError ? error : permanent("unexpected failure");
      log.warn({ ...fields, transient: failure.transient, failure: failure.message }, `postgresql ${step} failed`);
      throw error;
    }
  }

  return {
    kind: "postgresql",
    supportedKinds: SUPPORTED_KINDS,

    async plan(action, context): Promise<ConnectorPlan> {
      const kind = assertSupported(action);
      return logged("plan", action, () =>
        withSession(target, action.id, context.signal, "plan", (session) => {
          if (kind === "disable_account") return planDisableAccount(session, action);
          if (kind === "remove_entitlement") return planRemoveEntitlement(session, action);
          return planRotateCredential(session, action);
        }),
      (plan) => plan.hash);
    },

    async apply(action, grant: GrantForApply, context): Promise<ApplyResult> {
      const kind = assertSupported(action);
      if (grant.actionId !== action.id) {
        throw permanent(`grant ${grant.id} was issued for action ${grant.actionId}, not for action ${action.id}`);
      }
      return logged("apply", action, () =>
        withSession(target, action.id, context.signal, "apply", (session) => {
          if (kind === "disable_account") return applyDisableAccount(session, action, grant);
          if (kind === "remove_entitlement") return applyRemoveEntitlement(session, action, grant);
          return applyRotateCredential(session, action, grant, ledger);
        }),
      (result) => result.outcome);
    },

    async verify(action, context): Promise<VerifyResult> {
      const kind = assertSupported(action);
      return logged("verify", action, () =>
        withSession(target, action.id, context.signal, "verify", (session) => {
          if (kind === "disable_account") return verifyDisableAccount(session, target, action);
          if (kind === "remove_entitlement") return verifyRemoveEntitlement(session, action);
          return verifyRotateCredential(session, target, action, ledger);
        }),
      (result) => (result.verified ? "verified" : "not verified"));
    },

    async revert(action, plan, context): Promise<ApplyResult> {
      const kind = assertSupported(action);
      if (kind === "rotate_credential") {
        throw permanent("rotate_credential cannot be reverted: Cordon never knows the previous password");
      }
      return logged("revert", action, () =>
        withSession(target, action.id, context.signal, "revert", (session) =>
          kind === "disable_account" ? revertDisableAccount(session, action, plan) : revertRemoveEntitlement(session, action, plan),
        ),
      (result) => result.outcome);
    },

    describeCredentials: describePostgresCredentials,

    async findRole(roleName, context = {}) {
      return withSession(target, null, context.signal ?? new AbortController().signal, "role lookup", async (session) => {
        const role = await readRoleByName(session.client, roleName);
        return role ? { oid: role.oid, name: role.name } : null;
      });
    },
  };
}
