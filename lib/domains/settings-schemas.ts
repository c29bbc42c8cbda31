import { UNSTORABLE_TEXT } from "@/lib/util/text";
import type { z } from "zod";
import { describePostgresCredentials, ZPostgresDomainSettings } from "@/lib/connectors/postgresql";
import { describeOAuth2Credentials, ZOAuth2DomainSettings } from "@/lib/connectors/oauth2";
import { describeScimCredentials, ZScimDomainSettings } from "@/lib/connectors/scim";
import type { CredentialRequirement, DomainKind } from "@/lib/connectors/types";
import { ValidationFailed } from "@/lib/errors";

/** Each connector's settings schema, by domain kind. */
export const DOMAIN_SETTINGS_SCHEMAS: Record<DomainKind, z.ZodType<Record<string, unknown>>> = {
  postgresql: ZPostgresDomainSettings,
  oauth2: ZOAuth2DomainSettings,
  scim: ZScimDomainSettings,
};

/** Returns the least privileges the connector's credential needs, without reading the credential. */
export function describeDomainCredentials(kind: DomainKind, settings: unknown): CredentialRequirement[] {
  switch (kind) {
    case "postgresql":
      return describePostgresCredentials();
    case "oauth2": {
      const parsed = ZOAuth2DomainSettings.safeParse(settings);
      return describeOAuth2Credentials(parsed.success ? parsed.data.clientId : "named by clientId in the settings", !parsed.success || parsed.data.adminUrl !== undefined);
    }
    case "scim":
      return describeScimCredentials();
  }
}

// Normalised key fragments that name a secret: `password`, `clientSecret`, `admin_token`,
// `apiKey`, `private-key`. Secrets belong behind the credential reference, where they are
// never stored, returned or logged.
const SECRET_KEY_FRAGMENTS = ["password", "passwd", "passphrase", "secret", "token", "apikey", "privatekey", "credential"];

// PostgreSQL jsonb rejects U+0000 and unpaired surrogates.

/** Deepest nesting of objects and arrays accepted in settings; connector settings use two levels. */
export const MAX_SETTINGS_DEPTH = 32;

/**
 * Checks settings before the connector's schema parses them. Throws ValidationFailed, with one
 * entry per problem, for a key that names a secret, text PostgreSQL cannot store, or nesting
 * deeper than MAX_SETTINGS_DEPTH.
 */
export function assertSettingsStorable(settings: Record<string, unknown>): void {
  const errors: { pointer: string; message: string }[] = [];
  collectProblems(settings, "/settings", 0, errors);
  if (errors.length === 0) return;
  throw new ValidationFailed(`invalid domain: ${errors.map((error) => `${error.pointer} ${error.message}`).join("; ")}`, errors);
}

function collectProblems(value: unknown, pointer: string, depth: number, errors: { pointer: string; message: string }[]): void {
  if (typeof value === "string") {
    if (UNSTORABLE_TEXT.test(value)) errors.push({ pointer, message: "contains U+0000 or an unpaired surrogate, which PostgreSQL cannot store" });
    return;
  }
  if (value === null || typeof value !== "object") return;
  if (depth >= MAX_SETTINGS_DEPTH) {
    errors.push({ pointer, message: `is nested deeper than ${MAX_SETTINGS_DEPTH} levels` });
    return;
  }

  if (Array.isArray(value)) {
    value.forEach((item, index) => collectProblems(item, `${pointer}/${index}`, depth + 1, errors));
    return;
  }
  for (const [key, member] of Object.entries(value)) {
    const memberPointer = `${pointer}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`;
    const normalised = key.toLowerCase().replace(/[^a-z0-9]/g, "");
    if (SECRET_KEY_FRAGMENTS.some((fragment) => normalised.includes(fragment))) {
      errors.push({ pointer: memberPointer, message: "names a secret; keep secrets out of the settings and pass them through the credential reference" });
    } else if (UNSTORABLE_TEXT.test(key)) {
      errors.push({ pointer: memberPointer, message: "has a name with U+0000 or an unpaired surrogate, which PostgreSQL cannot store" });
    }
    collectProblems(member, memberPointer, depth + 1, errors);
  }
}
