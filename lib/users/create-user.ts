import { randomBytes } from "node:crypto";
import { actorRef } from "@/lib/actions/context";
import { appendAuditEvent } from "@/lib/audit/append";
import { hashPassword } from "@/lib/auth/password";
import type { User } from "@/lib/db/client";
import { ValidationFailed } from "@/lib/errors";
import { requireAdministrator, type AdminContext } from "./admin-context";
import { isUniqueViolation } from "./is-unique-violation";
import { parseAdminInput } from "./parse-admin-input";
import { ZCreateUserInput, type CreateUserInput } from "./schemas";

export interface CreateUserResult {
  user: User;
  /** The generated password when the input had none; shown to the operator once and never stored. */
  generatedPassword: string | null;
}

/**
 * Creates a person who signs in with a password, with the `user.created` audit event in the
 * same transaction. Without a password in the input it generates one of 144 random bits. Only
 * the argon2id hash is stored. Throws ValidationFailed for an invalid input or an email that
 * is already registered.
 */
export async function createUser(context: AdminContext, input: CreateUserInput): Promise<CreateUserResult> {
  requireAdministrator(context.actor, "creating a person");
  const data = parseAdminInput(ZCreateUserInput, input, "person", { secretFields: ["password"] });

  const generatedPassword = data.password === undefined ? randomBytes(18).toString("base64url") : null;
  const passwordHash = await hashPassword(data.password ?? generatedPassword ?? "");
  const now = context.clock.now();

  try {
    const user = await context.db.$transaction(async (tx) => {
      const created = await tx.user.create({
        data: {
          email: data.email,
          displayName: data.displayName ?? data.email.split("@")[0] ?? data.email,
          roles: data.roles,
          passwordHash,
          createdAt: now,
          updatedAt: now,
        },
      });
      await appendAuditEvent(tx, {
        occurredAt: now,
        actor: actorRef(context.actor),
        eventType: "user.created",
        correlationId: context.requestId,
        payload: { userId: created.id, email: created.email, roles: created.roles, passwordGenerated: generatedPassword !== null },
      });
      return created;
    });
    context.logger.info({ userId: user.id, roles: user.roles }, "person created");
    return { user, generatedPassword };
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new ValidationFailed(`a person with email ${data.email} already exists`, [{ pointer: "/email", message: `is already registered: ${data.email}` }]);
    }
    throw error;
  }
}
