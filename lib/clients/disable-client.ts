import { actorRef } from "@/lib/actions/context";
import { appendAuditEvent } from "@/lib/audit/append";
import { invalidateIssuerCache } from "@/lib/auth/authenticate-bearer";
import type { WorkloadClient } from "@/lib/db/client";
import { requireAdministrator, type AdminContext } from "@/lib/users/admin-context";
import { parseAdminInput, rejectPastedCredential } from "@/lib/users/parse-admin-input";
import { lockClient } from "./lock-client";
import { ZClientReference } from "./schemas";

export interface DisableClientResult {
  client: WorkloadClient;
  /** False when the client was already disabled; then nothing is written. */
  changed: boolean;
}

/**
 * Disables a workload client by name or id, with the `workload_client.disabled` audit event
 * in the same transaction. Its API keys and JWTs are rejected from the next request on; the
 * keys stay stored and are not revoked. Throws NotFound for an unknown client.
 */
export async function disableClient(context: AdminContext, nameOrId: string): Promise<DisableClientResult> {
  requireAdministrator(context.actor, "disabling a workload client");
  rejectPastedCredential(nameOrId, "");
  const reference = parseAdminInput(ZClientReference, nameOrId, "client");
  const now = context.clock.now();

  const result = await context.db.$transaction(async (tx) => {
    const client = await lockClient(tx, reference);
    if (!client.enabled) return { client, changed: false };

    const updated = await tx.workloadClient.update({ where: { id: client.id }, data: { enabled: false, updatedAt: now } });
    await appendAuditEvent(tx, {
      occurredAt: now,
      actor: actorRef(context.actor),
      eventType: "workload_client.disabled",
      correlationId: context.requestId,
      payload: { clientId: client.id, name: client.name },
    });
    return { client: updated, changed: true };
  });

  if (result.changed) {
    if (result.client.jwtIssuer !== null) invalidateIssuerCache();
    context.logger.info({ clientId: result.client.id }, "workload client disabled");
  }
  return result;
}
