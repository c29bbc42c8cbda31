/**
 * Types for the part of oidc-provider 9.13 that the demo authorization server uses. The
 * package ships no declarations, and no `@types` package for version 9 is installed.
 */
declare module "oidc-provider" {
  import type { IncomingMessage, ServerResponse } from "node:http";
  import type { EventEmitter } from "node:events";

  export type AdapterPayload = Record<string, unknown>;

  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export interface ClientMetadata {
    client_id: string;
    client_secret?: string;
    client_name?: string;
    grant_types?: string[];
    response_types?: string[];
    redirect_uris?: string[];
    post_logout_redirect_uris?: string[];
    token_endpoint_auth_method?: string;
    scope?: string;
  }

  export interface Client {
    clientId: string;
    clientName?: string;
    scope?: string;
    clientAuthMethod: string;
    grantTypeAllowed(grantType: string): boolean;
  }

  export interface ResourceServerInfo {
    scope: string;
    audience?: string;
    accessTokenTTL?: number;
    accessTokenFormat?: "opaque" | "jwt";
    jwt?: { sign?: { alg?: string } };
  }

  export interface ResourceServer extends ResourceServerInfo {
    identifier(): string;
  }

  export interface BaseToken {
    jti: string;
    kind: string;
    clientId: string;
    accountId?: string;
    grantId?: string;
    scope?: string;
    exp?: number;
    iat?: number;
    expiration: number;
    resourceServer?: ResourceServer;
  }

  export interface ClientCredentialsToken extends BaseToken {
    save(): Promise<string>;
  }

  export interface Grant {
    accountId?: string;
    clientId?: string;
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    addResourceScope(resource: string, scope: string): void;
    save(): Promise<string>;
  }

  export interface Session {
    accountId?: string;
    grantIdFor(clientId: string): string | undefined;
  }

  export interface Account {
    accountId: string;
    claims(use: string, scope: string): Promise<Record<string, unknown>> | Record<string, unknown>;
  }

  /** The `ctx.oidc` object oidc-provider attaches to each Koa context. */
  export interface OIDCContext {
    route?: string;
    client?: Client;
    session?: Session;
    params?: Record<string, unknown>;
    result?: { consent?: { grantId?: string } };
    provider: Provider;
    resourceServers: Record<string, ResourceServer>;
    requestParamOIDCScopes: Set<string>;
    requestParamScopes: Set<string>;
    requestParamClaims: Set<string>;
  }

  export interface KoaContext {
    oidc: OIDCContext;
    body: unknown;
    type: string;
    status: number;
  }

  export interface StructuredJwt {
    header?: Record<string, unknown>;
    payload: Record<string, unknown>;
  }

  export interface InteractionDetails {
    uid: string;
    prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
    params: Record<string, unknown>;
    session?: { accountId?: string };
    grantId?: string;
  }

  export interface InteractionResults {
    login?: { accountId: string };
    consent?: { grantId: string };
  }

  /** The configuration keys the demo server sets; see oidc-provider's docs/README.md. */
  export interface Configuration {
    adapter: (modelName: string) => Adapter;
    clients?: ClientMetadata[];
    jwks: { keys: Record<string, unknown>[] };
    cookies: { keys: string[] };
    claims: Record<string, string[]>;
    scopes: string[];
    conformIdTokenClaims: boolean;
    clientBasedCORS: (ctx: KoaContext, origin: string, client: Client) => boolean;
    findAccount: (ctx: KoaContext, sub: string) => Promise<Account | undefined>;
    loadExistingGrant: (ctx: KoaContext) => Promise<Grant | undefined>;
    issueRefreshToken: (ctx: KoaContext, client: Client, code: BaseToken) => Promise<boolean>;
    interactions: { url: (ctx: KoaContext, interaction: { uid: string }) => string };
    pkce: { required: (ctx: KoaContext, client: Client) => boolean };
    renderError: (ctx: KoaContext, output: Record<string, unknown>, error: Error) => Promise<void>;
    formats: {
      customizers: { jwt: (ctx: KoaContext | undefined, token: BaseToken, jwt: StructuredJwt) => Promise<void> };
    };
    ttl: Record<string, number | ((ctx: KoaContext | undefined, token: BaseToken, client: Client) => number)>;
    features: {
      devInteractions: { enabled: boolean };
      clientCredentials: { enabled: boolean };
      introspection: {
        enabled: boolean;
        allowedPolicy: (ctx: KoaContext, client: Client, token: BaseToken) => Promise<boolean>;
      };
      revocation: {
        enabled: boolean;
        allowedPolicy: (ctx: KoaContext, client: Client, token: BaseToken) => Promise<boolean>;
      };
      resourceIndicators: {
        enabled: boolean;
        defaultResource: (ctx: KoaContext, client: Client, oneOf?: string[]) => Promise<string | string[] | undefined>;
        getResourceServerInfo: (ctx: KoaContext, resourceIndicator: string, client: Client) => Promise<ResourceServerInfo>;
        useGrantedResource: (ctx: KoaContext, model: unknown) => Promise<boolean>;
      };
      rpInitiatedLogout: {
        enabled: boolean;
        logoutSource?: (ctx: KoaContext, form: string) => Promise<void>;
        postLogoutSuccessSource?: (ctx: KoaContext) => Promise<void>;
      };
    };
  }

  export class Provider extends EventEmitter {
    constructor(issuer: string, configuration: Configuration);
    readonly issuer: string;
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResults,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
    readonly Client: { find(clientId: string): Promise<Client | undefined> };
    readonly ClientCredentials: new (input: { client: Client; scope?: string }) => ClientCredentialsToken;
    readonly ResourceServer: new (identifier: string, info: ResourceServerInfo) => ResourceServer;
    readonly Grant: {
      new (input: { clientId: string; accountId: string }): Grant;
      find(grantId: string): Promise<Grant | undefined>;
    };
  }

  export namespace errors {
    class OIDCProviderError extends Error {
      constructor(description?: string);
      status: number;
      error: string;
      error_description?: string;
    }
    class InvalidTarget extends OIDCProviderError {}
    class InvalidRequest extends OIDCProviderError {}
  }

  export default Provider;
}
