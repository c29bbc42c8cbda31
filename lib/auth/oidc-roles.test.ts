import { describe, expect, test } from "vitest";
import { parseRoleMap, rolesForGroups } from "./oidc-roles";

describe("parseRoleMap", () => {
  test("parseRoleMap reads group=role pairs", () => {
    const map = parseRoleMap(" sec-oncall = approver ,soc=analyst,iam-admins=admin");

    expect([...map.entries()]).toEqual([
      ["sec-oncall", ["approver"]],
      ["soc", ["analyst"]],
      ["iam-admins", ["admin"]],
    ]);
  });

  test("parseRoleMap gives one group several roles", () => {
    expect(parseRoleMap("leads=approver,leads=admin").get("leads")).toEqual(["approver", "admin"]);
  });

  test("parseRoleMap skips empty pairs", () => {
    expect(parseRoleMap(",soc=analyst,,").size).toBe(1);
  });

  test.each([
    ["unknown role", "soc=owner"],
    ["missing role", "soc="],
    ["missing group", "=approver"],
    ["no equals sign", "soc"],
  ])("parseRoleMap rejects %s", (_case, text) => {
    expect(() => parseRoleMap(text)).toThrow(/invalid role mapping/);
  });
});

describe("rolesForGroups", () => {
  const map = parseRoleMap("cordon-approvers=approver,cordon-analysts=analyst,leads=approver,leads=admin");

  test("rolesForGroups maps a list of groups", () => {
    expect(rolesForGroups(["cordon-analysts", "cordon-approvers"], map)).toEqual(["analyst", "approver"]);
  });

  test("rolesForGroups removes duplicate roles", () => {
    expect(rolesForGroups(["cordon-approvers", "leads"], map)).toEqual(["admin", "approver"]);
  });

  test("rolesForGroups accepts a single group string", () => {
    expect(rolesForGroups("cordon-analysts", map)).toEqual(["analyst"]);
  });

  test("rolesForGroups ignores unknown groups", () => {
    expect(rolesForGroups(["contractors", "Cordon-Approvers"], map)).toEqual([]);
  });

  test.each([
    ["missing claim", undefined],
    ["null", null],
    ["number", 7],
    ["object", { "cordon-approvers": true }],
  ])("rolesForGroups grants nothing for %s", (_case, groups) => {
    expect(rolesForGroups(groups, map)).toEqual([]);
  });

  test("rolesForGroups skips entries that are not strings", () => {
    expect(rolesForGroups([1, null, ["cordon-approvers"], "cordon-analysts"], map)).toEqual(["analyst"]);
  });
});
