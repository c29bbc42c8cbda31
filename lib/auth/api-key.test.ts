import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";
import { z } from "zod";

import { generateApiKey, hashApiKeySecret, parseApiKey, verifyApiKeySecret } from "@/lib/auth/api-key";
import { generatePersonalToken } from "@/lib/auth/personal-token";

const naughtyStrings = z
  .array(z.string())
  .parse(JSON.parse(readFileSync(fileURLToPath(new URL("../../tests/fixtures/naughty-strings/blns.json", import.meta.url)), "utf8")));

// A fixed, well-formed key for the table below: id of 12 base32 characters, 43-character secret.
const ID = "abcdefgh2345";
const SECRET = Buffer.alloc(32, 7).toString("base64url");

describe("api-key", () => {
  it("generateApiKey returns a token in the cdn_<id>_<secret> format", () => {
    const key = generateApiKey();

    expect(key.token).toMatch(/^cdn_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/);
    expect(key.token).toBe(`cdn_${key.id}_${key.secret}`);
    expect(Buffer.from(key.secret, "base64url")).toHaveLength(32);
    expect(key.secretHash).toBe(hashApiKeySecret(key.secret));
  });

  it("generateApiKey draws distinct ids and secrets", () => {
    const keys = Array.from({ length: 1000 }, () => generateApiKey());

    expect(new Set(keys.map((key) => key.id)).size).toBe(1000);
    expect(new Set(keys.map((key) => key.secret)).size).toBe(1000);
  });

  it("generateApiKey uses every id symbol", () => {
    const symbols = new Set(Array.from({ length: 200 }, () => generateApiKey().id).join(""));

    expect([...symbols].sort().join("")).toBe("234567abcdefghijklmnopqrstuvwxyz");
  });

  it("parseApiKey round-trips a generated key", () => {
    const key = generateApiKey();

    expect(parseApiKey(key.token)).toEqual({ id: key.id, secret: key.secret });
  });

  it.each([
    ["a personal access token", () => generatePersonalToken().token],
    ["an upper-case prefix", () => `CDN_${ID}_${SECRET}`],
    ["a missing prefix", () => `${ID}_${SECRET}`],
    ["an 11-character id", () => `cdn_${ID.slice(1)}_${SECRET}`],
    ["a 13-character id", () => `cdn_${ID}a_${SECRET}`],
    ["an upper-case id", () => `cdn_${ID.toUpperCase()}_${SECRET}`],
    ["an id with a digit outside base32", () => `cdn_abcdefgh2341_${SECRET}`],
    ["a 42-character secret", () => `cdn_${ID}_${SECRET.slice(1)}`],
    ["a 44-character secret", () => `cdn_${ID}_${SECRET}A`],
    ["a padded secret", () => `cdn_${ID}_${SECRET}=`],
    ["a base64 secret with + and /", () => `cdn_${ID}_${SECRET.slice(0, 41)}+/`],
    ["a non-canonical last character", () => `cdn_${ID}_${SECRET.slice(0, 42)}${SECRET.endsWith("B") ? "C" : "B"}`],
    ["surrounding whitespace", () => ` cdn_${ID}_${SECRET}\n`],
    ["a trailing newline", () => `cdn_${ID}_${SECRET}\n`],
    ["an empty string", () => ""],
  ])("parseApiKey rejects %s", (_name, token) => {
    expect(parseApiKey(token())).toBeNull();
  });

  it("parseApiKey accepts the fixed example", () => {
    expect(parseApiKey(`cdn_${ID}_${SECRET}`)).toEqual({ id: ID, secret: SECRET });
  });

  it("parseApiKey returns null for a value that is not a string", () => {
    expect(parseApiKey(42 as unknown as string)).toBeNull();
    expect(parseApiKey(undefined as unknown as string)).toBeNull();
  });

  it("hashApiKeySecret is SHA-256 hex of the secret", () => {
    expect(hashApiKeySecret(SECRET)).toBe(createHash("sha256").update(SECRET).digest("hex"));
    expect(hashApiKeySecret(SECRET)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("verifyApiKeySecret accepts the matching secret", () => {
    const key = generateApiKey();

    expect(verifyApiKeySecret(key.secret, key.secretHash)).toBe(true);
  });

  it("verifyApiKeySecret rejects another key's secret", () => {
    expect(verifyApiKeySecret(generateApiKey().secret, generateApiKey().secretHash)).toBe(false);
  });

  it("verifyApiKeySecret rejects a secret differing in one character", () => {
    const key = generateApiKey();
    const altered = `${key.secret.slice(0, -1)}${key.secret.endsWith("A") ? "E" : "A"}`;

    expect(verifyApiKeySecret(altered, key.secretHash)).toBe(false);
  });

  it.each([
    ["an empty hash", ""],
    ["a truncated hash", hashApiKeySecret(SECRET).slice(0, 63)],
    ["an upper-case hash", hashApiKeySecret(SECRET).toUpperCase()],
    ["a hash with a non-hex character", `${hashApiKeySecret(SECRET).slice(0, 63)}g`],
    ["the secret itself", SECRET],
  ])("verifyApiKeySecret rejects %s as stored hash", (_name, storedHash) => {
    expect(verifyApiKeySecret(SECRET, storedHash)).toBe(false);
  });

  it("parseApiKey and verifyApiKeySecret handle every naughty string", () => {
    const storedHash = hashApiKeySecret(SECRET);
    expect(naughtyStrings).toHaveLength(515);

    for (const [index, text] of naughtyStrings.entries()) {
      expect(parseApiKey(text), `string ${index}`).toBeNull();
      expect(verifyApiKeySecret(text, storedHash), `string ${index}`).toBe(false);
      expect(verifyApiKeySecret(SECRET, text), `string ${index}`).toBe(false);
      expect(hashApiKeySecret(text), `string ${index}`).toMatch(/^[0-9a-f]{64}$/);
    }
  });
});
