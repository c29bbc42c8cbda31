import { z } from "zod";

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

export function isHttpsOrLoopback(value: string): boolean {
  const url = new URL(value);
  return url.protocol === "https:" || LOOPBACK_HOSTS.has(url.hostname);
}

function hasNoUserInfoOrFragment(value: string): boolean {
  const url = new URL(value);
  return url.username === "" && url.password === "" && url.hash === "";
}

/** An endpoint URL. Plain http is allowed for loopback only, so no credential crosses a network in clear text. */
const ZEndpointUrl = z
  .url({ protocol: /^https?$/, abort: true })
  .refine(isHttpsOrLoopback, "must use https unless it points at a loopback address")
  .refine(hasNoUserInfoOrFragment, "must not contain user information or a fragment");

/** Settings of one OAuth 2.0 authorization server; secrets live in `ZOAuth2Credentials`. */
export const ZOAuth2DomainSettings = z
  .object({
    /** Issuer identifier; the connector reads the endpoints from its discovery document (RFC 8414). */
    issuer: ZEndpointUrl.refine((value) => new URL(value).search === "", "issuer must not contain a query").optional(),
    /** Explicit endpoints, for servers without discovery; they take precedence over discovered ones. */
    endpoints: z
      .object({
        /** RFC 7662 token introspection endpoint. */
        introspection: ZEndpointUrl,
        /** RFC 7009 token revocation endpoint. */
        revocation: ZEndpointUrl,
      })
      .strict()
      .optional(),
    /** Client id of Cordon's own client, which authenticates with client_secret_basic. */
    clientId: z.string().min(1).max(256),
    /**
     * Base URL of the token administration API (as served by Cordon's demo authorization server
     * under `/admin`). Listing tokens and disabling clients need it because OAuth 2.0 itself
     * defines neither.
     */
    adminUrl: ZEndpointUrl.refine((value) => new URL(value).search === "", "adminUrl must not contain a query").optional(),
    /** Upper bound for one HTTP call in milliseconds; the executor's abort signal may end it sooner. */
    requestTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  })
  .strict()
  .refine((settings) => settings.issuer !== undefined || settings.endpoints !== undefined, {
    message: "set issuer or endpoints",
    path: ["issuer"],
  });
export type TOAuth2DomainSettings = z.output<typeof ZOAuth2DomainSettings>;

export const ZOAuth2Credentials = z
  .object({
    /** Secret of the client named by `clientId` in the settings. */
    clientSecret: z.string().min(1).max(1024),
    /** Bearer token of the admin API; required when the settings name an `adminUrl`. */
    adminToken: z.string().min(16).max(1024).optional(),
  })
  .strict();
export type TOAuth2Credentials = z.output<typeof ZOAuth2Credentials>;
