import type { Role } from "@/lib/db/generated/enums";
import { requireAdministrator, type AdminContext } from "./admin-context";

/** One person as the operator sees them; never the password hash. */
export interface UserSummary {
  id: string;
  email: string;
  displayName: string;
  roles: Role[];
  disabled: boolean;
  /** Whether the person has a local password; false for accounts that sign in through OIDC only. */
  hasPassword: boolean;
  oidcLinked: boolean;
  lockedUntil: Date | null;
  lastSignInAt: Date | null;
  /** Personal access tokens that are neither revoked nor expired. */
  activeTokenCount: number;
  createdAt: Date;
}

/** Lists every person, ordered by email. */
export async function listUsers(context: AdminContext): Promise<UserSummary[]> {
  requireAdministrator(context.actor, "listing people");
  const now = context.clock.now();

  const users = await context.db.user.findMany({
    orderBy: { email: "asc" },
    include: { tokens: { where: { revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] }, select: { id: true } } },
  });

  return users.map((user) => ({
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    roles: user.roles,
    disabled: user.disabled,
    hasPassword: user.passwordHash !== null,
    oidcLinked: user.oidcSubject !== null,
    lockedUntil: user.lockedUntil,
    lastSignInAt: user.lastSignInAt,
    activeTokenCount: user.tokens.length,
    createdAt: user.createdAt,
  }));
}
