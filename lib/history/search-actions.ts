import { getPrisma, Prisma, type Db } from "@/lib/db/client";
import { ValidationFailed } from "@/lib/errors";
import { HISTORY_INCLUDE, toHistoryItem, type HistoryItem } from "./history-item";
import { timeRange, type HistoryFilters, type HistoryQuery } from "./schemas";

export interface HistoryPage {
  /** Newest proposal first. */
  items: HistoryItem[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

interface Cursor {
  createdAt: string;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Escapes the LIKE wildcards `%` and `_` and the escape character `\` itself, so a search for
 * `50%_off` matches that text literally instead of acting as a pattern.
 */
export function escapeLikePattern(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

function decodeCursor(text: string): Cursor {
  try {
    const value = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as Partial<Cursor>;
    if (typeof value.createdAt === "string" && !Number.isNaN(Date.parse(value.createdAt)) && typeof value.id === "string" && UUID.test(value.id)) {
      return { createdAt: new Date(value.createdAt).toISOString(), id: value.id };
    }
  } catch {
    // Not base64url JSON; reported below like any other malformed cursor.
  }
  throw new ValidationFailed("invalid cursor; pass the nextCursor of a previous page", [{ pointer: "/cursor", message: "is not a cursor returned by this endpoint" }]);
}

// Timestamps are passed as UTC ISO text and cast to `timestamp(3)`, the column type Prisma
// creates for DateTime, which stores UTC without a zone.
function timestamp(date: Date | string): Prisma.Sql {
  return Prisma.sql`CAST(${typeof date === "string" ? date : date.toISOString()} AS timestamp(3))`;
}

/** One SQL condition per set filter; all of them must hold. */
function filterConditions(filters: HistoryFilters): Prisma.Sql[] {
  const conditions: Prisma.Sql[] = [];
  if (filters.state !== undefined) conditions.push(Prisma.sql`a.state = CAST(${filters.state} AS "ActionState")`);
  if (filters.kind !== undefined) conditions.push(Prisma.sql`a.kind = CAST(${filters.kind} AS "ActionKind")`);
  if (filters.domain !== undefined) conditions.push(Prisma.sql`d.name = ${filters.domain}`);
  if (filters.requester !== undefined) {
    conditions.push(Prisma.sql`(lower(c.name) = lower(${filters.requester}) OR lower(ru.email) = lower(${filters.requester}))`);
  }
  if (filters.approver !== undefined) {
    conditions.push(
      Prisma.sql`EXISTS (SELECT 1 FROM approvals ap JOIN users u ON u.id = ap."approverId" WHERE ap."actionId" = a.id AND u.email = ${filters.approver})`,
    );
  }

  const range = timeRange(filters);
  if (range.from) conditions.push(Prisma.sql`a."createdAt" >= ${timestamp(range.from)}`);
  if (range.before) conditions.push(Prisma.sql`a."createdAt" < ${timestamp(range.before)}`);

  if (filters.q !== undefined) {
    const pattern = `%${escapeLikePattern(filters.q)}%`;
    // NOTE: ILIKE with a leading wildcard scans every action; a pg_trgm index on these columns
    // would let PostgreSQL use an index once the history grows past what a scan handles.
    conditions.push(Prisma.sql`(
      a."targetDisplayName" ILIKE ${pattern} ESCAPE '\\'
      OR a."targetIdentity" ILIKE ${pattern} ESCAPE '\\'
      OR a.justification ILIKE ${pattern} ESCAPE '\\'
      OR i.title ILIKE ${pattern} ESCAPE '\\'
      OR i."externalId" ILIKE ${pattern} ESCAPE '\\'
    )`);
  }
  return conditions;
}

/** Ids of one page of matching actions, newest first, keyed on (createdAt, id). */
async function findPageIds(db: Db, query: HistoryQuery): Promise<string[]> {
  const conditions = filterConditions(query);
  if (query.cursor !== undefined) {
    const cursor = decodeCursor(query.cursor);
    conditions.push(Prisma.sql`(a."createdAt", a.id) < (${timestamp(cursor.createdAt)}, CAST(${cursor.id} AS uuid))`);
  }
  const where = conditions.length > 0 ? Prisma.join(conditions, " AND ") : Prisma.sql`TRUE`;

  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT a.id::text AS id
    FROM actions a
    JOIN incidents i ON i.id = a."incidentId"
    JOIN domains d ON d.id = a."domainId"
    LEFT JOIN workload_clients c ON c.id = a."requestedByClientId"
    LEFT JOIN users ru ON ru.id = a."requestedByUserId"
    WHERE ${where}
    ORDER BY a."createdAt" DESC, a.id DESC
    LIMIT ${query.limit + 1}`;
  return rows.map((row) => row.id);
}

/** When each action entered its current state, from the `action.<state>` audit events. */
async function stateChangeTimes(db: Db, actions: readonly { id: string; state: string }[]): Promise<Map<string, Date>> {
  if (actions.length === 0) return new Map();
  const groups = await db.auditEvent.groupBy({
    by: ["actionId", "eventType"],
    where: { actionId: { in: actions.map((action) => action.id) }, eventType: { in: [...new Set(actions.map((action) => `action.${action.state}`))] } },
    _max: { occurredAt: true },
  });

  const stateOf = new Map(actions.map((action) => [action.id, action.state]));
  const times = new Map<string, Date>();
  for (const group of groups) {
    if (group.actionId === null || group._max.occurredAt === null) continue;
    if (group.eventType === `action.${stateOf.get(group.actionId)}`) times.set(group.actionId, group._max.occurredAt);
  }
  return times;
}

/**
 * Searches every action across incidents, newest proposal first, with keyset pagination on
 * (createdAt, id): rows proposed while a person pages do not shift the later pages. The text
 * filter matches a substring without case in the target name and identity, the justification,
 * and the incident's title and external id, with `%` and `_` taken literally. Checks no
 * access; callers check the role first. Throws ValidationFailed for a malformed cursor.
 */
export async function searchActions(query: HistoryQuery, options: { db?: Db } = {}): Promise<HistoryPage> {
  const db = options.db ?? getPrisma();
  const ids = await findPageIds(db, query);
  const pageIds = ids.slice(0, query.limit);

  const rows = pageIds.length === 0 ? [] : await db.action.findMany({ where: { id: { in: pageIds } }, include: HISTORY_INCLUDE });
  const byId = new Map(rows.map((row) => [row.id, row]));
  // A row deleted between the two queries is skipped; actions are never deleted in practice.
  const ordered = pageIds.flatMap((id) => {
    const row = byId.get(id);
    return row ? [row] : [];
  });
  const times = await stateChangeTimes(db, ordered);

  const last = ordered.at(-1);
  return {
    items: ordered.map((row) => toHistoryItem(row, times.get(row.id) ?? null)),
    nextCursor: ids.length > query.limit && last ? encodeCursor({ createdAt: last.createdAt.toISOString(), id: last.id }) : null,
  };
}
