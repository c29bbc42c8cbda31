import type { z } from "zod";
import type { ActionKind } from "@/lib/actions/catalogue";
import { ConnectorError, type Connector, type ConnectorAction, type CredentialRequirement } from "@/lib/connectors/types";
import type { ScimActionHandler } from "./action-handler";
import { ScimClient } from "./client";
import { disableAccount } from "./disable-account";
import { removeEntitlement } from "./remove-entitlement";
import { ZScimCredentials, ZScimDomainSettings, type TScimCredentials } from "./settings";

const HANDLERS: Partial<Record<ActionKind, ScimActionHandler>> = {
  disable_account: disableAccount,
  remove_entitlement: removeEntitlement,
};

const SUPPORTED_KINDS: readonly ActionKind[] = ["disable_account", "remove_entitlement"];

/** Least privileges of the connector's bearer token; needs no secret, so the settings page can show it. */
export function describeScimCredentials(): CredentialRequirement[] {
  return CREDENTIAL_REQUIREMENTS.map((requirement) => ({ ...requirement }));
}

const CREDENTIAL_REQUIREMENTS: CredentialRequirement[] = [
  {
    privilege: "Read Users: GET /Users/{id}",
    reason: "Plan and verify read the user's active attribute and group memberships.",
  },
  {
    privilege: "Read Groups: GET /Groups/{id} and GET /Groups with a filter on displayName or members.value",
    reason: "remove_entitlement resolves the group by id or displayName and counts its other members.",
  },
  {
    privilege: "Modify the active attribute of Users: PATCH /Users/{id}",
    reason: "disable_account sets active to false, and revert restores the previous value.",
  },
  {
    privilege: "Modify the members attribute of Groups: PATCH /Groups/{id}",
    reason: "remove_entitlement removes one member, and revert adds it back. No create, replace, delete or Bulk rights are needed.",
  },
];

function handlerFor(action: ConnectorAction): ScimActionHandler {
  const handler = HANDLERS[action.kind];
  if (handler === undefined) {
    throw new ConnectorError(`The SCIM connector does not support ${action.kind}; it supports ${SUPPORTED_KINDS.join(", ")}`, false);
  }
  return handler;
}

/**
 * Creates the connector for one SCIM 2.0 domain (RFC 7644). `target.identity` is the user's SCIM
 * id, which the service provider assigns and never changes, unlike the userName.
 */
export function createScimConnector(settings: z.input<typeof ZScimDomainSettings>, credentials: TScimCredentials): Connector {
  const parsedSettings = ZScimDomainSettings.parse(settings);
  // The zod issues are replaced so no part of the credential can reach an error message.
  const parsedCredentials = ZScimCredentials.safeParse(credentials);
  if (!parsedCredentials.success) {
    throw new Error("Invalid SCIM credentials: bearerToken must be a string of 1 to 8192 characters");
  }

  const client = new ScimClient(parsedSettings.baseUrl, parsedCredentials.data.bearerToken, parsedSettings.requestTimeoutMs);

  return {
    kind: "scim",
    supportedKinds: SUPPORTED_KINDS,
    plan: async (action, context) => handlerFor(action).plan(client, action, context.signal),
    apply: async (action, grant, context) => handlerFor(action).apply(client, action, grant, context.signal),
    verify: async (action, context) => handlerFor(action).verify(client, action, context.signal),
    revert: async (action, plan, context) => handlerFor(action).revert(client, action, plan, context.signal),
    describeCredentials: describeScimCredentials,
  };
}
