import { randomUUID } from "node:crypto";
import { actorRef, type Actor } from "@/lib/actions/context";
import { getPrisma } from "@/lib/db/client";
import { logger } from "@/lib/log/logger";
import { systemClock } from "@/lib/time/clock";
import type { AdminContext } from "@/lib/users/admin-context";

/**
 * Builds the context of an administration verb called from a console page or server action:
 * the process-wide database, the system clock, and a request id that links the log lines and
 * the audit event of one click.
 */
export function consoleAdminContext(actor: Actor, requestId: string = randomUUID()): AdminContext {
  return {
    db: getPrisma(),
    clock: systemClock,
    actor,
    requestId,
    logger: logger.child({ component: "console-settings", requestId, actor: actorRef(actor) }),
  };
}
