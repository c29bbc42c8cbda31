import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";
import { z } from "zod";

import { generateApiKey, hashApiKeySecret } from "@/lib/auth/api-key";
import {
  generatePersonalToken,
  hashPersonalTokenSecret,
  parsePersonalToken,
  verifyPersonalTokenSecret,
} from "@/lib/auth/personal-token";

const naughtyStrings = z
  .array(z.string())
  .parse(JSON.parse(readFileSync(fileURLToPath(new URL("../../tests/fixtures/naughty-strings/blns.json", import.meta.url)), "utf8")));

describe("personal-token", () => {
  it("generatePersonalToken returns a token in the cdp_<id>_<secret> format", () => {
    const token = generatePersonalToken();

    expect(token.token).toMatch(/^cdp_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/);
    expect(token.token).toBe(`cdp_${token.id}_${token.secret}`);
    expect(token.secretHash).toBe(hashPersonalTokenSecret(token.secret));
  });

  it("parsePersonalToken round-trips a generated token", () => {
    const token = generatePersonalToken();

    expect(parsePersonalToken(token.token)).toEqual({ id: token.id, secret: token.secret });
  });

  it("parsePersonalToken rejects an API key", () => {
    expect(parsePersonalToken(generateApiKey().token)).toBeNull();
  });

  it("verifyPersonalTokenSecret accepts the matching secret only", () => {
    const token = generatePersonalToken();

    expect(verifyPersonalTokenSecret(token.secret, token.secretHash)).toBe(true);
    expect(verifyPersonalTokenSecret(generatePersonalToken().secret, token.secretHash)).toBe(false);
  });

  it("hashPersonalTokenSecret hashes like hashApiKeySecret", () => {
    const { secret } = generatePersonalToken();

    expect(hashPersonalTokenSecret(secret)).toBe(hashApiKeySecret(secret));
  });

  it("parsePersonalToken and verifyPersonalTokenSecret handle every naughty string", () => {
    const { secretHash } = generatePersonalToken();

    for (const [index, text] of naughtyStrings.entries()) {
      expect(parsePersonalToken(text), `string ${index}`).toBeNull();
      expect(verifyPersonalTokenSecret(text, secretHash), `string ${index}`).toBe(false);
    }
  });
});
