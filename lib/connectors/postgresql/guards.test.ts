import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ConnectorError } from "@/lib/connectors/types";
import { findFreePort } from "@/lib/db/embedded";
import { createPostgresConnector, type PostgresConnector } from "./connector";
import { resolveRoleIdentity } from "./resolve-role-identity";
import { actionFor, callContext, grantFor, silentLogger, startTestDomain, type TestDomain } from "./testing";

let domain: TestDomain;
let connector: PostgresConnector;

beforeAll(async () => {
  domain = await startTestDomain();
  connector = createPostgresConnector(domain.settings, { password: domain.password }, { logger: silentLogger });
});

afterAll(async () => {
  await domain?.stop();
});

async function rejection(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

/** Creates a pino logger that keeps every line, to check what the connector logs. */
function capturingLogger(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: "debug" }, stream), lines };
}

describe("postgresql connector target guards", () => {
  test.each([
    ["a superuser", async () => {
      await domain.admin("CREATE ROLE ops_superuser SUPERUSER LOGIN");
      return domain.oidOf("ops_superuser");
    }, "is a superuser; Cordon never changes superuser roles"],
    ["the bootstrap superuser", async () => domain.oidOf("cordon"), "is a superuser"],
    ["the connector's own role", async () => domain.oidOf("cordon_connector"), "is the connector's own role"],
    ["a predefined role", async () => domain.oidOf("pg_monitor"), "is a predefined PostgreSQL role"],
    ["a role the connector inherits from", async () => {
      await domain.admin("CREATE ROLE connector_helper NOLOGIN");
      await domain.admin("GRANT connector_helper TO cordon_connector");
      return domain.oidOf("connector_helper");
    }, "passes its privileges to the connector's own role"],
    ["a role name instead of an OID", async () => "svc_reporting", "is not a role OID"],
    ["an OID that no role has", async () => "4000000000", "no role with OID 4000000000 exists"],
  ])("plan rejects %s", async (_label, identity, message) => {
    const target = await identity();
    for (const kind of ["disable_account", "remove_entitlement", "rotate_credential"] as const) {
      const action = actionFor(kind, target, kind === "remove_entitlement" ? { entitlement: "db_admin" } : {});
      const error = await rejection(connector.plan(action, callContext()));
      expect(error.transient).toBe(false);
      expect(error.message).toContain(message);
    }
  });

  test("apply and revert reject a superuser target too", async () => {
    await domain.admin("CREATE ROLE ops_superuser_apply SUPERUSER LOGIN");
    const action = actionFor("disable_account", await domain.oidOf("ops_superuser_apply"));
    const forged = { diff: { objects: [], blastRadius: [] }, hash: "0".repeat(64), revertState: { rolcanlogin: true }, references: [] };

    expect((await rejection(connector.apply(action, grantFor(action, forged), callContext()))).message).toContain("is a superuser");
    expect((await rejection(connector.revert(action, forged, callContext()))).message).toContain("is a superuser");
    const { rows } = await domain.admin<{ rolcanlogin: boolean }>("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'ops_superuser_apply'");
    expect(rows[0]?.rolcanlogin).toBe(true);
  });
});

describe("postgresql connector input checks", () => {
  test("apply rejects a grant issued for another action", async () => {
    const action = actionFor("disable_account", await domain.oidOf("svc_reporting"));
    const plan = await connector.plan(action, callContext());

    const error = await rejection(connector.apply(action, { ...grantFor(action, plan), actionId: "another-action" }, callContext()));

    expect(error.message).toContain("was issued for action another-action");
  });

  test("plan rejects an unsupported kind", async () => {
    const error = await rejection(connector.plan(actionFor("revoke_token", await domain.oidOf("svc_reporting")), callContext()));
    expect(error.message).toContain("does not support revoke_token");
  });

  test("plan rejects invalid parameters", async () => {
    const action = actionFor("disable_account", await domain.oidOf("svc_reporting"), { terminateSessions: "yes" });
    const error = await rejection(connector.plan(action, callContext()));
    expect(error.message).toContain("invalid parameters for disable_account: terminateSessions:");
  });

  test("revert rejects a plan without revert state", async () => {
    const action = actionFor("disable_account", await domain.oidOf("svc_reporting"));
    const plan = { ...(await connector.plan(action, callContext())), revertState: null };
    const error = await rejection(connector.revert(action, plan, callContext()));
    expect(error.message).toContain("invalid revert state");
  });

  test("createPostgresConnector rejects invalid settings and credentials without echoing them", () => {
    expect(() => createPostgresConnector({ ...domain.settings, port: 70000 }, { password: "x" })).toThrow(/invalid PostgreSQL domain settings: port:/);
    const longPassword = "secret-".repeat(200);
    let error: unknown;
    try {
      createPostgresConnector(domain.settings, { password: longPassword });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as Error).message).toContain("invalid PostgreSQL domain credentials: password:");
    expect((error as Error).message).not.toContain("secret-");
  });
});

describe("postgresql connector failures", () => {
  test("wrong password error hides the password", async () => {
    const wrongPassword = "Wrong-Password-7f3a9c";
    const { logger, lines } = capturingLogger();
    const wrong = createPostgresConnector(domain.settings, { password: wrongPassword }, { logger });

    const error = await rejection(wrong.plan(actionFor("disable_account", await domain.oidOf("svc_reporting")), callContext()));

    expect(error.transient).toBe(false);
    expect(error.message).toBe(`PostgreSQL plan failed: password authentication failed for user "cordon_connector" (28P01)`);
    const everything = [error.message, String(error), JSON.stringify(error), JSON.stringify(error.references), error.stack ?? "", ...lines].join("\n");
    expect(lines.length).toBeGreaterThan(0);
    expect(everything).not.toContain(wrongPassword);
    expect(everything).not.toContain(domain.password);
  });

  test("an unreachable server fails transiently", async () => {
    const closedPort = await findFreePort();
    const unreachable = createPostgresConnector({ ...domain.settings, port: closedPort }, { password: domain.password }, { logger: silentLogger });

    const error = await rejection(unreachable.plan(actionFor("disable_account", "16384"), callContext()));

    expect(error.transient).toBe(true);
    expect(error.message).toContain("ECONNREFUSED");
    expect(error.message).not.toContain(domain.password);
  });

  test("an aborted signal cancels the running statement on the server", async () => {
    const oid = await domain.createManagedRole("svc_abort", "pw-abort");
    const action = actionFor("disable_account", oid);
    const plan = await connector.plan(action, callContext());
    const blocker = await domain.connectAsAdmin();
    await blocker.query("SELECT pg_advisory_lock(hashtextextended('cordon:postgresql:role:' || $1::text, 0))", [oid]);

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = Date.now();
    const error = await rejection(connector.apply(action, grantFor(action, plan), { signal: controller.signal }));

    expect(error.transient).toBe(true);
    expect(error.message).toBe("PostgreSQL apply was cancelled because the caller aborted it, for example when its time limit passed");
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect.poll(async () => (await domain.admin("SELECT 1 FROM pg_stat_activity WHERE application_name = $1", [`cordon:${action.id}`])).rowCount).toBe(0);
    await blocker.end();
    const { rows } = await domain.admin<{ rolcanlogin: boolean }>("SELECT rolcanlogin FROM pg_roles WHERE oid = $1::oid", [oid]);
    expect(rows[0]?.rolcanlogin).toBe(true);
  });

  test("the statement timeout ends a blocked apply transiently", async () => {
    const oid = await domain.createManagedRole("svc_timeout", "pw-timeout");
    const hasty = createPostgresConnector(domain.settings, { password: domain.password }, { logger: silentLogger, statementTimeoutMs: 400 });
    const action = actionFor("disable_account", oid);
    const plan = await hasty.plan(action, callContext());
    const blocker = await domain.connectAsAdmin();
    await blocker.query("SELECT pg_advisory_lock(hashtextextended('cordon:postgresql:role:' || $1::text, 0))", [oid]);

    const error = await rejection(hasty.apply(action, grantFor(action, plan), callContext()));

    expect(error.transient).toBe(true);
    expect(error.message).toMatch(/\((55P03|57014)\)$/);
    await blocker.end();
  });
});

describe("resolveRoleIdentity", () => {
  test("resolveRoleIdentity returns the role OID", async () => {
    expect(await resolveRoleIdentity(connector, "svc_reporting")).toBe(await domain.oidOf("svc_reporting"));
  });

  test("resolveRoleIdentity rejects an unknown name", async () => {
    const error = await rejection(resolveRoleIdentity(connector, "SVC_REPORTING"));
    expect(error.message).toBe(`no role named "SVC_REPORTING" exists in the PostgreSQL domain`);
  });
});
