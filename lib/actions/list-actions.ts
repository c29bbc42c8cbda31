import { z } from "zod";
import type { ServiceContext } from "./context";
import { ACTION_KINDS } from "./catalogue";
import { actionInclude, toActionView, type ActionView } from "./read-action";
import { NotFound } from "@/lib/errors";

const STATES = ["proposed", "pending", "approved", "executing", "succeeded", "failed", "denied", "rejected", "cancelled", "expired", "reverted"] as const;

/** Query of `GET /api/v1/actions`. */
export const ZListActionsQuery = z
  .object({
    incident: z.uuid().optional(),
    state: z.enum(STATES).optional(),
    kind: z.enum(ACTION_KINDS).optional(),
    domain: z.string().min(1).max(128).optional(),
    cursor: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();
export type ListActionsQuery = z.infer<typeof ZListActionsQuery>;

interface Cursor {
  createdAt: string;
  id: string;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

function decodeCursor(text: string): Cursor {
  try {
    const value = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as Cursor;
    if (typeof value.createdAt === "string" && typeof value.id === "string" && !Number.isNaN(Date.parse(value.createdAt))) return value;
  } catch {
    // fall through to the error below
  }
  throw new z.ZodError([{ code: "custom", path: ["cursor"], message: "invalid cursor; pass the nextCursor of a previous page", input: text }]);
}

/** Workloads see only their own proposals; people see all. */
function visibility(context: ServiceContext) {
  return context.actor.type === "workload" ? { requestedByClientId: context.actor.client.id } : {};
}

/** Lists actions newest first, with keyset pagination on (createdAt, id). */
export async function listActions(context: ServiceContext, query: ListActionsQuery): Promise<{ items: ActionView[]; nextCursor: string | null }> {
  const cursor = query.cursor ? decodeCursor(query.cursor) : null;
  const rows = await context.db.action.findMany({
    where: {
      ...visibility(context),
      ...(query.incident ? { incidentId: query.incident } : {}),
      ...(query.state ? { state: query.state } : {}),
      ...(query.kind ? { kind: query.kind } : {}),
      ...(query.domain ? { domain: { name: query.domain } } : {}),
      ...(cursor
        ? { OR: [{ createdAt: { lt: new Date(cursor.createdAt) } }, { createdAt: new Date(cursor.createdAt), id: { lt: cursor.id } }] }
        : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: query.limit + 1,
    include: actionInclude(),
  });
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return { items: page.map(toActionView), nextCursor: rows.length > query.limit && last ? encodeCursor({ createdAt: last.createdAt.toISOString(), id: last.id }) : null };
}

/** Reads one action; another workload's action is reported as not found (404, not 403). */
export async function getAction(context: ServiceContext, id: string): Promise<ActionView> {
  const parsed = z.uuid().safeParse(id);
  if (!parsed.success) throw new NotFound(`action ${id} not found`, { actionId: id });
  const action = await context.db.action.findFirst({ where: { id, ...visibility(context) }, include: actionInclude() });
  if (!action) throw new NotFound(`action ${id} not found`, { actionId: id });
  return toActionView(action);
}
