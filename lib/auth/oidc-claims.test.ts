import { describe, expect, test } from "vitest";
import { claimsMissingFromIdToken, mergeUserinfoClaims } from "./oidc-claims";

describe("claimsMissingFromIdToken", () => {
  test("claimsMissingFromIdToken lists email and the groups claim", () => {
    expect(claimsMissingFromIdToken({ sub: "a" }, "roles")).toEqual(["email", "roles"]);
  });

  test("claimsMissingFromIdToken returns nothing when both are present", () => {
    expect(claimsMissingFromIdToken({ sub: "a", email: "a@example.com", groups: [] }, "groups")).toEqual([]);
  });
});

describe("mergeUserinfoClaims", () => {
  test("mergeUserinfoClaims adds groups from userinfo", () => {
    const merged = mergeUserinfoClaims({ sub: "a", email: "a@example.com" }, { sub: "a", groups: ["soc"] });

    expect(merged).toEqual({ sub: "a", email: "a@example.com", groups: ["soc"] });
  });

  test("mergeUserinfoClaims keeps the ID token's values", () => {
    const merged = mergeUserinfoClaims({ sub: "a", email: "a@example.com", groups: ["soc"] }, { sub: "a", email: "b@example.com", groups: ["admins"] });

    expect(merged.email).toBe("a@example.com");
    expect(merged.groups).toEqual(["soc"]);
  });

  test("mergeUserinfoClaims rejects another subject", () => {
    expect(() => mergeUserinfoClaims({ sub: "a" }, { sub: "b", groups: ["admins"] })).toThrow(/another subject/);
  });

  test("mergeUserinfoClaims rejects a response without sub", () => {
    expect(() => mergeUserinfoClaims({ sub: "a" }, { groups: ["admins"] })).toThrow(/another subject/);
  });
});
