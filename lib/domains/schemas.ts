import { z } from "zod";
import { DOMAIN_KINDS } from "@/lib/connectors/types";
import { ZCredentialReference } from "./credentials";

/**
 * Name of an identity domain, as workload clients list it and proposals target it:
 * lower-case letters, digits, `.`, `_` and `-`, so one domain has exactly one spelling.
 */
export const ZDomainName = z
  .string()
  .max(64, "must be at most 64 characters")
  .regex(/^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$/, "must be lower-case letters, digits, '.', '_' or '-', starting and ending with a letter or digit");

/** A domain kind; typed as a string on input, so callers can pass what an operator typed. */
export const ZDomainKind = z.string().pipe(z.enum(DOMAIN_KINDS, { error: `must be one of ${DOMAIN_KINDS.join(", ")}` }));

/** Input of addDomain. `settings` is checked against the connector's own schema for the kind. */
export const ZAddDomainInput = z
  .object({
    name: ZDomainName,
    kind: ZDomainKind,
    // Typed as unknown on input: it is parsed JSON from an operator or a form.
    settings: z.unknown().pipe(z.record(z.string(), z.unknown(), { error: "must be a JSON object" })),
    credentialRef: ZCredentialReference,
  })
  .strict();
export type AddDomainInput = z.input<typeof ZAddDomainInput>;
