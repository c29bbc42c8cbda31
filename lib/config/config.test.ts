import { describe, expect, test } from "vitest";
import { ConfigError, parseConfig } from "@/lib/config";

describe("parseConfig", () => {
  test("defaults apply to an empty environment", () => {
    const config = parseConfig({}, "/srv/cordon");

    expect(config.databaseUrl).toBeUndefined();
    expect(config.dataDir).toBe("/srv/cordon/.cordon");
    expect(config.port).toBe(3000);
    expect(config.host).toBe("127.0.0.1");
    expect(config.demo).toBe("auto");
    expect(config.oidc).toBeUndefined();
  });

  test.each([
    ["DATABASE_URL", "not-a-url", /^DATABASE_URL has the given value, which is invalid \(expected a postgres:\/\/ or postgresql:\/\/ URL with a host\); a valid value looks like postgresql:\/\//],
    ["DATABASE_URL", "mysql://u:p@h/db", /^DATABASE_URL has the given value/],
    ["PORT", "70000", /^PORT has "70000", which is invalid .*; a valid value looks like 3000$/],
    ["PORT", "abc", /^PORT has "abc", which is invalid/],
    ["CORDON_DEMO", "maybe", /^CORDON_DEMO has "maybe", which is invalid .*; a valid value looks like off$/],
    ["CORDON_LOG_LEVEL", "loud", /^CORDON_LOG_LEVEL has "loud"/],
    ["CORDON_DB_CONNECT_TIMEOUT_SECONDS", "0", /^CORDON_DB_CONNECT_TIMEOUT_SECONDS has "0"/],
    ["NEXTAUTH_SECRET", "short", /^NEXTAUTH_SECRET has the given value, which is invalid/],
    ["CORDON_OIDC_ROLE_MAP", "admins=root", /^CORDON_OIDC_ROLE_MAP has "admins=root"/],
  ])("%s=%s is rejected with one line naming it", (name, value, message) => {
    let error: unknown;
    try {
      parseConfig({ [name]: value });
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(name);
    expect((error as ConfigError).message).toMatch(message);
    expect((error as ConfigError).message).not.toContain("\n");
  });

  test("a secret value is never echoed", () => {
    expect(() => parseConfig({ DATABASE_URL: "hunter2-not-a-url" })).toThrow(expect.objectContaining({ message: expect.not.stringContaining("hunter2") }));
  });

  test("an OIDC issuer needs a client id and secret", () => {
    expect(() => parseConfig({ CORDON_OIDC_ISSUER: "https://login.example.com" })).toThrow(/^CORDON_OIDC_CLIENT_ID is required when CORDON_OIDC_ISSUER is set/);
  });

  test("empty strings count as unset", () => {
    expect(parseConfig({ DATABASE_URL: "", PORT: "" }).port).toBe(3000);
  });
});

describe("README", () => {
  test("documents every configuration variable", async () => {
    const fs = await import("node:fs/promises");
    const path = await import("node:path");
    const { VARIABLES } = await import("@/lib/config");
    const readme = await fs.readFile(path.resolve(import.meta.dirname, "../../README.md"), "utf8");

    const missing = Object.keys(VARIABLES).filter((name) => !readme.includes(`| \`${name}\` |`));

    expect(missing).toEqual([]);
  });
});
