import { actorRef } from "@/lib/actions/context";
import { appendAuditEvent } from "@/lib/audit/append";
import { generatePersonalToken } from "@/lib/auth/personal-token";
import type { PersonalAccessToken } from "@/lib/db/client";
import { NotFound, ValidationFailed } from "@/lib/errors";
import { addSeconds } from "@/lib/time/clock";
import { requireAdministrator, type AdminContext } from "./admin-context";
import { parseAdminInput } from "./parse-admin-input";
import { ZCreatePersonalTokenInput, type CreatePersonalTokenInput } from "./schemas";

export interface CreatePersonalTokenResult {
  /** The stored row: public id, name, SHA-256 of the secret and expiry. */
  record: PersonalAccessToken;
  /** The full `cdp_…` token; shown to the operator once and never stored. */
  token: string;
}

/**
 * Issues a personal access token for an enabled person, with the
 * `personal_access_token.created` audit event in the same transaction. The lifetime defaults
 * to 30 days. Throws NotFound for an unknown email and ValidationFailed for a disabled person.
 */
export async function createPersonalToken(context: AdminContext, input: CreatePersonalTokenInput): Promise<CreatePersonalTokenResult> {
  requireAdministrator(context.actor, "creating a personal access token");
  const data = parseAdminInput(ZCreatePersonalTokenInput, input, "personal access token");
  const now = context.clock.now();
  const generated = generatePersonalToken();

  const record = await context.db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { email: data.email } });
    if (!user) throw new NotFound(`no person has the email ${data.email}`);
    if (user.disabled) throw new ValidationFailed(`${data.email} is disabled, so they cannot get a token`, [{ pointer: "/email", message: `is disabled: ${data.email}` }]);

    const created = await tx.personalAccessToken.create({
      data: { id: generated.id, userId: user.id, name: data.name, secretHash: generated.secretHash, expiresAt: addSeconds(now, data.lifetime), createdAt: now },
    });
    await appendAuditEvent(tx, {
      occurredAt: now,
      actor: actorRef(context.actor),
      eventType: "personal_access_token.created",
      correlationId: context.requestId,
      payload: { tokenId: created.id, userId: user.id, name: created.name, expiresAt: created.expiresAt?.toISOString() ?? null },
    });
    return created;
  });

  context.logger.info({ tokenId: record.id, userId: record.userId }, "personal access token created");
  return { record, token: generated.token };
}
