import { actionInclude, toActionView, type ActionView } from "@/lib/actions/read-action";
import { getPrisma, type Db } from "@/lib/db/client";

/** Pending actions the queue loads at most; `total` tells the page how many exist. */
export const QUEUE_LIMIT = 200;

export interface QueuePage {
  /** Pending actions, soonest Decision deadline first. */
  items: ActionView[];
  /** All pending actions, which may exceed `items.length` when more than `limit` wait. */
  total: number;
  limit: number;
}

/**
 * Lists the actions waiting for a decision, soonest Decision deadline first, in the API's
 * action shape. Actions past their deadline stay listed until the expiry sweep closes them.
 */
export async function listQueue(options: { db?: Db; limit?: number } = {}): Promise<QueuePage> {
  const db = options.db ?? getPrisma();
  const limit = options.limit ?? QUEUE_LIMIT;
  const where = { state: "pending" as const };

  const [rows, total] = await Promise.all([
    db.action.findMany({ where, orderBy: [{ decisionDeadline: "asc" }, { id: "asc" }], take: limit, include: actionInclude() }),
    db.action.count({ where }),
  ]);
  return { items: rows.map(toActionView), total, limit };
}
