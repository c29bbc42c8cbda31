import { z } from "zod";

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Settings of one SCIM 2.0 domain; the bearer token is a credential and lives in `ZScimCredentials`. */
export const ZScimDomainSettings = z
  .object({
    /** Base URL of the SCIM endpoints, the part before `/Users` (RFC 7644 §3.1). */
    baseUrl: z
      .url({ protocol: /^https?$/, abort: true })
      .refine((value) => {
        const url = new URL(value);
        return url.protocol === "https:" || LOOPBACK_HOSTS.has(url.hostname);
      }, "baseUrl must use https unless it points at a loopback address, so the bearer token never crosses a network in clear text")
      .refine((value) => {
        const url = new URL(value);
        return url.username === "" && url.password === "" && url.search === "" && url.hash === "";
      }, "baseUrl must not contain user information, a query or a fragment"),
    /** Upper bound for one HTTP call in milliseconds; the executor's abort signal may end it sooner. */
    requestTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  })
  .strict();
export type TScimDomainSettings = z.output<typeof ZScimDomainSettings>;

export const ZScimCredentials = z
  .object({
    /** OAuth 2.0 bearer token (RFC 6750) the service provider issued to Cordon. */
    bearerToken: z.string().min(1).max(8192),
  })
  .strict();
export type TScimCredentials = z.output<typeof ZScimCredentials>;
