import fs from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { normaliseTargetName } from "./target-name";

const NAUGHTY = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, "../../tests/fixtures/naughty-strings/blns.json"), "utf8")) as string[];

describe("normaliseTargetName", () => {
  test.each([
    ["plain ASCII", "svc_reporting", "svc_reporting", []],
    ["Cyrillic e inside a Latin name", "svc_\u0435tl", "svc_\u0435tl", ["mixed_scripts"]],
    ["zero-width space", "ci\u200Bdeployer", "ci\u200Bdeployer", ["invisible_characters"]],
    ["right-to-left override", "admin\u202Etxt.exe", "admin\u202Etxt.exe", ["bidi_controls"]],
    ["fullwidth letters folded by NFKC", "\uFF53\uFF56\uFF43", "svc", ["changed_by_normalisation"]],
    ["a control character", "svc\u0007bell", "svc\u0007bell", ["control_characters"]],
    ["Japanese with Latin is not flagged", "東京_svc", "東京_svc", []],
  ])("%s", (_case, raw, name, flags) => {
    const result = normaliseTargetName(raw);

    expect(result.name).toBe(name);
    expect(result.flags).toEqual(flags);
  });

  test("handles every naughty string without throwing and returns NFKC text", () => {
    for (const raw of NAUGHTY) {
      const result = normaliseTargetName(raw);
      expect(result.name).toBe(raw.normalize("NFKC"));
    }
  });

  test("flags every naughty string that carries a bidi override", () => {
    const overrides = NAUGHTY.filter((raw) => /[\u202A-\u202E\u2066-\u2069]/u.test(raw));

    expect(overrides.length).toBeGreaterThan(0);
    expect(overrides.every((raw) => normaliseTargetName(raw).flags.includes("bidi_controls"))).toBe(true);
  });
});
