import { z } from "zod";
import { ZDisableAccountParameters } from "@/lib/actions/catalogue";
import { planEffect } from "@/lib/connectors/plan-effect";
import { planHash } from "@/lib/connectors/plan-hash";
import {
  ConnectorError,
  type ApplyResult,
  type BlastRadiusEntry,
  type ConnectorAction,
  type DomainReference,
  type ScopeDiff,
} from "@/lib/connectors/types";
import { assertGrantMatches, parseParameters, parseRevertState, userLabel, type ScimActionHandler } from "./action-handler";
import type { ScimClient, ScimResponse } from "./client";
import {
  filterString,
  getUser,
  listGroups,
  MAX_LISTED_GROUPS,
  patchResource,
  versionReferences,
  ZScimUser,
  type Fetched,
  type TScimUser,
} from "./resources";

/** Revert state: `active` as it was before the action, null when the user had no `active` attribute. */
const ZDisableRevertState = z
  .object({
    userId: z.string().min(1),
    active: z.boolean().nullable(),
  })
  .strict();

interface UserState {
  user: Fetched<TScimUser>;
  diff: ScopeDiff;
  references: DomainReference[];
}

function compareIds(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

function userPath(id: string): string {
  return `/Users/${encodeURIComponent(id)}`;
}

/**
 * Lists the user's groups: the access that stops working once the account is inactive. Uses the
 * user's `groups` attribute and, for servers that omit it, a filter on group members.
 */
async function membershipBlastRadius(client: ScimClient, user: TScimUser, signal: AbortSignal) {
  const references: DomainReference[] = [];
  let groups: { id: string; display: string | undefined }[];
  let unlisted = 0;

  if (user.groups !== undefined) {
    groups = user.groups.map((group) => ({ id: group.value, display: group.display }));
  } else {
    const page = await listGroups(client, `members.value eq ${filterString(user.id)}`, MAX_LISTED_GROUPS, signal);
    groups = page.groups.map((group) => ({ id: group.id, display: group.displayName }));
    unlisted = Math.max(0, page.totalResults - page.groups.length);
    references.push(...page.references);
  }

  // Sorted so the plan hash does not depend on the order the server lists groups in.
  const entries: BlastRadiusEntry[] = groups
    .sort((a, b) => compareIds(a.id, b.id))
    .map((group) => ({
      type: "scim_group",
      id: group.id,
      description: `Member of group "${group.display ?? group.id}"; the membership is kept, and access through it depends on the account being active`,
    }));
  if (unlisted > 0) entries.push({ type: "scim_group", id: "*", description: `${unlisted} more groups not listed` });

  return { entries, references };
}

/**
 * Warns that the step ends no session. SCIM 2.0 defines no session resource, and RFC 7643's
 * User schema defines `active` only as the user's administrative status, so the service
 * provider decides what an inactive user may still do. The text depends only on the request,
 * so it keeps the plan hash stable.
 */
function sessionsEntry(user: TScimUser, terminateSessions: boolean): BlastRadiusEntry {
  const requested = terminateSessions ? ", although terminateSessions is true" : ", as terminateSessions is false";
  return {
    type: "scim_sessions",
    id: user.id,
    description:
      `Open sessions are not ended${requested}. This step only sets active=false on the SCIM user, which SCIM defines as the user's administrative status, ` +
      "so each service provider decides what an inactive user may still do. SCIM 2.0 has no session resource, so sessions and tokens the user already holds " +
      "in downstream applications stay valid until each application ends them or they expire. To end them, revoke the user's tokens at the identity provider " +
      "(revoke_token) or sign the user out in each application.",
  };
}

async function readUserState(client: ScimClient, action: ConnectorAction, signal: AbortSignal): Promise<UserState> {
  const { terminateSessions } = parseParameters(ZDisableAccountParameters, action);
  const user = await getUser(client, action.target.identity, signal);
  const blastRadius = await membershipBlastRadius(client, user.resource, signal);

  const diff: ScopeDiff = {
    objects: [
      {
        type: "scim_user",
        id: user.resource.id,
        displayName: userLabel(user.resource),
        before: { active: user.resource.active ?? null },
        after: { active: false },
      },
    ],
    blastRadius: [sessionsEntry(user.resource, terminateSessions), ...blastRadius.entries],
  };
  const references = [...user.references, ...versionReferences("scim_user_version", user.version), ...blastRadius.references];
  return { user, diff, references };
}

/** Reads the user a PATCH returned; a 204 means the server saw nothing to change. */
function patchedUser(response: ScimResponse): Fetched<TScimUser> | undefined {
  if (response.status === 204) return undefined;

  const parsed = ZScimUser.safeParse(response.body);
  if (!parsed.success) throw new ConnectorError("The SCIM server returned an invalid User resource after PATCH", false, response.references);
  return { resource: parsed.data, version: parsed.data.meta?.version ?? response.etag, references: response.references };
}

async function setActive(
  client: ScimClient,
  user: Fetched<TScimUser>,
  active: boolean | null,
  signal: AbortSignal,
): Promise<{ changed: boolean; references: DomainReference[] }> {
  const operation = active === null ? { op: "remove", path: "active" } : { op: "replace", path: "active", value: active };
  const response = await patchResource(client, userPath(user.resource.id), [operation], user.version, signal);

  const patched = patchedUser(response);
  if (patched !== undefined && (patched.resource.active ?? null) !== active) {
    const message = `The SCIM server accepted the PATCH of user ${user.resource.id} but returned active=${patched.resource.active}`;
    throw new ConnectorError(message, false, response.references);
  }

  const references = [...response.references, ...versionReferences("scim_user_version", patched?.version)];
  return { changed: patched !== undefined, references };
}

export const disableAccount: ScimActionHandler = {
  async plan(client, action, signal) {
    const state = await readUserState(client, action, signal);
    const user = state.user.resource;

    const revertState = { userId: user.id, active: user.active ?? null };
    // An absent `active` is set to false as well, so only an explicit false changes nothing.
    const effect = planEffect(user.active !== false, () => `SCIM user ${JSON.stringify(userLabel(user))} is already inactive (active=false)`);
    return { diff: state.diff, hash: planHash(state.diff), revertState, references: state.references, ...effect };
  },

  async apply(client, action, grant, signal) {
    const state = await readUserState(client, action, signal);
    const label = userLabel(state.user.resource);

    if (state.user.resource.active === false) {
      return { outcome: "already_in_effect", detail: `SCIM user ${label} is already inactive`, references: state.references };
    }
    assertGrantMatches(action, grant, state.diff);

    const result = await setActive(client, state.user, false, signal);
    // SCIM 2.0 defines no session resource, so Cordon cannot end sessions through this domain.
    const sessions = " Open sessions were not ended, because SCIM 2.0 has no session resource. They end only where the service provider acts on active=false.";
    const detail = result.changed ? `Set active=false on SCIM user ${label}.${sessions}` : `SCIM user ${label} was already inactive`;
    return { outcome: result.changed ? "applied" : "already_in_effect", detail, references: result.references };
  },

  async verify(client, action, signal) {
    const user = await getUser(client, action.target.identity, signal);
    const references = [...user.references, ...versionReferences("scim_user_version", user.version)];
    const label = userLabel(user.resource);

    if (user.resource.active === false) return { verified: true, detail: `SCIM user ${label} is inactive`, references };
    return { verified: false, detail: `SCIM user ${label} has active=${user.resource.active ?? "absent"}`, references };
  },

  async revert(client, action, plan, signal) {
    const state = parseRevertState(ZDisableRevertState, plan, action);
    if (state.userId !== action.target.identity) {
      throw new ConnectorError(`The plan's revert state is for user ${state.userId}, not ${action.target.identity}`, false);
    }

    const user = await getUser(client, state.userId, signal);
    const label = userLabel(user.resource);
    const restored = state.active === null ? "absent" : String(state.active);
    if ((user.resource.active ?? null) === state.active) {
      const references = [...user.references, ...versionReferences("scim_user_version", user.version)];
      return { outcome: "already_in_effect", detail: `SCIM user ${label} already has active=${restored}`, references };
    }

    const result = await setActive(client, user, state.active, signal);
    const outcome: ApplyResult["outcome"] = result.changed ? "applied" : "already_in_effect";
    return { outcome, detail: `Restored active=${restored} on SCIM user ${label}`, references: result.references };
  },
};
