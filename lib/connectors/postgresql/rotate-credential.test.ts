import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ConnectorError } from "@/lib/connectors/types";
import { canonicalJson } from "@/lib/util/canonical-json";
import { createPostgresConnector, type PostgresConnector } from "./connector";
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

async function isOpen(client: { query: (sql: string) => Promise<unknown> }): Promise<boolean> {
  return client.query("SELECT 1").then(
    () => true,
    () => false,
  );
}

describe("rotate_credential", () => {
  test("plan states the change without any password", async () => {
    const oid = await domain.createManagedRole("svc_rotate_plan", "old-password-plan");
    await domain.admin("ALTER ROLE svc_rotate_plan VALID UNTIL '2999-01-01 00:00:00+00'");
    const action = actionFor("rotate_credential", oid);

    const plan = await connector.plan(action, callContext());

    expect(plan.diff.objects).toEqual([
      {
        type: "role",
        id: oid,
        displayName: "svc_rotate_plan",
        before: { password: "current password (never shown)", rolvaliduntil: "2999-01-01T00:00:00.000000Z" },
        after: { password: "new random 256-bit password, shown once, in the console, to a person who approved the action", rolvaliduntil: "2999-01-01T00:00:00.000000Z" },
      },
    ]);
    expect(plan.revertState).toBeNull();
    expect(plan.changes).toBe(true);
    expect(canonicalJson(plan)).not.toContain("old-password-plan");
  });

  test("apply, verify, apply again and revert", async () => {
    const oid = await domain.createManagedRole("svc_rotate_cycle", "old-password-cycle");
    const action = actionFor("rotate_credential", oid);
    const plan = await connector.plan(action, callContext());

    const applied = await connector.apply(action, grantFor(action, plan), callContext());

    expect(applied.outcome).toBe("applied");
    const secret = applied.secret?.value ?? "";
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(applied.secret?.label).toBe("new password of PostgreSQL role svc_rotate_cycle");
    expect(canonicalJson({ ...applied, secret: undefined })).not.toContain(secret);
    expect(applied.references.find((reference) => reference.type === "postgresql.txid")?.value).toMatch(/^[0-9]+$/);

    const { rows } = await domain.admin<{ rolpassword: string }>("SELECT rolpassword FROM pg_authid WHERE oid = $1::oid", [oid]);
    expect(rows[0]?.rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);
    const fresh = await domain.connectAs("svc_rotate_cycle", secret);
    expect(await isOpen(fresh)).toBe(true);
    await fresh.end();
    await expect(domain.connectAs("svc_rotate_cycle", "old-password-cycle")).rejects.toMatchObject({ code: "28P01" });

    const verified = await connector.verify(action, callContext());
    expect(verified).toMatchObject({ verified: true, detail: `role "svc_rotate_cycle": password rotated; a login with the new password succeeded` });

    const again = await connector.apply(action, grantFor(action, plan), callContext());
    expect(again.outcome).toBe("already_in_effect");
    expect(again.secret).toBeUndefined();
    const still = await domain.connectAs("svc_rotate_cycle", secret);
    expect(await isOpen(still)).toBe(true);
    await still.end();

    const revert = await connector.revert(action, plan, callContext()).catch((error: unknown) => error);
    expect(revert).toBeInstanceOf(ConnectorError);
    expect((revert as ConnectorError).message).toContain("cannot be reverted");
  });

  test("terminateSessions ends the sessions open at rotation time", async () => {
    const oid = await domain.createManagedRole("svc_rotate_terminate", "old-password-terminate");
    const session = await domain.connectAs("svc_rotate_terminate", "old-password-terminate");
    const action = actionFor("rotate_credential", oid, { terminateSessions: true });
    const plan = await connector.plan(action, callContext());
    expect(plan.diff.objects[1]).toMatchObject({ type: "sessions", before: { openSessions: 1 }, after: { openSessions: 0 } });

    const applied = await connector.apply(action, grantFor(action, plan), callContext());

    expect(applied.detail).toContain("terminated 1 session(s)");
    expect(await isOpen(session)).toBe(false);
    expect((await connector.verify(action, callContext())).verified).toBe(true);
  });

  test("existing sessions stay connected by default", async () => {
    const oid = await domain.createManagedRole("svc_rotate_keep", "old-password-keep");
    const session = await domain.connectAs("svc_rotate_keep", "old-password-keep");
    const action = actionFor("rotate_credential", oid);
    const plan = await connector.plan(action, callContext());

    const applied = await connector.apply(action, grantFor(action, plan), callContext());

    expect(applied.detail).toContain("existing sessions stay connected");
    expect(await isOpen(session)).toBe(true);
    await session.end();
  });

  test("verify on a NOLOGIN role accepts the password the server accepted", async () => {
    const oid = await domain.createManagedRole("svc_rotate_nologin", "old-password-nologin", "NOLOGIN");
    const action = actionFor("rotate_credential", oid);
    const plan = await connector.plan(action, callContext());
    await connector.apply(action, grantFor(action, plan), callContext());

    const verified = await connector.verify(action, callContext());

    expect(verified.verified).toBe(true);
    expect(verified.detail).toContain("the server accepted the new password but the role has NOLOGIN");
  });

  test("verify fails when the password was changed again", async () => {
    const oid = await domain.createManagedRole("svc_rotate_overwritten", "old-password-overwritten");
    const action = actionFor("rotate_credential", oid);
    const plan = await connector.plan(action, callContext());
    await connector.apply(action, grantFor(action, plan), callContext());
    await domain.admin("ALTER ROLE svc_rotate_overwritten PASSWORD 'someone-else'");

    const verified = await connector.verify(action, callContext());

    expect(verified.verified).toBe(false);
    expect(verified.detail).toContain("a login with the new password was rejected");
  });

  test("verify on another connector instance cannot confirm", async () => {
    const oid = await domain.createManagedRole("svc_rotate_elsewhere", "old-password-elsewhere");
    const action = actionFor("rotate_credential", oid);
    const plan = await connector.plan(action, callContext());
    await connector.apply(action, grantFor(action, plan), callContext());
    const other = createPostgresConnector(domain.settings, { password: domain.password }, { logger: silentLogger });

    const verified = await other.verify(action, callContext());

    expect(verified.verified).toBe(false);
    expect(verified.detail).toContain("no longer held by this connector instance");
  });

  test("drift in VALID UNTIL changes the hash and stops apply", async () => {
    const oid = await domain.createManagedRole("svc_rotate_drift", "old-password-drift");
    const action = actionFor("rotate_credential", oid);
    const approved = await connector.plan(action, callContext());

    await domain.admin("ALTER ROLE svc_rotate_drift VALID UNTIL '2030-01-01 00:00:00+00'");
    const replanned = await connector.plan(action, callContext());
    expect(replanned.hash).not.toBe(approved.hash);

    const failure = await connector.apply(action, grantFor(action, approved), callContext()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConnectorError);
    expect((failure as ConnectorError).message).toContain("the target changed since the plan was approved");
    const unchanged = await domain.connectAs("svc_rotate_drift", "old-password-drift");
    expect(await isOpen(unchanged)).toBe(true);
    await unchanged.end();
  });
});
