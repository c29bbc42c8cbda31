import type { z } from "zod";
import type { ActionKind } from "@/lib/actions/catalogue";
import { ConnectorError, type Connector, type ConnectorAction, type CredentialRequirement } from "@/lib/connectors/types";
import { type Logger, logger as rootLogger } from "@/lib/log/logger";
import { AdminApi } from "./admin-api";
import { disableAccount } from "./disable-account";
import { revokeToken } from "./revoke-token";
import { ZOAuth2Credentials, ZOAuth2DomainSettings } from "./settings";
import { TokenEndpoints } from "./token-endpoints";
import type { OAuth2ActionHandler, OAuth2Deps } from "./token-operations";

const HANDLERS: Partial<Record<ActionKind, OAuth2ActionHandler>> = {
  revoke_token: revokeToken,
  disable_account: disableAccount,
};

const SUPPORTED_KINDS: readonly ActionKind[] = ["revoke_token", "disable_account"];

/** Least privileges of the connector's credentials; needs no secret, so the settings page can show it. */
export function describeOAuth2Credentials(clientId: string, hasAdmin: boolean): CredentialRequirement[] {
  const requirements: CredentialRequirement[] = [
    {
      privilege: `OAuth client ${clientId} with a client secret (client_secret_basic), allowed to introspect (RFC 7662) and revoke (RFC 7009) tokens issued to other clients`,
      reason: "apply revokes the target's tokens and verify confirms by introspection that they are inactive. The client needs no grant of its own.",
    },
  ];
  if (hasAdmin) {
    requirements.push({
      privilege: "Admin API bearer token: list tokens, reveal token values, read, disable and enable clients",
      reason: "OAuth 2.0 defines no way to list a client's tokens or disable a client; plan lists the tokens, apply disables the client, revert re-enables it.",
    });
  }
  return requirements;
}

function handlerFor(action: ConnectorAction): OAuth2ActionHandler {
  const handler = HANDLERS[action.kind];
  if (handler === undefined) {
    throw new ConnectorError(`the oauth2 connector does not support ${action.kind}; it supports ${SUPPORTED_KINDS.join(", ")}`, false);
  }
  return handler;
}

export interface OAuth2ConnectorOptions {
  logger?: Logger;
}

/**
 * Creates the connector for one OAuth 2.0 authorization server. `target.identity` is a client
 * id or the subject of a person's tokens, and `target.resource` optionally names one token by
 * the id the admin API lists (a SHA-256 prefix for opaque tokens, the `jti` for JWTs).
 */
export function createOAuth2Connector(
  settings: z.input<typeof ZOAuth2DomainSettings>,
  credentials: z.input<typeof ZOAuth2Credentials>,
  options: OAuth2ConnectorOptions = {},
): Connector {
  const parsedSettings = ZOAuth2DomainSettings.parse(settings);
  // The zod issues are replaced so that no part of a secret can reach an error message.
  const parsedCredentials = ZOAuth2Credentials.safeParse(credentials);
  if (!parsedCredentials.success) {
    const fields = [...new Set(parsedCredentials.error.issues.map((issue) => issue.path.join(".") || "credentials"))];
    throw new Error(`invalid oauth2 credentials: check ${fields.join(", ")} (clientSecret 1 to 1024 characters, adminToken 16 to 1024)`);
  }
  const { clientSecret, adminToken } = parsedCredentials.data;
  if ((parsedSettings.adminUrl === undefined) !== (adminToken === undefined)) {
    throw new Error("invalid oauth2 configuration: adminUrl in the settings and adminToken in the credentials must be set together");
  }

  const deps: OAuth2Deps = {
    tokens: new TokenEndpoints(parsedSettings, clientSecret),
    admin:
      parsedSettings.adminUrl === undefined || adminToken === undefined
        ? undefined
        : new AdminApi(parsedSettings.adminUrl, adminToken, parsedSettings.requestTimeoutMs),
    logger: (options.logger ?? rootLogger).child({ component: "oauth2-connector", issuer: parsedSettings.issuer }),
  };

  return {
    kind: "oauth2",
    supportedKinds: SUPPORTED_KINDS,
    plan: async (action, context) => handlerFor(action).plan(deps, action, context.signal),
    // NOTE: apply does not compare grant.planHash with the current state, because a retry after a
    // partial revocation always finds a smaller token set. The caller compares a fresh plan's hash first.
    apply: async (action, grant, context) => handlerFor(action).apply(deps, action, grant, context.signal),
    verify: async (action, context) => handlerFor(action).verify(deps, action, context.signal),
    revert: async (action, plan, context) => handlerFor(action).revert(deps, action, plan, context.signal),
    describeCredentials: () => describeOAuth2Credentials(parsedSettings.clientId, deps.admin !== undefined),
  };
}
