import { describe, expect, test } from "vitest";
import { loopbackSignInRedirect } from "./loopback-sign-in";

describe("loopbackSignInRedirect", () => {
  test.each([
    ["/sign-in?callbackUrl=%2Fhistory", "127.0.0.1:3000", "http://localhost:3000", "http://localhost:3000/sign-in?callbackUrl=%2Fhistory"],
    ["/sign-in", "localhost:3000", "http://127.0.0.1:3000", "http://127.0.0.1:3000/sign-in"],
    ["/sign-in", "[::1]:3000", "http://localhost:3000", "http://localhost:3000/sign-in"],
  ])("moves %s on %s to the public URL %s", (path, host, publicUrl, expected) => {
    expect(loopbackSignInRedirect(path, host, publicUrl)).toBe(expected);
  });

  test.each([
    ["another page", "/history", "127.0.0.1:3000", "http://localhost:3000"],
    ["the public host itself", "/sign-in", "localhost:3000", "http://localhost:3000"],
    ["a reverse proxy's host", "/sign-in", "cordon.internal:3000", "http://localhost:3000"],
    ["a public URL that is not loopback", "/sign-in", "127.0.0.1:3000", "https://cordon.example.com"],
    ["another port", "/sign-in", "127.0.0.1:4000", "http://localhost:3000"],
    ["a missing Host header", "/sign-in", undefined, "http://localhost:3000"],
    ["no public URL", "/sign-in", "127.0.0.1:3000", undefined],
    ["an invalid Host header", "/sign-in", "bad host:x", "http://localhost:3000"],
  ])("leaves %s alone", (_name, path, host, publicUrl) => {
    expect(loopbackSignInRedirect(path, host, publicUrl)).toBeNull();
  });
});
