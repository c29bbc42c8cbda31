import { z } from "zod";
import { ZRemoveEntitlementParameters } from "@/lib/actions/catalogue";
import { planEffect } from "@/lib/connectors/plan-effect";
import { planHash } from "@/lib/connectors/plan-hash";
import { ConnectorError, type ConnectorAction, type DomainReference, type ScopeDiff } from "@/lib/connectors/types";
import { assertGrantMatches, parseParameters, parseRevertState, userLabel, type ScimActionHandler } from "./action-handler";
import type { ScimClient, ScimResponse } from "./client";
import {
  assertResourceId,
  filterString,
  findGroupById,
  getUser,
  isValidResourceId,
  listGroups,
  patchResource,
  versionReferences,
  ZScimGroup,
  type Fetched,
  type TScimGroup,
} from "./resources";

/** Revert state: whether the user was a member of the group before the action. */
const ZRemoveEntitlementRevertState = z
  .object({
    userId: z.string().min(1),
    groupId: z.string().min(1),
    member: z.boolean(),
  })
  .strict();

interface MembershipState {
  group: Fetched<TScimGroup>;
  userId: string;
  isMember: boolean;
  diff: ScopeDiff;
  references: DomainReference[];
}

function groupPath(id: string): string {
  return `/Groups/${encodeURIComponent(id)}`;
}

function groupLabel(group: TScimGroup): string {
  return group.displayName ?? group.id;
}

function hasMember(group: TScimGroup, userId: string): boolean {
  return (group.members ?? []).some((member) => member.value === userId);
}

async function getGroup(client: ScimClient, id: string, signal: AbortSignal, source: string): Promise<Fetched<TScimGroup>> {
  assertResourceId(id, `Group id from ${source}`);
  const group = await findGroupById(client, id, signal);
  if (group === undefined) throw new ConnectorError(`SCIM group ${id} (from ${source}) was not found`, false);
  return group;
}

/**
 * Finds the group an action names. When `target.resource` is set, it is the group id. Otherwise the
 * entitlement is tried as a group id first, then as a displayName that must match exactly one group.
 */
async function resolveGroup(client: ScimClient, action: ConnectorAction, signal: AbortSignal): Promise<Fetched<TScimGroup>> {
  const { entitlement } = parseParameters(ZRemoveEntitlementParameters, action);
  const resource = action.target.resource ?? undefined;

  if (resource !== undefined) {
    const group = await getGroup(client, resource, signal, "target.resource");
    if (entitlement !== group.resource.id && entitlement !== group.resource.displayName) {
      throw new ConnectorError(`Entitlement "${entitlement}" is neither the id nor the displayName of group ${resource}`, false);
    }
    return group;
  }

  if (isValidResourceId(entitlement)) {
    const byId = await findGroupById(client, entitlement, signal);
    if (byId !== undefined) return byId;
  }

  const page = await listGroups(client, `displayName eq ${filterString(entitlement)}`, 2, signal);
  const [only] = page.groups;
  if (only === undefined) throw new ConnectorError(`No SCIM group has the id or displayName "${entitlement}"`, false, page.references);
  if (page.totalResults > 1) {
    const message = `${page.totalResults} SCIM groups have the displayName "${entitlement}"; set target.resource to the group id`;
    throw new ConnectorError(message, false, page.references);
  }

  // Read the group itself: list responses may leave out members, and they carry no ETag.
  const group = await getGroup(client, only.id, signal, "entitlement");
  return { ...group, references: [...page.references, ...group.references] };
}

async function readMembershipState(client: ScimClient, action: ConnectorAction, signal: AbortSignal): Promise<MembershipState> {
  const user = await getUser(client, action.target.identity, signal);
  const group = await resolveGroup(client, action, signal);
  const userId = user.resource.id;
  const isMember = hasMember(group.resource, userId);
  const otherMembers = (group.resource.members ?? []).filter((member) => member.value !== userId).length;

  const diff: ScopeDiff = {
    objects: [
      {
        type: "scim_group_membership",
        id: `${group.resource.id}:${userId}`,
        displayName: `${userLabel(user.resource)} in ${groupLabel(group.resource)}`,
        before: { group: group.resource.id, user: userId, member: isMember },
        after: { group: group.resource.id, user: userId, member: false },
      },
    ],
    blastRadius: [
      {
        type: "scim_group",
        id: group.resource.id,
        description: `Group "${groupLabel(group.resource)}" keeps ${otherMembers} other member${otherMembers === 1 ? "" : "s"}`,
      },
    ],
  };
  const references = [
    ...user.references,
    ...versionReferences("scim_user_version", user.version),
    ...group.references,
    ...versionReferences("scim_group_version", group.version),
  ];
  return { group, userId, isMember, diff, references };
}

/** Reads the group a PATCH returned; a 204 means the server saw nothing to change. */
function patchedGroup(response: ScimResponse): Fetched<TScimGroup> | undefined {
  if (response.status === 204) return undefined;

  const parsed = ZScimGroup.safeParse(response.body);
  if (!parsed.success) throw new ConnectorError("The SCIM server returned an invalid Group resource after PATCH", false, response.references);
  return { resource: parsed.data, version: parsed.data.meta?.version ?? response.etag, references: response.references };
}

async function patchMembership(
  client: ScimClient,
  group: Fetched<TScimGroup>,
  userId: string,
  member: boolean,
  signal: AbortSignal,
): Promise<{ changed: boolean; references: DomainReference[] }> {
  const operation = member
    ? { op: "add", path: "members", value: [{ value: userId }] }
    : { op: "remove", path: `members[value eq ${filterString(userId)}]` };
  const response = await patchResource(client, groupPath(group.resource.id), [operation], group.version, signal);

  const patched = patchedGroup(response);
  if (patched !== undefined && hasMember(patched.resource, userId) !== member) {
    const message = `The SCIM server accepted the PATCH of group ${group.resource.id} but user ${userId} is ${member ? "still not" : "still"} a member`;
    throw new ConnectorError(message, false, response.references);
  }

  const references = [...response.references, ...versionReferences("scim_group_version", patched?.version)];
  return { changed: patched !== undefined, references };
}

export const removeEntitlement: ScimActionHandler = {
  async plan(client, action, signal) {
    const state = await readMembershipState(client, action, signal);

    const revertState = { userId: state.userId, groupId: state.group.resource.id, member: state.isMember };
    const effect = planEffect(state.isMember, () => `SCIM user ${state.userId} is not a member of group ${JSON.stringify(groupLabel(state.group.resource))} (${state.group.resource.id})`);
    return { diff: state.diff, hash: planHash(state.diff), revertState, references: state.references, ...effect };
  },

  async apply(client, action, grant, signal) {
    const state = await readMembershipState(client, action, signal);
    const label = groupLabel(state.group.resource);

    if (!state.isMember) {
      const detail = `User ${state.userId} is not a member of SCIM group ${label}`;
      return { outcome: "already_in_effect", detail, references: state.references };
    }
    assertGrantMatches(action, grant, state.diff);

    const result = await patchMembership(client, state.group, state.userId, false, signal);
    const detail = result.changed
      ? `Removed user ${state.userId} from SCIM group ${label}`
      : `User ${state.userId} was already not a member of SCIM group ${label}`;
    return { outcome: result.changed ? "applied" : "already_in_effect", detail, references: result.references };
  },

  async verify(client, action, signal) {
    assertResourceId(action.target.identity, "Target identity");
    const group = await resolveGroup(client, action, signal);
    const references = [...group.references, ...versionReferences("scim_group_version", group.version)];
    const label = groupLabel(group.resource);

    if (hasMember(group.resource, action.target.identity)) {
      return { verified: false, detail: `User ${action.target.identity} is still a member of SCIM group ${label}`, references };
    }
    return { verified: true, detail: `User ${action.target.identity} is not a member of SCIM group ${label}`, references };
  },

  async revert(client, action, plan, signal) {
    const state = parseRevertState(ZRemoveEntitlementRevertState, plan, action);
    if (state.userId !== action.target.identity) {
      throw new ConnectorError(`The plan's revert state is for user ${state.userId}, not ${action.target.identity}`, false);
    }
    if (!state.member) {
      const detail = `User ${state.userId} was not a member of SCIM group ${state.groupId} before the action, so there is nothing to restore`;
      return { outcome: "already_in_effect", detail, references: [] };
    }

    const group = await getGroup(client, state.groupId, signal, "revert state");
    const label = groupLabel(group.resource);
    if (hasMember(group.resource, state.userId)) {
      const references = [...group.references, ...versionReferences("scim_group_version", group.version)];
      return { outcome: "already_in_effect", detail: `User ${state.userId} is already a member of SCIM group ${label}`, references };
    }

    const result = await patchMembership(client, group, state.userId, true, signal);
    const detail = `Added user ${state.userId} back to SCIM group ${label}`;
    return { outcome: result.changed ? "applied" : "already_in_effect", detail, references: result.references };
  },
};
