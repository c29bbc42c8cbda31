"use server";

import { revalidatePath } from "next/cache";
import type { DisableClientState } from "@/components/settings/client-status-control";
import { sessionActor } from "@/lib/auth/session-actor";
import { disableClient } from "@/lib/clients/disable-client";
import { CordonError } from "@/lib/errors";
import { hasAnyRole } from "@/lib/history/access";
import { consoleAdminContext } from "@/lib/settings/admin-context";

/**
 * Disables a workload client from the settings page. A server action is a public endpoint,
 * so it checks the session and the admin role itself. disableClient checks the role again and
 * writes the audit event in the same transaction as the change.
 */
export async function disableClientAction(_previous: DisableClientState, form: FormData): Promise<DisableClientState> {
  const actor = await sessionActor();
  if (!actor) return { status: "error", message: "Your session has ended. Sign in again to continue." };
  if (!hasAnyRole(actor, ["admin"])) return { status: "error", message: "Disabling a workload client requires the admin role." };

  const clientId = form.get("clientId");
  if (typeof clientId !== "string" || clientId === "") return { status: "error", message: "The request named no client; reload the page and try again." };

  const context = consoleAdminContext(actor);
  try {
    const result = await disableClient(context, clientId);
    revalidatePath("/settings");
    return {
      status: "done",
      message: result.changed
        ? `Workload client ${result.client.name} is disabled. Its API keys and JWTs are rejected from the next request on.`
        : `Workload client ${result.client.name} was already disabled.`,
    };
  } catch (error) {
    if (error instanceof CordonError) return { status: "error", message: error.message };
    context.logger.error({ err: error, clientId }, "disabling a workload client failed");
    return { status: "error", message: `Disabling the client failed; quote request id ${context.requestId} when reporting it.` };
  }
}
