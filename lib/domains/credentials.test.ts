import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { CredentialUnavailable, MAX_CREDENTIAL_FILE_BYTES, ZCredentialReference, inspectCredentialReference, resolveCredential } from "./credentials";

const SECRET = "pa55-w0rd-for-the-test";
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "cordon-credentials-"));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  delete process.env.CORDON_TEST_CREDENTIAL;
});

async function secretFile(name: string, content: string | Buffer, mode = 0o600): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, content);
  await fs.chmod(file, mode);
  return file;
}

async function failure(reference: string): Promise<CredentialUnavailable> {
  const error = await resolveCredential(reference).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(CredentialUnavailable);
  return error as CredentialUnavailable;
}

describe("resolveCredential from the environment", () => {
  test("returns the variable without its trailing line break", async () => {
    process.env.CORDON_TEST_CREDENTIAL = `${SECRET}\n`;

    expect(await resolveCredential("env:CORDON_TEST_CREDENTIAL")).toBe(SECRET);
  });

  test("keeps inner and leading spaces", async () => {
    process.env.CORDON_TEST_CREDENTIAL = ` ${SECRET} x`;

    expect(await resolveCredential("env:CORDON_TEST_CREDENTIAL")).toBe(` ${SECRET} x`);
  });

  test.each([
    { name: "unset variable", value: undefined, expected: 'credential "env:CORDON_TEST_CREDENTIAL": environment variable CORDON_TEST_CREDENTIAL is not set in the Cordon process' },
    { name: "empty variable", value: "", expected: 'credential "env:CORDON_TEST_CREDENTIAL": environment variable CORDON_TEST_CREDENTIAL is empty' },
    { name: "only a line break", value: "\r\n", expected: 'credential "env:CORDON_TEST_CREDENTIAL": environment variable CORDON_TEST_CREDENTIAL is empty' },
  ])("rejects an $name", async ({ value, expected }) => {
    if (value !== undefined) process.env.CORDON_TEST_CREDENTIAL = value;

    const error = await failure("env:CORDON_TEST_CREDENTIAL");

    expect(error.message).toBe(expected);
  });
});

describe("resolveCredential from a file", () => {
  test("reads a 0600 file and removes the trailing line break", async () => {
    const file = await secretFile("unix", `${SECRET}\n`);
    const windows = await secretFile("windows", `${SECRET}\r\n`);

    expect(await resolveCredential(`file:${file}`)).toBe(SECRET);
    expect(await resolveCredential(`file:${windows}`)).toBe(SECRET);
  });

  test("follows a symbolic link to a 0400 file", async () => {
    const target = await secretFile("target", SECRET, 0o400);
    const link = path.join(dir, "link");
    await fs.symlink(target, link);

    expect(await resolveCredential(`file:${link}`)).toBe(SECRET);
  });

  test.each([0o640, 0o604, 0o644, 0o620, 0o602])("rejects group or other mode %o", async (mode) => {
    const file = await secretFile(`mode-${mode.toString(8)}`, SECRET, mode);

    const error = await failure(`file:${file}`);

    expect(error.message).toBe(`credential "file:${file}": the file is readable or writable by group or others (mode 0${mode.toString(8)}); restrict it with chmod 600 ${file}`);
  });

  test("rejects a missing file", async () => {
    const error = await failure(`file:${dir}/missing`);

    expect(error.message).toBe(`credential "file:${dir}/missing": the file does not exist`);
  });

  test("rejects a directory", async () => {
    const sub = path.join(dir, "a-directory");
    await fs.mkdir(sub, { mode: 0o700 });

    expect((await failure(`file:${sub}`)).message).toContain("the file is not a regular file");
  });

  test("rejects a FIFO without blocking", async () => {
    const fifo = path.join(dir, "fifo");
    execFileSync("mkfifo", ["-m", "600", fifo]);

    expect((await failure(`file:${fifo}`)).message).toContain("the file is not a regular file");
  });

  test.each([
    { name: "empty file", content: "", expected: "the file is empty" },
    { name: "file with only a line break", content: "\n", expected: "the file is empty" },
    { name: "file larger than 64 KiB", content: "x".repeat(MAX_CREDENTIAL_FILE_BYTES + 1), expected: "the file is larger than 64 KiB" },
    { name: "file that is not UTF-8", content: Buffer.from([0x70, 0x77, 0xff, 0xfe]), expected: "the file is not valid UTF-8" },
  ])("rejects an $name", async ({ name, content, expected }) => {
    const file = await secretFile(name.replaceAll(" ", "-"), content);

    expect((await failure(`file:${file}`)).message).toBe(`credential "file:${file}": ${expected}`);
  });

  test("never puts the secret in an error message", async () => {
    const wide = await secretFile("wide", SECRET, 0o644);
    const binary = await secretFile("binary", Buffer.concat([Buffer.from(SECRET), Buffer.from([0xff])]));
    process.env.CORDON_TEST_CREDENTIAL = "";

    for (const reference of [`file:${wide}`, `file:${binary}`, "env:CORDON_TEST_CREDENTIAL", `file:${dir}/missing`]) {
      const error = await failure(reference);
      expect(error.message).not.toContain(SECRET);
      expect(String(error.stack)).not.toContain(SECRET);
    }
  });
});

describe("resolveCredential references", () => {
  test.each([
    { reference: "vault:kv/pg", expected: "must be env:NAME or file:/absolute/path" },
    { reference: "env:", expected: "must be env:NAME" },
    { reference: "env:MY-VAR", expected: "must be env:NAME" },
    { reference: "env:DATABASE_URL", expected: "must not name DATABASE_URL" },
    { reference: "env:CORDON_OIDC_CLIENT_SECRET", expected: "must not name CORDON_OIDC_CLIENT_SECRET" },
    { reference: "file:relative/path", expected: "absolute path" },
    { reference: "file:/run//secret", expected: "normalised path" },
    { reference: "file:/run/./secret", expected: "normalised path" },
    { reference: "file:/run/secrets/", expected: "normalised path" },
    { reference: "file:/run/\u202esecret", expected: "without control, format or line separator characters" },
  ])("rejects $reference", async ({ reference, expected }) => {
    const error = await failure(reference);

    expect(error.message).toContain(expected);
    expect(error.message).not.toMatch(/[\n\u202e]/);
  });

  test("parses both forms", () => {
    expect(ZCredentialReference.parse("env:SCIM_TOKEN")).toEqual({ source: "env", name: "SCIM_TOKEN" });
    expect(ZCredentialReference.parse("file:/run/secrets/scim")).toEqual({ source: "file", path: "/run/secrets/scim" });
  });
});

describe("inspectCredentialReference", () => {
  test("warns about a wide mode and a missing variable without reading", async () => {
    const file = await secretFile("inspect-wide", SECRET, 0o644);

    expect(await inspectCredentialReference({ source: "file", path: file })).toEqual([
      `credential file ${file} is readable or writable by group or others (mode 0644); restrict it with chmod 600 ${file}; the server will refuse to read it`,
    ]);
    expect(await inspectCredentialReference({ source: "env", name: "CORDON_TEST_CREDENTIAL" })).toEqual([
      "environment variable CORDON_TEST_CREDENTIAL is not set here; the Cordon server process must have it",
    ]);
  });

  test("returns no warning for a readable 0600 file", async () => {
    const file = await secretFile("inspect-ok", SECRET);

    expect(await inspectCredentialReference({ source: "file", path: file })).toEqual([]);
  });
});
