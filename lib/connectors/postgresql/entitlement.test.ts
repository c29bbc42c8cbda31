import { describe, expect, test } from "vitest";
import { parseEntitlement } from "./entitlement";

describe("parseEntitlement", () => {
  test.each([
    ["db_admin", { kind: "role_membership", roleName: "db_admin" }],
    ["Mixed Case Role", { kind: "role_membership", roleName: "Mixed Case Role" }],
    ["SELECT ON TABLE public.orders", { kind: "table_privileges", privileges: ["SELECT"], schema: "public", table: "orders" }],
    ["select, Update ON TABLE Sales.Orders", { kind: "table_privileges", privileges: ["SELECT", "UPDATE"], schema: "sales", table: "orders" }],
    ['DELETE ON TABLE "My Schema"."Odd ""quoted"" table"', { kind: "table_privileges", privileges: ["DELETE"], schema: "My Schema", table: 'Odd "quoted" table' }],
    ["ALL PRIVILEGES ON TABLE public.orders", { kind: "table_privileges", privileges: null, schema: "public", table: "orders" }],
    ["ALL ON TABLE public.orders", { kind: "table_privileges", privileges: null, schema: "public", table: "orders" }],
    ["SELECT, SELECT ON TABLE public.orders", { kind: "table_privileges", privileges: ["SELECT"], schema: "public", table: "orders" }],
  ])("parseEntitlement reads %j", (text, expected) => {
    expect(parseEntitlement(text)).toEqual(expected);
  });

  test.each([
    ["SELECT ON TABLE orders", "expected a schema-qualified table name"],
    ["SELECT ON TABLE public.orders extra", "expected a schema-qualified table name"],
    ["DROP ON TABLE public.orders", '"DROP" is not a table privilege'],
    ["SELECT ON TABLE public.orders; DROP TABLE x", "expected a schema-qualified table name"],
  ])("parseEntitlement keeps %j as a role name with a grant syntax error", (text, error) => {
    const entitlement = parseEntitlement(text);
    expect(entitlement.kind).toBe("role_membership");
    if (entitlement.kind !== "role_membership") return;
    expect(entitlement.grantSyntaxError).toContain(error);
  });
});
