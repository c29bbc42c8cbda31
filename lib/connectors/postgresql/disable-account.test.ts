import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ConnectorError } from "@/lib/connectors/types";
import { createPostgresConnector, type PostgresConnector } from "./connector";
import { actionFor, callContext, grantFor, silentLogger, startTestDomain, type TestDomain } from "./testing";

let domain: TestDomain;
let connector: PostgresConnector;
/** Passwords of the roles these tests create, handed to the connector as login probe passwords. */
const probePasswords = new Map<string, string>();

async function managedRole(name: string): Promise<string> {
  const password = `pw-${name}-${Math.random().toString(36).slice(2)}`;
  probePasswords.set(name, password);
  return domain.createManagedRole(name, password);
}

async function canLogin(oid: string): Promise<boolean> {
  const { rows } = await domain.admin<{ rolcanlogin: boolean }>("SELECT rolcanlogin FROM pg_roles WHERE oid = $1::oid", [oid]);
  return rows[0]?.rolcanlogin ?? false;
}

async function isOpen(client: { query: (sql: string) => Promise<unknown> }): Promise<boolean> {
  return client.query("SELECT 1").then(
    () => true,
    () => false,
  );
}

beforeAll(async () => {
  domain = await startTestDomain();
  connector = createPostgresConnector(domain.settings, { password: domain.password }, {
    logger: silentLogger,
    loginProbePassword: (role) => probePasswords.get(role.name),
  });
});

afterAll(async () => {
  await domain?.stop();
});

describe("disable_account", () => {
  test("plan shows the LOGIN change and the blast radius", async () => {
    const oid = await managedRole("svc_plan_blast");
    await domain.admin("GRANT db_admin TO svc_plan_blast WITH ADMIN TRUE");
    await domain.admin("CREATE ROLE app_reader_of_blast NOLOGIN");
    await domain.admin("GRANT svc_plan_blast TO app_reader_of_blast");
    await domain.admin("GRANT SELECT ON public.invoices TO svc_plan_blast");
    const session = await domain.connectAs("svc_plan_blast", probePasswords.get("svc_plan_blast") ?? "", "nightly-report");

    const action = actionFor("disable_account", oid);
    const plan = await connector.plan(action, callContext());

    expect(plan.diff.objects[0]).toEqual({ type: "role", id: oid, displayName: "svc_plan_blast", before: { rolcanlogin: true }, after: { rolcanlogin: false } });
    expect(plan.diff.objects[1]).toEqual({ type: "sessions", id: oid, displayName: "svc_plan_blast", before: { openSessions: 1 }, after: { openSessions: 0 } });
    const descriptions = plan.diff.blastRadius.map((entry) => `${entry.type}: ${entry.description}`);
    expect(descriptions).toContain(`role_membership: member of "db_admin" (admin option: yes, inherit: yes, set: yes), granted by "cordon"`);
    expect(descriptions).toContain(`role_member: "app_reader_of_blast" is a member of this role (admin option: no, inherit: yes, set: yes)`);
    expect(descriptions).toContain(`object_grants: 1 table object(s) in database "cordon_demo" grant privileges to this role`);
    expect(descriptions).toContain(`sessions: 1 open session(s) to database "cordon_demo" by application "nightly-report" from an address hidden from the connector role`);
    expect(descriptions.join("\n")).not.toContain("cordon_connector");
    expect(plan.revertState).toEqual({ rolcanlogin: true });
    expect(plan.changes).toBe(true);
    expect(plan.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(plan.references).toContainEqual({ type: "postgresql.application_name", value: `cordon:${action.id}` });
    expect(plan.references.find((reference) => reference.type === "postgresql.backend_pid")?.value).toMatch(/^[0-9]+$/);
    await session.end();
  });

  test("apply, verify, apply again and revert", async () => {
    const oid = await managedRole("svc_disable_cycle");
    const session = await domain.connectAs("svc_disable_cycle", probePasswords.get("svc_disable_cycle") ?? "");
    const { rows } = await session.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    const sessionPid = String(rows[0]?.pid);
    const action = actionFor("disable_account", oid);

    const notYet = await connector.verify(action, callContext());
    expect(notYet.verified).toBe(false);
    expect(notYet.detail).toContain("rolcanlogin is still true");

    const plan = await connector.plan(action, callContext());
    const applied = await connector.apply(action, grantFor(action, plan), callContext());
    expect(applied.outcome).toBe("applied");
    expect(applied.detail).toBe(`set NOLOGIN on role "svc_disable_cycle"; terminated 1 session(s)`);
    expect(applied.references.find((reference) => reference.type === "postgresql.txid")?.value).toMatch(/^[0-9]+$/);
    expect(applied.references).toContainEqual({ type: "postgresql.terminated_backend_pid", value: sessionPid });
    expect(applied.references).toContainEqual({ type: "postgresql.application_name", value: `cordon:${action.id}` });
    expect(await canLogin(oid)).toBe(false);
    expect(await isOpen(session)).toBe(false);

    const verified = await connector.verify(action, callContext());
    expect(verified.verified).toBe(true);
    expect(verified.detail).toContain("refused because the role may not log in");
    await expect(domain.connectAs("svc_disable_cycle", probePasswords.get("svc_disable_cycle") ?? "")).rejects.toMatchObject({ code: "28000" });

    const again = await connector.apply(action, grantFor(action, plan), callContext());
    expect(again.outcome).toBe("already_in_effect");

    const reverted = await connector.revert(action, plan, callContext());
    expect(reverted.outcome).toBe("applied");
    expect(reverted.detail).toBe(`restored LOGIN on role "svc_disable_cycle"`);
    expect(await canLogin(oid)).toBe(true);
    const back = await domain.connectAs("svc_disable_cycle", probePasswords.get("svc_disable_cycle") ?? "");
    expect(await isOpen(back)).toBe(true);
    await back.end();

    const revertedAgain = await connector.revert(action, plan, callContext());
    expect(revertedAgain.outcome).toBe("already_in_effect");
  });

  test("apply on a NOLOGIN role still terminates stray sessions", async () => {
    const oid = await managedRole("svc_stray_sessions");
    const session = await domain.connectAs("svc_stray_sessions", probePasswords.get("svc_stray_sessions") ?? "");
    await domain.admin("ALTER ROLE svc_stray_sessions NOLOGIN");
    const action = actionFor("disable_account", oid);
    const plan = await connector.plan(action, callContext());
    expect(plan.changes).toBe(true);

    const result = await connector.apply(action, grantFor(action, plan), callContext());

    expect(result.outcome).toBe("already_in_effect");
    expect(result.detail).toBe(`role "svc_stray_sessions" already had NOLOGIN; terminated 1 session(s)`);
    expect(await isOpen(session)).toBe(false);
    expect((await connector.verify(action, callContext())).verified).toBe(true);
  });

  test("plan of a NOLOGIN role without sessions changes nothing", async () => {
    const oid = await managedRole("svc_noop_disable");
    await domain.admin("ALTER ROLE svc_noop_disable NOLOGIN");

    const plan = await connector.plan(actionFor("disable_account", oid), callContext());

    expect(plan.diff.objects[0]).toMatchObject({ before: { rolcanlogin: false }, after: { rolcanlogin: false } });
    expect(plan.changes).toBe(false);
    expect(plan.currentState).toBe(`role "svc_noop_disable" (OID ${oid}) already has NOLOGIN and no open session`);
  });

  test("plan of a NOLOGIN role keeping its sessions changes nothing", async () => {
    const oid = await managedRole("svc_noop_keep");
    const session = await domain.connectAs("svc_noop_keep", probePasswords.get("svc_noop_keep") ?? "");
    await domain.admin("ALTER ROLE svc_noop_keep NOLOGIN");

    const plan = await connector.plan(actionFor("disable_account", oid, { terminateSessions: false }), callContext());

    expect(plan.changes).toBe(false);
    expect(plan.currentState).toBe(`role "svc_noop_keep" (OID ${oid}) already has NOLOGIN (its 1 open session(s) stay connected, as terminateSessions is false)`);
    await session.end();
  });

  test("apply leaves sessions open when terminateSessions is false", async () => {
    const oid = await managedRole("svc_keep_sessions");
    const session = await domain.connectAs("svc_keep_sessions", probePasswords.get("svc_keep_sessions") ?? "");
    const action = actionFor("disable_account", oid, { terminateSessions: false });
    const plan = await connector.plan(action, callContext());
    expect(plan.diff.objects).toHaveLength(1);

    const result = await connector.apply(action, grantFor(action, plan), callContext());

    expect(result.outcome).toBe("applied");
    expect(await isOpen(session)).toBe(true);
    expect((await connector.verify(action, callContext())).verified).toBe(true);
    await session.end();
  });

  test("drift between plan and apply changes the hash and stops apply", async () => {
    const oid = await managedRole("svc_drift_disable");
    const action = actionFor("disable_account", oid);
    const approved = await connector.plan(action, callContext());

    await domain.admin("GRANT db_admin TO svc_drift_disable");
    const replanned = await connector.plan(action, callContext());
    expect(replanned.hash).not.toBe(approved.hash);

    const failure = await connector.apply(action, grantFor(action, approved), callContext()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConnectorError);
    expect((failure as ConnectorError).transient).toBe(false);
    expect((failure as ConnectorError).message).toContain("the target changed since the plan was approved");
    expect(await canLogin(oid)).toBe(true);
  });

  test("a rename between plan and apply changes the hash", async () => {
    const oid = await managedRole("svc_renamed_before");
    const action = actionFor("disable_account", oid);
    const approved = await connector.plan(action, callContext());

    await domain.admin("ALTER ROLE svc_renamed_before RENAME TO svc_renamed_after");
    const replanned = await connector.plan(action, callContext());

    expect(replanned.hash).not.toBe(approved.hash);
    expect(replanned.diff.objects[0]?.displayName).toBe("svc_renamed_after");
  });

  test("verify fails when the probe password is wrong", async () => {
    const oid = await managedRole("svc_bad_probe");
    const action = actionFor("disable_account", oid);
    const plan = await connector.plan(action, callContext());
    await connector.apply(action, grantFor(action, plan), callContext());
    probePasswords.set("svc_bad_probe", "not-the-password");

    const result = await connector.verify(action, callContext());

    expect(result.verified).toBe(false);
    expect(result.detail).toContain("the probe password was rejected");
    expect(result.detail).not.toContain("not-the-password");
  });

  test("verify fails when a login still succeeds", async () => {
    const oid = await managedRole("svc_login_again");
    const action = actionFor("disable_account", oid);
    const plan = await connector.plan(action, callContext());
    await connector.apply(action, grantFor(action, plan), callContext());
    await domain.admin("ALTER ROLE svc_login_again LOGIN");

    const result = await connector.verify(action, callContext());

    expect(result.verified).toBe(false);
    expect(result.detail).toContain("rolcanlogin is still true");
    expect(result.detail).toContain("a login with the probe password succeeded");
  });
});
