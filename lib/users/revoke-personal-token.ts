import { z } from "zod";
import { actorRef } from "@/lib/actions/context";
import { appendAuditEvent } from "@/lib/audit/append";
import type { PersonalAccessToken } from "@/lib/db/client";
import { NotFound } from "@/lib/errors";
import { requireAdministrator, type AdminContext } from "./admin-context";
import { parseAdminInput, rejectPastedCredential } from "./parse-admin-input";

/** The public id of a token, the part between `cdp_` and the secret. The secret is never asked for. */
export const ZPersonalTokenId = z.string().regex(/^[a-z2-7]{12}$/, "must be a token id: the 12 characters after cdp_, as `cordon tokens create` prints them");

export interface RevokePersonalTokenResult {
  record: PersonalAccessToken;
  /** False when the token was already revoked; then nothing is written. */
  changed: boolean;
}

/**
 * Revokes a personal access token by its public id, with the `personal_access_token.revoked`
 * audit event in the same transaction. Throws NotFound for an unknown id.
 */
export async function revokePersonalToken(context: AdminContext, tokenId: string): Promise<RevokePersonalTokenResult> {
  requireAdministrator(context.actor, "revoking a personal access token");
  rejectPastedCredential(tokenId, "");
  const id = parseAdminInput(ZPersonalTokenId, tokenId, "token id");
  const now = context.clock.now();

  const result = await context.db.$transaction(async (tx) => {
    const record = await tx.personalAccessToken.findUnique({ where: { id } });
    if (!record) throw new NotFound(`no personal access token has the id ${id}`);

    const { count } = await tx.personalAccessToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: now } });
    if (count === 0) return { record, changed: false };

    await appendAuditEvent(tx, {
      occurredAt: now,
      actor: actorRef(context.actor),
      eventType: "personal_access_token.revoked",
      correlationId: context.requestId,
      payload: { tokenId: id, userId: record.userId, name: record.name },
    });
    return { record: { ...record, revokedAt: now }, changed: true };
  });

  if (result.changed) context.logger.info({ tokenId: id, userId: result.record.userId }, "personal access token revoked");
  return result;
}
