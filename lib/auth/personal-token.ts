import {
  createSecretTokenFormat,
  hashTokenSecret,
  verifyTokenSecret,
  type GeneratedSecretToken,
  type ParsedSecretToken,
} from "@/lib/auth/api-key";

// Personal access tokens act for a person (chat-ops) and API keys for a workload. Distinct prefixes
// keep one from being accepted where the other is expected.
const personalTokenFormat = createSecretTokenFormat("cdp");

/** Issues a personal access token `cdp_<id>_<secret>` for a person using chat-ops. */
export function generatePersonalToken(): GeneratedSecretToken {
  return personalTokenFormat.generate();
}

/** Splits a personal access token into id and secret, or returns null when it is not exactly in the `cdp_` format. */
export function parsePersonalToken(token: string): ParsedSecretToken | null {
  return personalTokenFormat.parse(token);
}

export function hashPersonalTokenSecret(secret: string): string {
  return hashTokenSecret(secret);
}

export function verifyPersonalTokenSecret(secret: string, storedHash: string): boolean {
  return verifyTokenSecret(secret, storedHash);
}
