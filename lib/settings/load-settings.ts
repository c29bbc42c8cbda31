import { CordonError } from "@/lib/errors";
import { activePolicyDir, currentPolicySet } from "@/lib/policy/current";
import { policySetSummary, type PolicySummary } from "@/lib/policy/policy-set-summary";
import { PolicyLoadError } from "@/lib/policy/types";
import { requireAdministrator, type AdminContext } from "@/lib/users/admin-context";
import { listUsers } from "@/lib/users/list-users";
import type { Role } from "@/lib/db/generated/enums";
import { listClientSettings, type ClientSettingsRow } from "./list-client-settings";
import { listDomainSettings, type DomainSettingsRow } from "./list-domain-settings";

/** One section of the settings page: its rows, or why they could not be read. */
export type SettingsSection<T> = { ok: true; value: T } | { ok: false; message: string };

export interface UserSettingsRow {
  id: string;
  email: string;
  displayName: string;
  roles: Role[];
  disabled: boolean;
  /** Locked after repeated failed sign-ins, until `lockedUntil`. */
  locked: boolean;
  lockedUntil: string | null;
  lastSignInAt: string | null;
  signIn: "password" | "oidc" | "password and oidc" | "none";
}

export interface PolicySettings {
  /** Folder the policies were loaded from. */
  directory: string;
  policies: PolicySummary[];
}

export interface SettingsView {
  domains: SettingsSection<DomainSettingsRow[]>;
  clients: SettingsSection<ClientSettingsRow[]>;
  users: SettingsSection<UserSettingsRow[]>;
  policies: SettingsSection<PolicySettings>;
}

function signInMethod(hasPassword: boolean, oidcLinked: boolean): UserSettingsRow["signIn"] {
  if (hasPassword && oidcLinked) return "password and oidc";
  if (hasPassword) return "password";
  if (oidcLinked) return "oidc";
  return "none";
}

async function listUserSettings(context: AdminContext): Promise<UserSettingsRow[]> {
  const now = context.clock.now();
  const users = await listUsers(context);
  return users.map((user) => ({
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    roles: user.roles,
    disabled: user.disabled,
    locked: user.lockedUntil !== null && user.lockedUntil > now,
    lockedUntil: user.lockedUntil?.toISOString() ?? null,
    lastSignInAt: user.lastSignInAt?.toISOString() ?? null,
    signIn: signInMethod(user.hasPassword, user.oidcLinked),
  }));
}

async function loadPolicies(): Promise<PolicySettings> {
  return { directory: activePolicyDir(), policies: policySetSummary(await currentPolicySet()) };
}

/**
 * Runs one section's read; a failure becomes that section's message, so one broken part (an
 * invalid policy folder) does not hide the others. Only Cordon's own errors and policy load
 * errors (file, line and problem) are shown; others are logged and replaced with the request id.
 */
async function section<T>(context: AdminContext, name: string, read: () => Promise<T>): Promise<SettingsSection<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (error) {
    context.logger.error({ err: error, section: name }, "settings section could not be read");
    const message = error instanceof CordonError || error instanceof PolicyLoadError ? error.message : `an unexpected error occurred; quote request id ${context.requestId} when reporting it`;
    return { ok: false, message };
  }
}

/** Reads everything the settings page shows. Requires the admin role. */
export async function loadSettings(context: AdminContext): Promise<SettingsView> {
  requireAdministrator(context.actor, "reading the settings");
  const [domains, clients, users, policies] = await Promise.all([
    section(context, "domains", () => listDomainSettings(context)),
    section(context, "clients", () => listClientSettings(context)),
    section(context, "users", () => listUserSettings(context)),
    section(context, "policies", loadPolicies),
  ]);
  return { domains, clients, users, policies };
}
