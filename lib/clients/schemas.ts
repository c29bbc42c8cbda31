import { z } from "zod";
import { ACTION_KINDS } from "@/lib/actions/catalogue";
import { ZDomainName } from "@/lib/domains/schemas";
import { ZEmail } from "@/lib/users/schemas";
import { ZTokenLifetime } from "@/lib/users/token-lifetime";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Name of a workload client: lower-case letters, digits, `.`, `_` and `-`. One case only, so
 * `SOAR` and `soar` cannot be two clients, never shaped like a UUID, so a command that takes a
 * name or an id is unambiguous, and never starting like an API key.
 */
export const ZClientName = z
  .string()
  .max(64, "must be at most 64 characters")
  .regex(/^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$/, "must be lower-case letters, digits, '.', '_' or '-', starting and ending with a letter or digit")
  .refine((name) => !UUID.test(name), "must not have the form of a UUID")
  .refine((name) => !/^cd[np]_/.test(name), "must not start with cdn_ or cdp_, the prefixes of API keys and personal access tokens");

const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/**
 * An https URL, or plain http to a loopback address for local testing. Signing keys fetched
 * over plain http on a network could be replaced in transit, which would let anyone mint
 * accepted workload JWTs.
 */
export const ZHttpsOrLoopbackUrl = z
  .string()
  .max(2048, "must be at most 2048 characters")
  // The URL is stored and compared as typed, not as the URL parser normalises it, so text the
  // parser would percent-encode or drop (spaces, control characters) is rejected.
  .refine((value) => !/[\s\p{C}\p{Zl}\p{Zp}]/u.test(value), { message: "must not contain spaces, control or format characters", abort: true })
  // abort stops the checks below, which parse the URL, from running on text that is not one.
  .refine((value) => URL.canParse(value), { message: "must be an absolute URL such as https://issuer.example.com", abort: true })
  .refine((value) => {
    const url = new URL(value);
    return url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK_HOST.test(url.hostname));
  }, "must use https, or http only on a loopback address")
  .refine((value) => {
    const url = new URL(value);
    return url.username === "" && url.password === "" && url.hash === "";
  }, "must not contain user information or a fragment");

/** The `sub` claim workload JWTs of this client carry. */
const ZJwtSubject = z
  .string()
  .min(1, "must not be empty")
  .max(255, "must be at most 255 characters")
  .refine((subject) => !/[\p{C}\p{Zl}\p{Zp}]/u.test(subject), "must not contain control, format or line separator characters");

const MAX_RATE_LIMIT_PER_MINUTE = 10_000;

/**
 * Input of createClient. Without `jwt` the client authenticates with an API key. Kinds default
 * to the whole catalogue, and domains default to none, so every proposal is denied until an
 * administrator scopes the client to a domain.
 */
export const ZCreateClientInput = z
  .object({
    name: ZClientName,
    ownerEmail: ZEmail,
    allowedKinds: z
      // Typed as strings on input, so callers can pass what an operator typed and get the message below.
      .array(z.string().pipe(z.enum(ACTION_KINDS, { error: `must be one of ${ACTION_KINDS.join(", ")}` })))
      .min(1, `must list at least one kind: ${ACTION_KINDS.join(", ")}`)
      .default([...ACTION_KINDS])
      .transform((kinds) => [...new Set(kinds)]),
    allowedDomains: z
      .array(ZDomainName)
      .max(1000, "must list at most 1000 domains")
      .default([])
      .transform((domains) => [...new Set(domains)]),
    rateLimitPerMinute: z
      .number({ error: "must be a whole number of requests per minute" })
      .int("must be a whole number of requests per minute")
      .min(1, "must be at least 1 request per minute")
      .max(MAX_RATE_LIMIT_PER_MINUTE, `must be at most ${MAX_RATE_LIMIT_PER_MINUTE} requests per minute`)
      .default(60),
    jwt: z
      .object({
        /** The exact `iss` value; compared as a string, so it is stored as given. */
        issuer: ZHttpsOrLoopbackUrl.refine((value) => new URL(value).search === "", "must not contain a query"),
        subject: ZJwtSubject,
        /** Without it the verifier reads `jwks_uri` from the issuer's discovery document. */
        jwksUrl: ZHttpsOrLoopbackUrl.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type CreateClientInput = z.input<typeof ZCreateClientInput>;

/**
 * A client's name or id, as commands accept it. Text PostgreSQL cannot store (U+0000, an
 * unpaired surrogate) cannot be any client's name and would make the lookup query fail.
 */
export const ZClientReference = z
  .string()
  .min(1, "must name a client or give its id")
  .max(200, "must be at most 200 characters")
  .refine((reference) => !/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(reference), "is not the name or id of any client");

/** Input of rotateClientKey. Without a lifetime the new key does not expire. */
export const ZRotateClientKeyInput = z
  .object({
    client: ZClientReference,
    lifetime: ZTokenLifetime.optional(),
  })
  .strict();
export type RotateClientKeyInput = z.input<typeof ZRotateClientKeyInput>;
