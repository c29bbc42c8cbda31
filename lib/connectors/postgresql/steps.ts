import pg from "pg";
import type { z } from "zod";
import { planHash } from "@/lib/connectors/plan-hash";
import type { ConnectorAction, ConnectorPlan, DomainReference, GrantForApply, Plan, PlanEffect, ScopeDiff } from "@/lib/connectors/types";
import type { Json } from "@/lib/util/canonical-json";
import { permanent } from "./errors";
import type { RoleRow } from "./role";
import { quoteName, readRoleByOid } from "./role";

/** Quotes a role, schema or table name for SQL; PostgreSQL identifiers may contain any character but NUL. */
export function identifier(name: string): string {
  return pg.escapeIdentifier(name);
}

export function parseParameters<S extends z.ZodType>(schema: S, action: ConnectorAction): z.infer<S> {
  const parsed = schema.safeParse(action.parameters);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "parameters"}: ${issue.message}`).join("; ");
    throw permanent(`invalid parameters for ${action.kind}: ${issues}`);
  }
  return parsed.data;
}

export function parseRevertState<S extends z.ZodType>(schema: S, plan: Plan): z.infer<S> {
  const parsed = schema.safeParse(plan.revertState);
  if (!parsed.success) throw permanent("invalid revert state: the plan records no state that this action can restore");
  return parsed.data;
}

/**
 * Serialises Cordon's own changes to one role, so two executions of different actions on
 * the same role cannot interleave their read-compare-change steps. Held until the
 * transaction ends. It does not block changes made outside Cordon.
 */
export async function lockRole(client: pg.Client, roleOid: string): Promise<void> {
  await client.query("SELECT pg_advisory_xact_lock(hashtextextended('cordon:postgresql:role:' || $1::text, 0))", [roleOid]);
}

export function buildPlan(diff: ScopeDiff, revertState: Record<string, Json> | null, references: DomainReference[], effect: PlanEffect): ConnectorPlan {
  return { diff, hash: planHash(diff), revertState, references, ...effect };
}

/**
 * Stops an apply whose target no longer matches the approved plan: the approvers saw a
 * different state, so the action has to go back to them with a fresh diff.
 */
export function assertPlanUnchanged(diff: ScopeDiff, grant: GrantForApply, references: DomainReference[]): void {
  const current = planHash(diff);
  if (current !== grant.planHash) {
    throw permanent(
      `the target changed since the plan was approved (approved plan ${grant.planHash.slice(0, 12)}, current plan ${current.slice(0, 12)}); plan again and ask for a new approval`,
      references,
    );
  }
}

/**
 * Runs an ALTER ROLE by name, then reads the role back by OID in the same transaction. A
 * concurrent rename could point the statement at another role of the same name. When the
 * read-back does not match, this throws, so the caller's transaction rolls back.
 */
export async function alterRoleChecked(client: pg.Client, role: RoleRow, clause: string, expect: (after: RoleRow) => boolean): Promise<void> {
  await client.query(`ALTER ROLE ${identifier(role.name)} ${clause}`);
  const after = await readRoleByOid(client, role.oid);
  if (!after || after.name !== role.name || !expect(after)) {
    throw permanent(`role ${quoteName(role.name)} (OID ${role.oid}) changed while Cordon altered it; nothing was changed, plan again`);
  }
}

export function txidReference(txid: string): DomainReference {
  return { type: "postgresql.txid", value: txid };
}

export function terminatedReferences(pids: number[]): DomainReference[] {
  return pids.map((pid) => ({ type: "postgresql.terminated_backend_pid", value: String(pid) }));
}
