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

    const accounts = await demoAccounts(dataDir);

    expect(accounts).toEqual([ACCOUNT, { ...ACCOUNT, email: "sam@demo.example", roles: ["analyst"] }]);
  });

  test("returns nothing without the file", async () => {
    expect(await demoAccounts(dataDir)).toEqual([]);
  });

  test.each([
    ["invalid JSON", "[{"],
    ["an object instead of a list", JSON.stringify(ACCOUNT)],
    ["an unknown role", JSON.stringify([{ ...ACCOUNT, roles: ["root"] }])],
    ["a missing password", JSON.stringify([{ ...ACCOUNT, password: undefined }])],
  ])("returns nothing for %s", async (_case, text) => {
    await fs.writeFile(path.join(dataDir, DEMO_ACCOUNTS_FILE), text);

    expect(await demoAccounts(dataDir)).toEqual([]);
  });

  test("ignores a file over 64 KiB", async () => {
    await fs.writeFile(path.join(dataDir, DEMO_ACCOUNTS_FILE), `[${" ".repeat(70 * 1024)}]`);

    expect(await demoAccounts(dataDir)).toEqual([]);
  });

  test("ignores a folder in place of the file", async () => {
    await fs.mkdir(path.join(dataDir, DEMO_ACCOUNTS_FILE));

    expect(await demoAccounts(dataDir)).toEqual([]);
  });
});
