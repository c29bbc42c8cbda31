import { describe, expect, test } from "vitest";
import { safeCallbackPath } from "./callback-url";

const ORIGIN = "http://127.0.0.1:3000";

describe("safeCallbackPath", () => {
  test.each([
    ["/", "/"],
    ["/actions/0b8a?tab=diff", "/actions/0b8a?tab=diff"],
    ["http://127.0.0.1:3000/actions/1", "/actions/1"],
  ])("keeps the path on this site: %s", (input, expected) => {
    expect(safeCallbackPath(input, ORIGIN)).toBe(expected);
  });

  test.each([
    ["another origin", "https://evil.example/actions"],
    ["a protocol-relative URL", "//evil.example"],
    ["a backslash form", "/\\evil.example"],
    ["a javascript URL", "javascript:alert(1)"],
    ["a relative path", "actions/1"],
    ["a control character", "/actions\n/1"],
    ["the sign-in page", "/sign-in?callbackUrl=/"],
    ["an API route", "/api/auth/signout"],
    ["a non-string", ["/"]],
    ["an empty string", ""],
  ])("falls back to / for %s", (_case, input) => {
    expect(safeCallbackPath(input, ORIGIN)).toBe("/");
  });
});
