import { sqlOf, sqlTime, type Queryable } from "@/lib/db/sql";

/** The fields that name one target of one kind, as openKeyFor combines them. */
export interface TargetOfKind {
  kind: string;
  domainId: string;
  identity: string;
  resource: string | null;
}

/** A succeeded, time-limited action whose revert has not run yet. */
export interface PendingRevert {
  actionId: string;
  effectEndsAt: Date;
}

/**
 * Finds the time-limited containment of the same kind on the same target that is still in
 * effect and due to be reverted, if any. A new proposal for that target may look like a no-op
 * while the earlier action holds, but it is the way to keep the containment past its end.
 */
export async function findPendingRevert(db: Queryable, target: TargetOfKind): Promise<PendingRevert | null> {
  const [row] = await sqlOf(db).query<PendingRevert>(
    `SELECT id AS "actionId", "effectEndsAt" FROM actions
      WHERE kind = $1::"ActionKind" AND "domainId" = $2::uuid AND "targetIdentity" = $3::text
        AND "targetResource" IS NOT DISTINCT FROM $4::text AND state = 'succeeded' AND "effectEndsAt" IS NOT NULL
      ORDER BY "effectEndsAt" DESC, id LIMIT 1`,
    [target.kind, target.domainId, target.identity, target.resource],
  );
  return row ?? null;
}

/**
 * Finds a later action of the same kind on the same target that succeeded and is still in
 * effect at `now`: permanent, or time-limited past `now`. Reverting the earlier action then
 * would undo the containment the later one was approved to keep, so its revert is skipped.
 */
export async function findSupersedingAction(db: Queryable, target: TargetOfKind, after: { actionId: string; createdAt: Date }, now: Date): Promise<string | null> {
  const [row] = await sqlOf(db).query<{ id: string }>(
    `SELECT id FROM actions
      WHERE kind = $1::"ActionKind" AND "domainId" = $2::uuid AND "targetIdentity" = $3::text
        AND "targetResource" IS NOT DISTINCT FROM $4::text AND state = 'succeeded' AND id <> $5::uuid
        AND "createdAt" > $6::timestamp(3) AND ("effectEndsAt" IS NULL OR "effectEndsAt" > $7::timestamp(3))
      ORDER BY "createdAt" DESC, id LIMIT 1`,
    [target.kind, target.domainId, target.identity, target.resource, after.actionId, sqlTime(after.createdAt), sqlTime(now)],
  );
  return row?.id ?? null;
}
