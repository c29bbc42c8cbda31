import { z } from "zod";
import { describe, expect, test } from "vitest";
import { ValidationFailed } from "@/lib/errors";
import { escapeInvisible, parseAdminInput, quoteValue, rejectPastedCredential } from "./parse-admin-input";

describe("quoteValue", () => {
  test.each([
    { name: "plain text", value: "soar", expected: '"soar"' },
    { name: "line breaks", value: "a\nb\r\u2028c", expected: '"a\\nb\\r\\u2028c"' },
    { name: "terminal escape", value: "\u001b[31mred", expected: '"\\u001b[31mred"' },
    { name: "bidi override", value: "abc\u202efdp.exe", expected: '"abc\\u202efdp.exe"' },
    { name: "zero-width space", value: "ad\u200bmin", expected: '"ad\\u200bmin"' },
    { name: "astral private use", value: "x\u{F0000}", expected: '"x\\u{f0000}"' },
    { name: "unpaired surrogate", value: "x\uD800", expected: '"x\\ud800"' },
    { name: "emoji", value: "🔥", expected: '"🔥"' },
  ])("escapes $name", ({ value, expected }) => {
    expect(quoteValue(value)).toBe(expected);
  });

  test("truncates by code points", () => {
    expect(quoteValue("😀".repeat(70))).toBe(`"${"😀".repeat(60)}…"`);
    expect(quoteValue("abcdef", 3)).toBe('"abc…"');
  });
});

describe("escapeInvisible", () => {
  test("leaves printable text alone", () => {
    expect(escapeInvisible("Ana Lyst, Ünïcödé")).toBe("Ana Lyst, Ünïcödé");
  });
});

describe("parseAdminInput", () => {
  const schema = z.object({ name: z.string().min(3, "must be at least 3 characters"), password: z.string().min(12, "must be at least 12 characters"), count: z.number().max(5, "must be at most 5") }).strict();

  test("names each field and the rejected value", () => {
    const error = (() => {
      try {
        parseAdminInput(schema, { name: "x\n", password: "long-enough-pass", count: 9 }, "thing");
      } catch (caught) {
        return caught;
      }
    })();

    expect(error).toBeInstanceOf(ValidationFailed);
    expect((error as ValidationFailed).errors).toEqual([
      { pointer: "/name", message: 'must be at least 3 characters, got "x\\n"' },
      { pointer: "/count", message: "must be at most 5, got 9" },
    ]);
    expect((error as ValidationFailed).message).toBe('invalid thing: /name must be at least 3 characters, got "x\\n"; /count must be at most 5, got 9');
  });

  test("never shows a secret field's value", () => {
    expect(() => parseAdminInput(schema, { name: "abc", password: "short", count: 1 }, "thing", { secretFields: ["password"] })).toThrow(
      expect.objectContaining({ errors: [{ pointer: "/password", message: "must be at least 12 characters" }] }),
    );
  });

  test("prefixes pointers", () => {
    expect(() => parseAdminInput(schema, { name: "abc", password: "long-enough-pass", count: 6 }, "thing", { pointerPrefix: "/settings" })).toThrow(
      expect.objectContaining({ errors: [{ pointer: "/settings/count", message: "must be at most 5, got 6" }] }),
    );
  });
});

describe("rejectPastedCredential", () => {
  test.each(["cdn_aaaaaaaaaaaa_SeCrEtPart", `cdp_abcdefghijkl_${"Q".repeat(43)}`])("rejects %s without echoing it", (value) => {
    expect(() => rejectPastedCredential(value, "/client")).toThrow(ValidationFailed);
    try {
      rejectPastedCredential(value, "/client");
    } catch (error) {
      expect((error as Error).message).not.toContain(value.slice(17));
    }
  });

  test.each(["soar", "aaaaaaaaaaaa", "cdn_aaaaaaaaaaaa", "cdp_short_x"])("accepts %s", (value) => {
    expect(() => rejectPastedCredential(value, "")).not.toThrow();
  });
});
