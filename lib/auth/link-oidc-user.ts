import { auditedTransaction, recordAudit } from "@/lib/audit/trail";
import type { PrismaClient, User } from "@/lib/db/client";
import type { Role } from "@/lib/db/generated/enums";
import type { Logger } from "@/lib/log/logger";
import { isUniqueViolation } from "@/lib/users/is-unique-violation";
import { rolesForGroups } from "./oidc-roles";

/** The configured issuer and how its groups map to roles. */
export interface OidcLinkSettings {
  issuer: string;
  groupsClaim: string;
  roleMap: Map<string, Role[]>;
}

export type OidcRejection =
  /** The claims have no `sub`, or no usable `email`. */
  | "missing_claims"
  /** The issuer states that it has not verified the email address (`email_verified: false`). */
  | "unverified_email"
  /** No group of the person maps to a Cordon role. */
  | "no_role"
  /** The Cordon account exists and is disabled. */
  | "disabled"
  /** The email belongs to an account linked to another subject of the same issuer. */
  | "linked_to_other_subject";

export type OidcLinkResult = { ok: true; user: User } | { ok: false; reason: OidcRejection };

/** The `?error=` code the sign-in page receives for each rejection. */
export const OIDC_REJECTION_CODES: Record<OidcRejection, string> = {
  missing_claims: "OidcClaimsMissing",
  unverified_email: "OidcEmailUnverified",
  no_role: "OidcNoRole",
  disabled: "OidcAccountDisabled",
  linked_to_other_subject: "OidcLinkedToOtherSubject",
};

const MAX_EMAIL_LENGTH = 320;
const MAX_NAME_LENGTH = 200;

interface Identity {
  subject: string;
  email: string;
  displayName: string;
  roles: Role[];
}

/** Stored form of an OIDC identity in `users.oidcSubject`: `iss|sub`, unique per person. */
export function oidcSubjectOf(issuer: string, subject: string): string {
  return `${issuer}|${subject}`;
}

function readIdentity(claims: Record<string, unknown>, settings: OidcLinkSettings): Identity | OidcRejection {
  const sub = typeof claims.sub === "string" ? claims.sub : "";
  const email = typeof claims.email === "string" ? claims.email.trim().toLowerCase() : "";
  if (!sub || !email || email.length > MAX_EMAIL_LENGTH || !email.includes("@")) return "missing_claims";
  // Accounts are linked by email, so an address that the issuer reports as unverified could take
  // over someone else's account. Issuers that omit the claim (Entra ID does) are trusted.
  if (claims.email_verified === false || claims.email_verified === "false") return "unverified_email";

  const roles = rolesForGroups(claims[settings.groupsClaim], settings.roleMap);
  if (roles.length === 0) return "no_role";

  const name = typeof claims.name === "string" ? claims.name.trim().slice(0, MAX_NAME_LENGTH) : "";
  return { subject: oidcSubjectOf(settings.issuer, sub), email, displayName: name || email, roles };
}

function sameRoles(left: readonly Role[], right: readonly Role[]): boolean {
  return left.length === right.length && [...left].sort().every((role, index) => role === [...right].sort()[index]);
}

async function linkOnce(db: PrismaClient, identity: Identity, settings: OidcLinkSettings, now: Date, logger: Logger): Promise<OidcLinkResult> {
  return auditedTransaction(db, async (tx) => {
    const bySubject = await tx.user.findUnique({ where: { oidcSubject: identity.subject } });
    const existing = bySubject ?? (await tx.user.findUnique({ where: { email: identity.email } }));

    if (!existing) {
      const user = await tx.user.create({
        data: { email: identity.email, displayName: identity.displayName, roles: identity.roles, oidcSubject: identity.subject, lastSignInAt: now, createdAt: now, updatedAt: now },
      });
      await recordAudit(tx, {
        occurredAt: now,
        actor: { type: "person", id: user.id },
        eventType: "user.created",
        payload: { userId: user.id, email: user.email, roles: user.roles, oidcSubject: identity.subject },
      });
      logger.info({ userId: user.id, roles: user.roles }, "person created on first OIDC sign-in");
      return { ok: true, user };
    }

    if (existing.disabled) {
      logger.warn({ userId: existing.id }, "OIDC sign-in rejected: the account is disabled");
      return { ok: false, reason: "disabled" };
    }
    // Another subject at this issuer with the same email is another person (an address that was
    // reassigned, for example), so taking over the account and its history is rejected. A subject
    // of another issuer is replaced, because the issuer changed, as the demo's does on every start.
    // The subject is compared again here: a concurrent first sign-in may have linked this
    // account to the same subject between the two reads above.
    if (existing.oidcSubject !== identity.subject && existing.oidcSubject !== null && existing.oidcSubject.startsWith(`${settings.issuer}|`)) {
      logger.warn({ userId: existing.id }, "OIDC sign-in rejected: the email belongs to an account linked to another subject of this issuer");
      return { ok: false, reason: "linked_to_other_subject" };
    }

    const user = await tx.user.update({ where: { id: existing.id }, data: { roles: identity.roles, oidcSubject: identity.subject, lastSignInAt: now, updatedAt: now } });
    const actor = { type: "person" as const, id: user.id };
    if (existing.oidcSubject !== identity.subject) {
      await recordAudit(tx, { occurredAt: now, actor, eventType: "user.oidc_linked", payload: { userId: user.id, oidcSubject: identity.subject, previousOidcSubject: existing.oidcSubject } });
      logger.info({ userId: user.id, relinked: existing.oidcSubject !== null }, "account linked to its OIDC identity");
    }
    if (!sameRoles(existing.roles, identity.roles)) {
      await recordAudit(tx, { occurredAt: now, actor, eventType: "user.roles_changed", payload: { userId: user.id, from: existing.roles, to: user.roles, source: "oidc_groups" } });
      logger.info({ userId: user.id, from: existing.roles, to: user.roles }, "roles changed by the OIDC groups claim");
    }
    return { ok: true, user };
  });
}

/**
 * Signs a person in from the verified claims of an OIDC sign-in. It finds the Cordon account by
 * linked subject, then by email (linking an existing local account), and creates one when there
 * is none. The roles come from the groups claim on every sign-in, so a group removed at the
 * issuer removes the role at the next sign-in. Creating, linking and role changes are audited in
 * the same transaction. The claims must come from an ID token or userinfo response that the
 * caller has validated.
 */
export async function linkOidcUser(db: PrismaClient, claims: Record<string, unknown>, settings: OidcLinkSettings, now: Date, logger: Logger): Promise<OidcLinkResult> {
  const identity = readIdentity(claims, settings);
  if (typeof identity === "string") {
    logger.warn({ reason: identity, groupsClaim: settings.groupsClaim }, "OIDC sign-in rejected");
    return { ok: false, reason: identity };
  }

  try {
    return await linkOnce(db, identity, settings, now, logger);
  } catch (error) {
    // Two first sign-ins of one person can race to create the account; the loser finds it on retry.
    if (!isUniqueViolation(error)) throw error;
    return linkOnce(db, identity, settings, now, logger);
  }
}
