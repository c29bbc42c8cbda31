import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { DEMO_ACCOUNTS_FILE, demoAccounts } from "./demo-accounts";

let dataDir: string;

beforeEach(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "cordon-demo-accounts-"));
});

afterEach(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
});

const ACCOUNT = { email: "ada@demo.example", password: "correct horse battery", roles: ["approver"], displayName: "Ada Approver" };

describe("demoAccounts", () => {
  test("returns the accounts the demo wrote", async () => {
    await fs.writeFile(path.join(dataDir, DEMO_ACCOUNTS_FILE), JSON.stringify([ACCOUNT, { ...ACCOUNT, email: "sam@demo.example", roles: ["analyst"], createdBy: "demo" }]));

    const accounts = await demoAccounts(dataDir, true);

    expect(accounts).toEqual([ACCOUNT, { ...ACCOUNT, email: "sam@demo.example", roles: ["analyst"] }]);
  });

  test("returns nothing without the file", async () => {
    expect(await demoAccounts(dataDir, true)).toEqual([]);
  });

  test.each([
    ["invalid JSON", "[{"],
    ["an object instead of a list", JSON.stringify(ACCOUNT)],
    ["an unknown role", JSON.stringify([{ ...ACCOUNT, roles: ["root"] }])],
    ["a missing password", JSON.stringify([{ ...ACCOUNT, password: undefined }])],
  ])("returns nothing for %s", async (_case, text) => {
    await fs.writeFile(path.join(dataDir, DEMO_ACCOUNTS_FILE), text);

    expect(await demoAccounts(dataDir, true)).toEqual([]);
  });

  test("ignores a file over 64 KiB", async () => {
    await fs.writeFile(path.join(dataDir, DEMO_ACCOUNTS_FILE), `[${" ".repeat(70 * 1024)}]`);

    expect(await demoAccounts(dataDir, true)).toEqual([]);
  });

  test("ignores a folder in place of the file", async () => {
    await fs.mkdir(path.join(dataDir, DEMO_ACCOUNTS_FILE));

    expect(await demoAccounts(dataDir, true)).toEqual([]);
  });
});

describe("demoAccounts outside demo mode", () => {
  test("lists nothing when this process does not run the demo", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "cordon-demo-off-"));
    await fs.writeFile(path.join(dir, "demo-accounts.json"), JSON.stringify([{ email: "a@example.com", password: "pw", roles: ["approver"], displayName: "A" }]));

    expect(await demoAccounts(dir, false)).toEqual([]);
    expect(await demoAccounts(dir, true)).toHaveLength(1);
    await fs.rm(dir, { recursive: true, force: true });
  });
});
