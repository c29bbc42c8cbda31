import { z } from "zod";
import { ConnectorError, type DomainReference } from "@/lib/connectors/types";
import { sendHttp } from "./http";

/** Maximum token ids per reveal request, as the admin API accepts. */
const REVEAL_BATCH_SIZE = 500;

export const ZTokenRecord = z.object({
  /** SHA-256 prefix of an opaque token, or the `jti` of a JWT access token; never the token itself. */
  tokenId: z.string().min(1).max(128),
  tokenType: z.enum(["access_token", "refresh_token"]),
  format: z.enum(["opaque", "jwt"]),
  state: z.enum(["active", "revoked"]),
  clientId: z.string(),
  subject: z.string().nullable(),
  scopes: z.array(z.string()),
  audience: z.string().nullable(),
  grantId: z.string().nullable(),
  expiresAt: z.string(),
});
export type TokenRecord = z.output<typeof ZTokenRecord>;

const ZClientState = z.object({
  clientId: z.string(),
  clientName: z.string().nullable(),
  enabled: z.boolean(),
  grantTypes: z.array(z.string()),
  scope: z.string().nullable(),
});
export type ClientState = z.output<typeof ZClientState>;

const ZTokenList = z.object({ tokens: z.array(ZTokenRecord) });
const ZRevealed = z.object({ tokens: z.array(z.object({ tokenId: z.string(), value: z.string() })) });
const ZEnabledChange = z.object({ client: ZClientState, changed: z.boolean() });

export interface WithReferences<T> {
  value: T;
  references: DomainReference[];
}

/**
 * Client of the token administration API that Cordon's demo authorization server serves under
 * `/admin`. OAuth 2.0 defines no way to list a client's tokens or disable a client, so these
 * operations need this API. The bearer token is a private field.
 */
export class AdminApi {
  readonly #baseUrl: string;
  readonly #authorization: string;
  readonly #timeoutMs: number;

  constructor(baseUrl: string, adminToken: string, timeoutMs: number) {
    this.#baseUrl = baseUrl.replace(/\/+$/, "");
    this.#authorization = `Bearer ${adminToken}`;
    this.#timeoutMs = timeoutMs;
  }

  /** Returns the client's state, or null when the server does not know the client. */
  async getClient(clientId: string, signal: AbortSignal): Promise<WithReferences<ClientState | null>> {
    const response = await this.call("GET", `/clients/${encodeURIComponent(clientId)}`, undefined, signal, [404]);
    if (response.status === 404) return { value: null, references: response.references };
    return { value: this.parse(ZClientState, response.json, response.references), references: response.references };
  }

  async setClientEnabled(clientId: string, enabled: boolean, signal: AbortSignal): Promise<WithReferences<{ changed: boolean }>> {
    const path = `/clients/${encodeURIComponent(clientId)}/${enabled ? "enable" : "disable"}`;
    const response = await this.call("POST", path, undefined, signal);
    const { changed } = this.parse(ZEnabledChange, response.json, response.references);
    return { value: { changed }, references: response.references };
  }

  /** Lists the tokens issued to a client (`clientId`) or held for a person (`subject`), sorted by token id. */
  async listTokens(
    filter: { clientId: string } | { subject: string },
    includeRevoked: boolean,
    signal: AbortSignal,
  ): Promise<WithReferences<TokenRecord[]>> {
    const query = new URLSearchParams("clientId" in filter ? { client_id: filter.clientId } : { subject: filter.subject });
    if (includeRevoked) query.set("include_revoked", "true");
    const response = await this.call("GET", `/tokens?${query}`, undefined, signal);
    return { value: this.parse(ZTokenList, response.json, response.references).tokens, references: response.references };
  }

  /**
   * Fetches token values for RFC 7009 revocation and RFC 7662 introspection, which both need
   * the token itself. Tokens the server no longer stores are missing from the map. Callers keep
   * the values in memory for the one call and never record them.
   */
  async revealTokens(tokenIds: readonly string[], signal: AbortSignal): Promise<WithReferences<Map<string, string>>> {
    const values = new Map<string, string>();
    const references: DomainReference[] = [];

    for (let start = 0; start < tokenIds.length; start += REVEAL_BATCH_SIZE) {
      const batch = tokenIds.slice(start, start + REVEAL_BATCH_SIZE);
      const response = await this.call("POST", "/tokens/reveal", { tokenIds: batch }, signal);
      references.push(...response.references);
      for (const token of this.parse(ZRevealed, response.json, response.references).tokens) values.set(token.tokenId, token.value);
    }
    return { value: values, references };
  }

  private async call(method: "GET" | "POST", path: string, body: unknown, signal: AbortSignal, acceptStatuses: number[] = []) {
    return sendHttp(
      {
        endpoint: "admin API",
        url: `${this.#baseUrl}${path}`,
        method,
        headers: {
          authorization: this.#authorization,
          accept: "application/json",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        acceptStatuses,
        signal,
      },
      this.#timeoutMs,
    );
  }

  private parse<T>(schema: z.ZodType<T>, json: unknown, references: DomainReference[]): T {
    const result = schema.safeParse(json);
    if (!result.success) throw new ConnectorError("admin API returned a response in an unexpected format", false, references);
    return result.data;
  }
}
