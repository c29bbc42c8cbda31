import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { readOrCreateSecretFile } from "./secrets";

const created: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "cordon-secrets-"));
  created.push(dir);
  return dir;
}

afterEach(async () => {
  for (const dir of created.splice(0)) await fs.rm(dir, { recursive: true, force: true });
});

describe("readOrCreateSecretFile", () => {
  test("creates a 0600 file and reads it back", async () => {
    const dir = await tempDir();

    const first = await readOrCreateSecretFile(dir, "delivery-key");
    const second = await readOrCreateSecretFile(dir, "delivery-key");

    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(second).toBe(first);
    expect((await fs.stat(path.join(dir, "delivery-key"))).mode & 0o777).toBe(0o600);
  });

  test("gives concurrent callers one value", async () => {
    const dir = await tempDir();

    const values = await Promise.all(Array.from({ length: 20 }, () => readOrCreateSecretFile(dir, "session-secret")));

    expect(new Set(values).size).toBe(1);
    expect((await fs.readFile(path.join(dir, "session-secret"), "utf8")).trim()).toBe(values[0]);
  });

  test("creates a missing data dir", async () => {
    const dir = path.join(await tempDir(), "nested", "data");

    const value = await readOrCreateSecretFile(dir, "session-secret");

    expect((await fs.readFile(path.join(dir, "session-secret"), "utf8")).trim()).toBe(value);
  });

  test("rejects a file that stays empty", async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, "delivery-key"), "", { mode: 0o600 });

    await expect(readOrCreateSecretFile(dir, "delivery-key")).rejects.toThrow(/delivery-key exists but is empty; remove it/);
  });
});
