import { actorRef } from "@/lib/actions/context";
import { appendAuditEvent } from "@/lib/audit/append";
import type { WorkloadClient } from "@/lib/db/client";
import { ValidationFailed } from "@/lib/errors";
import { requireAdministrator, type AdminContext } from "@/lib/users/admin-context";
import { parseAdminInput, quoteValue, rejectPastedCredential } from "@/lib/users/parse-admin-input";
import { issueApiKey, type IssuedApiKey } from "./issue-api-key";
import { lockClient } from "./lock-client";
import { ZRotateClientKeyInput, type RotateClientKeyInput } from "./schemas";

export interface RotateClientKeyResult {
  client: WorkloadClient;
  apiKey: IssuedApiKey;
  /** Ids of the keys this rotation revoked. */
  revokedKeyIds: string[];
}

/**
 * Revokes every unrevoked API key of an enabled client and issues a new one, with the
 * `workload_client.key_rotated` audit event in the same transaction. The old keys stop working
 * at once, so the caller must deploy the new key before traffic resumes. Throws NotFound for an
 * unknown client and ValidationFailed for a disabled client or one that authenticates with JWTs.
 */
export async function rotateClientKey(context: AdminContext, input: RotateClientKeyInput): Promise<RotateClientKeyResult> {
  requireAdministrator(context.actor, "rotating an API key");
  if (typeof input.client === "string") rejectPastedCredential(input.client, "/client");
  const data = parseAdminInput(ZRotateClientKeyInput, input, "key rotation");
  const now = context.clock.now();

  const result = await context.db.$transaction(async (tx) => {
    const client = await lockClient(tx, data.client);
    if (client.jwtIssuer !== null) {
      throw new ValidationFailed(`client ${client.name} authenticates with JWTs from ${quoteValue(client.jwtIssuer)} and has no API key to rotate`, [
        { pointer: "/client", message: `names a client that authenticates with JWTs: ${client.name}` },
      ]);
    }
    if (!client.enabled) {
      throw new ValidationFailed(`client ${client.name} is disabled, so it cannot get a new key`, [{ pointer: "/client", message: `is disabled: ${client.name}` }]);
    }

    const revoked = await tx.apiKey.updateManyAndReturn({ where: { clientId: client.id, revokedAt: null }, data: { revokedAt: now }, select: { id: true } });
    const apiKey = await issueApiKey(tx, client.id, now, data.lifetime);
    const revokedKeyIds = revoked.map((key) => key.id).sort();

    await appendAuditEvent(tx, {
      occurredAt: now,
      actor: actorRef(context.actor),
      eventType: "workload_client.key_rotated",
      correlationId: context.requestId,
      payload: { clientId: client.id, name: client.name, apiKeyId: apiKey.record.id, expiresAt: apiKey.record.expiresAt?.toISOString() ?? null, revokedKeyIds },
    });
    return { client, apiKey, revokedKeyIds };
  });

  context.logger.info({ clientId: result.client.id, apiKeyId: result.apiKey.record.id, revokedKeys: result.revokedKeyIds.length }, "API key rotated");
  return result;
}
