import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ConnectorError } from "@/lib/connectors/types";
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

interface MembershipRow {
  grantor: string;
  admin_option: boolean;
  inherit_option: boolean;
  set_option: boolean;
}

async function memberships(member: string, role: string): Promise<MembershipRow[]> {
  const { rows } = await domain.admin<MembershipRow>(
    `SELECT g.rolname AS grantor, m.admin_option, m.inherit_option, m.set_option
       FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.grantor
      WHERE m.member = $1::regrole AND m.roleid = $2::regrole ORDER BY g.rolname`,
    [member, role],
  );
  return rows;
}

async function rejection(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

describe("remove_entitlement of a role membership", () => {
  test("plan, apply, verify, apply again and revert with the recorded options", async () => {
    const oid = await domain.createManagedRole("svc_member_cycle", "pw-member-cycle");
    await domain.admin("GRANT db_admin TO svc_member_cycle WITH ADMIN TRUE, INHERIT FALSE GRANTED BY cordon_connector");
    const action = actionFor("remove_entitlement", oid, { entitlement: "db_admin" });

    const plan = await connector.plan(action, callContext());
    expect(plan.diff.objects[0]).toMatchObject({
      type: "role_membership",
      displayName: "svc_member_cycle in db_admin",
      before: { directMember: true, grants: [{ grantor: "cordon_connector", adminOption: true, inheritOption: false, setOption: true }], memberThrough: [] },
      after: { directMember: false, grants: [], memberThrough: [] },
    });
    expect(plan.diff.blastRadius.map((entry) => entry.description)).toContain(`1 table object(s) in database "cordon_demo" grant privileges to role "db_admin"`);

    const applied = await connector.apply(action, grantFor(action, plan), callContext());
    expect(applied).toMatchObject({ outcome: "applied", detail: `revoked 1 membership grant(s) of role "svc_member_cycle" in "db_admin"` });
    expect(await memberships("svc_member_cycle", "db_admin")).toEqual([]);

    const verified = await connector.verify(action, callContext());
    expect(verified.verified).toBe(true);
    expect(verified.detail).toContain("pg_has_role reports no membership");

    const again = await connector.apply(action, grantFor(action, plan), callContext());
    expect(again.outcome).toBe("already_in_effect");

    const reverted = await connector.revert(action, plan, callContext());
    expect(reverted.outcome).toBe("applied");
    expect(await memberships("svc_member_cycle", "db_admin")).toEqual([
      { grantor: "cordon_connector", admin_option: true, inherit_option: false, set_option: true },
    ]);
    expect((await connector.revert(action, plan, callContext())).outcome).toBe("already_in_effect");
    expect((await connector.verify(action, callContext())).verified).toBe(false);
  });

  test("the demo svc_etl loses db_admin", async () => {
    const oid = await domain.oidOf("svc_etl");
    const action = actionFor("remove_entitlement", oid, { entitlement: "db_admin" });
    const plan = await connector.plan(action, callContext());

    await connector.apply(action, grantFor(action, plan), callContext());

    const { rows } = await domain.admin<{ member: boolean }>("SELECT pg_has_role('svc_etl', 'db_admin', 'MEMBER') AS member");
    expect(rows[0]?.member).toBe(false);
    await connector.revert(action, plan, callContext());
    expect(await memberships("svc_etl", "db_admin")).toHaveLength(1);
  });

  test("a grant made by another grantor is rejected at plan", async () => {
    const oid = await domain.createManagedRole("svc_member_foreign", "pw-member-foreign");
    await domain.admin("GRANT db_admin TO svc_member_foreign");
    const action = actionFor("remove_entitlement", oid, { entitlement: "db_admin" });

    const error = await rejection(connector.plan(action, callContext()));

    expect(error.transient).toBe(false);
    expect(error.message).toContain(`was granted by "cordon"`);
    expect(error.message).toContain("GRANTED BY the connector role");
  });

  test("verify reports membership still held through another role", async () => {
    const oid = await domain.createManagedRole("svc_member_indirect", "pw-member-indirect");
    await domain.admin("CREATE ROLE ops_team NOLOGIN");
    await domain.admin("GRANT db_admin TO ops_team");
    await domain.admin("GRANT ops_team TO svc_member_indirect");
    await domain.admin("GRANT db_admin TO svc_member_indirect GRANTED BY cordon_connector");
    const action = actionFor("remove_entitlement", oid, { entitlement: "db_admin" });

    const plan = await connector.plan(action, callContext());
    expect(plan.diff.objects[0]?.after).toEqual({ directMember: false, grants: [], memberThrough: ["ops_team"] });
    await connector.apply(action, grantFor(action, plan), callContext());
    const verified = await connector.verify(action, callContext());

    expect(verified.verified).toBe(true);
    expect(verified.detail).toContain(`pg_has_role still reports membership through "ops_team"`);
  });

  test("drift between plan and apply changes the hash and stops apply", async () => {
    const oid = await domain.createManagedRole("svc_member_drift", "pw-member-drift");
    await domain.admin("GRANT db_admin TO svc_member_drift GRANTED BY cordon_connector");
    const action = actionFor("remove_entitlement", oid, { entitlement: "db_admin" });
    const approved = await connector.plan(action, callContext());

    await domain.admin("GRANT db_admin TO svc_member_drift WITH ADMIN TRUE GRANTED BY cordon_connector");
    const replanned = await connector.plan(action, callContext());
    expect(replanned.hash).not.toBe(approved.hash);

    const error = await rejection(connector.apply(action, grantFor(action, approved), callContext()));
    expect(error.message).toContain("the target changed since the plan was approved");
    expect(await memberships("svc_member_drift", "db_admin")).toHaveLength(1);
  });

  test("plan without a direct membership changes nothing", async () => {
    const oid = await domain.createManagedRole("svc_member_none", "pw-member-none");

    const plan = await connector.plan(actionFor("remove_entitlement", oid, { entitlement: "db_admin" }), callContext());

    expect(plan.diff.objects[0]).toMatchObject({ before: { directMember: false, grants: [] }, after: { directMember: false, grants: [] } });
    expect(plan.changes).toBe(false);
    expect(plan.currentState).toBe(`role "svc_member_none" (OID ${oid}) is not a direct member of "db_admin"`);
  });

  test("plan with only indirect membership names the path", async () => {
    const oid = await domain.createManagedRole("svc_member_only_indirect", "pw-member-only-indirect");
    await domain.admin("CREATE ROLE audit_team NOLOGIN");
    await domain.admin("GRANT db_admin TO audit_team");
    await domain.admin("GRANT audit_team TO svc_member_only_indirect");

    const plan = await connector.plan(actionFor("remove_entitlement", oid, { entitlement: "db_admin" }), callContext());

    expect(plan.changes).toBe(false);
    expect(plan.currentState).toBe(
      `role "svc_member_only_indirect" (OID ${oid}) is not a direct member of "db_admin" (it is still a member through "audit_team", which this action does not change)`,
    );
  });

  test("an unknown role is rejected", async () => {
    const oid = await domain.oidOf("svc_reporting");
    const action = actionFor("remove_entitlement", oid, { entitlement: "no_such_role" });

    const error = await rejection(connector.plan(action, callContext()));

    expect(error.message).toBe(`no role named "no_such_role" exists to revoke membership of`);
  });

  test("an invalid table grant names the syntax problem", async () => {
    const oid = await domain.oidOf("svc_reporting");
    const action = actionFor("remove_entitlement", oid, { entitlement: "SELECT ON TABLE invoices" });

    const error = await rejection(connector.plan(action, callContext()));

    expect(error.message).toContain("expected a schema-qualified table name");
  });

  test("a role named like a table grant is rejected as ambiguous", async () => {
    await domain.admin(`CREATE ROLE "SELECT ON TABLE public.ambiguous" NOLOGIN`);
    const oid = await domain.oidOf("svc_reporting");
    const action = actionFor("remove_entitlement", oid, { entitlement: "SELECT ON TABLE public.ambiguous" });

    const error = await rejection(connector.plan(action, callContext()));

    expect(error.message).toContain("is both a role name and a table grant");
  });
});

describe("remove_entitlement of table privileges", () => {
  beforeAll(async () => {
    await domain.admin("CREATE ROLE ledger_owner NOLOGIN");
    await domain.admin("CREATE TABLE public.ledger (id int)");
    await domain.admin("ALTER TABLE public.ledger OWNER TO ledger_owner");
    // The optional privilege describeCredentials lists for table grants: the owner's privileges.
    await domain.admin("GRANT ledger_owner TO cordon_connector WITH INHERIT TRUE, SET FALSE");
  });

  async function tablePrivileges(role: string): Promise<string[]> {
    const { rows } = await domain.admin<{ privilege: string }>(
      `SELECT a.privilege_type || CASE WHEN a.is_grantable THEN '*' ELSE '' END AS privilege
         FROM pg_class c, aclexplode(c.relacl) a
        WHERE c.oid = 'public.ledger'::regclass AND a.grantee = $1::regrole ORDER BY 1`,
      [role],
    );
    return rows.map((row) => row.privilege);
  }

  test("plan, apply, verify, apply again and revert", async () => {
    const oid = await domain.createManagedRole("svc_table_cycle", "pw-table-cycle");
    await domain.admin("GRANT SELECT, UPDATE ON public.ledger TO svc_table_cycle");
    await domain.admin("GRANT INSERT ON public.ledger TO svc_table_cycle WITH GRANT OPTION");
    const action = actionFor("remove_entitlement", oid, { entitlement: "select, insert ON TABLE public.ledger" });

    const plan = await connector.plan(action, callContext());
    expect(plan.changes).toBe(true);
    expect(plan.diff.objects[0]).toMatchObject({
      type: "table_privileges",
      displayName: "svc_table_cycle on public.ledger",
      before: { SELECT: "granted", INSERT: "granted with grant option" },
      after: { SELECT: "not granted", INSERT: "not granted" },
    });

    const applied = await connector.apply(action, grantFor(action, plan), callContext());
    expect(applied.outcome).toBe("applied");
    expect(await tablePrivileges("svc_table_cycle")).toEqual(["UPDATE"]);
    expect((await connector.verify(action, callContext())).verified).toBe(true);
    expect((await connector.apply(action, grantFor(action, plan), callContext())).outcome).toBe("already_in_effect");

    const reverted = await connector.revert(action, plan, callContext());
    expect(reverted.outcome).toBe("applied");
    expect(await tablePrivileges("svc_table_cycle")).toEqual(["INSERT*", "SELECT", "UPDATE"]);
    expect((await connector.verify(action, callContext())).verified).toBe(false);
  });

  test("ALL revokes every privilege the role holds", async () => {
    const oid = await domain.createManagedRole("svc_table_all", "pw-table-all");
    await domain.admin("GRANT SELECT, DELETE ON public.ledger TO svc_table_all");
    const action = actionFor("remove_entitlement", oid, { entitlement: "ALL PRIVILEGES ON TABLE public.ledger" });
    const plan = await connector.plan(action, callContext());

    await connector.apply(action, grantFor(action, plan), callContext());

    expect(await tablePrivileges("svc_table_all")).toEqual([]);
  });

  test.each([
    ["named", "select, insert ON TABLE public.ledger", "has none of SELECT, INSERT"],
    ["all", "ALL PRIVILEGES ON TABLE public.ledger", "has no privilege"],
  ])("plan without %s privileges changes nothing", async (privileges, entitlement, held) => {
    const name = `svc_table_none_${privileges}`;
    const oid = await domain.createManagedRole(name, `pw-${name}`);

    const plan = await connector.plan(actionFor("remove_entitlement", oid, { entitlement }), callContext());

    expect(plan.changes).toBe(false);
    expect(plan.currentState).toBe(`role "${name}" (OID ${oid}) ${held} on "public"."ledger"`);
  });

  test("drift in the table's grants stops apply", async () => {
    const oid = await domain.createManagedRole("svc_table_drift", "pw-table-drift");
    await domain.admin("GRANT SELECT ON public.ledger TO svc_table_drift");
    const action = actionFor("remove_entitlement", oid, { entitlement: "SELECT ON TABLE public.ledger" });
    const approved = await connector.plan(action, callContext());

    await domain.admin("REVOKE SELECT ON public.ledger FROM svc_table_drift");
    await domain.admin("GRANT SELECT ON public.ledger TO svc_table_drift WITH GRANT OPTION");
    const replanned = await connector.plan(action, callContext());
    expect(replanned.hash).not.toBe(approved.hash);

    const error = await rejection(connector.apply(action, grantFor(action, approved), callContext()));
    expect(error.message).toContain("the target changed since the plan was approved");
  });

  test("a table whose owner the connector cannot act as is rejected", async () => {
    const oid = await domain.oidOf("svc_reporting");
    const action = actionFor("remove_entitlement", oid, { entitlement: "SELECT ON TABLE public.invoices" });

    const error = await rejection(connector.plan(action, callContext()));

    expect(error.message).toContain(`only its owner "cordon" can`);
  });
});
