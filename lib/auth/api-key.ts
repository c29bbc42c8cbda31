import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

// RFC 4648 base32 alphabet in lower case. 32 symbols divide 256 evenly, so masking a random byte
// with 31 picks each symbol with equal probability.
const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
const ID_LENGTH = 12;
const SECRET_BYTES = 32;
const SECRET_HASH = /^[0-9a-f]{64}$/;

/** A freshly issued credential. Show `token` to its owner once and store only `id` and `secretHash`. */
export interface GeneratedSecretToken {
  id: string;
  secret: string;
  token: string;
  secretHash: string;
}

export interface ParsedSecretToken {
  id: string;
  secret: string;
}

/** Generation and strict parsing of `<prefix>_<id>_<secret>` credentials. */
export interface SecretTokenFormat {
  generate(): GeneratedSecretToken;
  parse(token: unknown): ParsedSecretToken | null;
}

/**
 * Builds the format for one credential kind. The prefix lets secret scanners and log redaction
 * recognise a leaked credential and shows which kind it is. The id is public and used to look the
 * credential up, and the secret is 32 random bytes in base64url (43 characters).
 */
export function createSecretTokenFormat(prefix: string): SecretTokenFormat {
  if (!/^[a-z]+$/.test(prefix)) throw new TypeError(`token prefix ${JSON.stringify(prefix)} must be lower-case letters`);
  const pattern = new RegExp(`^${prefix}_([a-z2-7]{${ID_LENGTH}})_([A-Za-z0-9_-]{43})$`);

  return {
    generate() {
      const id = Array.from(randomBytes(ID_LENGTH), (byte) => ID_ALPHABET[byte & 31]).join("");
      const secret = randomBytes(SECRET_BYTES).toString("base64url");
      return { id, secret, token: `${prefix}_${id}_${secret}`, secretHash: hashTokenSecret(secret) };
    },

    parse(token) {
      if (typeof token !== "string") return null;
      const match = pattern.exec(token);
      const id = match?.[1];
      const secret = match?.[2];
      if (id === undefined || secret === undefined) return null;
      // 43 base64url characters carry 258 bits, so the last one has unused low bits. Only the
      // canonical spelling is accepted, so that one secret has exactly one valid token string.
      if (Buffer.from(secret, "base64url").toString("base64url") !== secret) return null;
      return { id, secret };
    },
  };
}

/**
 * Hashes a generated secret for storage with plain SHA-256. Slow password hashes (ASVS 4.0.3
 * V2.4.1) exist to make guessing low-entropy passwords expensive. These secrets are 256 random
 * bits, so an offline search is infeasible at any hash speed, and a fast hash keeps verification
 * on every request cheap.
 */
export function hashTokenSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Compares `secret` with a hash from hashTokenSecret in constant time. A malformed stored hash never matches. */
export function verifyTokenSecret(secret: string, storedHash: string): boolean {
  if (typeof secret !== "string" || typeof storedHash !== "string" || !SECRET_HASH.test(storedHash)) return false;
  const expected = Buffer.from(storedHash, "hex");
  const actual = createHash("sha256").update(secret, "utf8").digest();
  return timingSafeEqual(actual, expected);
}

const apiKeyFormat = createSecretTokenFormat("cdn");

/** Issues an API key `cdn_<id>_<secret>` for an automation client (SOAR, detection pipeline, AI agent). */
export function generateApiKey(): GeneratedSecretToken {
  return apiKeyFormat.generate();
}

/** Splits an API key into id and secret, or returns null when it is not exactly in the `cdn_` format. */
export function parseApiKey(token: string): ParsedSecretToken | null {
  return apiKeyFormat.parse(token);
}

export function hashApiKeySecret(secret: string): string {
  return hashTokenSecret(secret);
}

export function verifyApiKeySecret(secret: string, storedHash: string): boolean {
  return verifyTokenSecret(secret, storedHash);
}
