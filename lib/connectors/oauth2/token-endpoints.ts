import { z } from "zod";
import { ConnectorError, type DomainReference } from "@/lib/connectors/types";
import { sendHttp } from "./http";
import { isHttpsOrLoopback, type TOAuth2DomainSettings } from "./settings";

const ZDiscoveryDocument = z.object({
  issuer: z.string(),
  introspection_endpoint: z.url().optional(),
  revocation_endpoint: z.url().optional(),
});

const ZIntrospectionResponse = z.object({ active: z.boolean() });

interface Endpoints {
  introspection: string;
  revocation: string;
}

/** RFC 8414 §3.1 puts the well-known segment between the host and the issuer's path. */
function discoveryUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, "");
  return [
    `${url.origin}${path}/.well-known/openid-configuration`,
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
  ];
}

/** Encodes a client credential for HTTP Basic as RFC 6749 §2.3.1 requires (form-encode, then base64). */
function basicAuthorization(clientId: string, clientSecret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, "+");
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString("base64")}`;
}

/**
 * Calls the RFC 7009 revocation and RFC 7662 introspection endpoints as Cordon's client, with
 * client_secret_basic. The secret is a private field so that inspecting or serializing this
 * object does not show it.
 */
export class TokenEndpoints {
  readonly #settings: TOAuth2DomainSettings;
  readonly #authorization: string;
  #endpoints: Promise<Endpoints> | undefined;

  constructor(settings: TOAuth2DomainSettings, clientSecret: string) {
    this.#settings = settings;
    this.#authorization = basicAuthorization(settings.clientId, clientSecret);
  }

  /** Revokes one token (RFC 7009 §2.1). The server responds 200 for unknown tokens too, which makes this idempotent. */
  async revoke(token: string, tokenTypeHint: "access_token" | "refresh_token", signal: AbortSignal): Promise<DomainReference[]> {
    const endpoints = await this.resolveEndpoints(signal);
    const response = await sendHttp(
      {
        endpoint: "revocation endpoint",
        url: endpoints.revocation,
        method: "POST",
        headers: { authorization: this.#authorization, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token, token_type_hint: tokenTypeHint }).toString(),
        signal,
      },
      this.#settings.requestTimeoutMs,
    );
    return response.references;
  }

  /** Asks the server whether a token is active (RFC 7662 §2.2). */
  async introspect(
    token: string,
    tokenTypeHint: "access_token" | "refresh_token",
    signal: AbortSignal,
  ): Promise<{ active: boolean; references: DomainReference[] }> {
    const endpoints = await this.resolveEndpoints(signal);
    const response = await sendHttp(
      {
        endpoint: "introspection endpoint",
        url: endpoints.introspection,
        method: "POST",
        headers: {
          authorization: this.#authorization,
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
        },
        body: new URLSearchParams({ token, token_type_hint: tokenTypeHint }).toString(),
        signal,
      },
      this.#settings.requestTimeoutMs,
    );

    const parsed = ZIntrospectionResponse.safeParse(response.json);
    if (!parsed.success) {
      throw new ConnectorError("introspection endpoint returned a response without a boolean active member", false, response.references);
    }
    return { active: parsed.data.active, references: response.references };
  }

  private resolveEndpoints(signal: AbortSignal): Promise<Endpoints> {
    const { endpoints, issuer } = this.#settings;
    if (endpoints) return Promise.resolve(endpoints);
    if (issuer === undefined) return Promise.reject(new ConnectorError("oauth2 settings name neither issuer nor endpoints", false));

    // A failed discovery is not cached, so the next call tries again.
    this.#endpoints ??= this.discover(issuer, signal).catch((error: unknown) => {
      this.#endpoints = undefined;
      throw error;
    });
    return this.#endpoints;
  }

  private async discover(issuer: string, signal: AbortSignal): Promise<Endpoints> {
    for (const url of discoveryUrls(issuer)) {
      const response = await sendHttp(
        { endpoint: "discovery document", url, method: "GET", headers: { accept: "application/json" }, acceptStatuses: [404], signal },
        this.#settings.requestTimeoutMs,
      );
      if (response.status === 404) continue;

      const document = ZDiscoveryDocument.safeParse(response.json);
      if (!document.success) throw new ConnectorError(`discovery document at ${url} is not valid JSON metadata`, false);
      // RFC 8414 §3.3: metadata whose issuer differs from the configured one must not be used (mix-up attacks).
      if (document.data.issuer !== issuer) {
        throw new ConnectorError(`discovery document at ${url} names issuer ${document.data.issuer}, expected ${issuer}`, false);
      }
      const { introspection_endpoint: introspection, revocation_endpoint: revocation } = document.data;
      if (introspection === undefined || revocation === undefined) {
        throw new ConnectorError(`issuer ${issuer} advertises no introspection or revocation endpoint; set endpoints explicitly`, false);
      }
      for (const endpoint of [introspection, revocation]) {
        if (!isHttpsOrLoopback(endpoint)) {
          throw new ConnectorError(`discovery document at ${url} names ${endpoint}, which is neither https nor loopback`, false);
        }
      }
      return { introspection, revocation };
    }
    throw new ConnectorError(`no discovery document found for issuer ${issuer}; set endpoints explicitly`, false);
  }
}
