import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { demoCredentialRef } from "./demo-files";
import { isDemoEnabled } from "./demo-mode";
import { DEMO_DOMAINS } from "./demo-names";

const DATA_DIR = "/var/lib/cordon-demo-mode-test";
const EXTERNAL_URL = "postgresql://cordon:secret@db.internal:5432/cordon";

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

beforeEach(async () => {
  await db.prisma.domain.deleteMany();
});

async function addDomain(name: string, credentialRef: string): Promise<void> {
  await db.prisma.domain.create({ data: { name, kind: "scim", settings: {}, credentialRef } });
}

describe("isDemoEnabled", () => {
  const cases = [
    { mode: "on", databaseUrl: EXTERNAL_URL, expected: true },
    { mode: "off", databaseUrl: undefined, expected: false },
    { mode: "auto", databaseUrl: undefined, expected: true },
    { mode: "auto", databaseUrl: EXTERNAL_URL, expected: false },
  ] as const;

  for (const { mode, databaseUrl, expected } of cases) {
    test(`isDemoEnabled is ${expected} for ${mode} ${databaseUrl ? "with" : "without"} DATABASE_URL`, async () => {
      expect(await isDemoEnabled({ demo: mode, databaseUrl, dataDir: DATA_DIR }, db.prisma)).toBe(expected);
    });
  }

  test("isDemoEnabled auto keeps running beside the demo's own domains", async () => {
    await addDomain(DEMO_DOMAINS.scim, demoCredentialRef(DATA_DIR, "scimBearerToken"));

    expect(await isDemoEnabled({ demo: "auto", databaseUrl: undefined, dataDir: DATA_DIR }, db.prisma)).toBe(true);
  });

  test("isDemoEnabled auto stops once an operator adds a domain", async () => {
    await addDomain(DEMO_DOMAINS.scim, demoCredentialRef(DATA_DIR, "scimBearerToken"));
    await addDomain("corp-okta", "env:OKTA_TOKEN");

    expect(await isDemoEnabled({ demo: "auto", databaseUrl: undefined, dataDir: DATA_DIR }, db.prisma)).toBe(false);
  });

  test("isDemoEnabled auto treats a demo name with another credential as an operator's domain", async () => {
    await addDomain(DEMO_DOMAINS.scim, "file:/run/secrets/scim-token");

    expect(await isDemoEnabled({ demo: "auto", databaseUrl: undefined, dataDir: DATA_DIR }, db.prisma)).toBe(false);
  });

  test("isDemoEnabled on ignores operator domains", async () => {
    await addDomain("corp-okta", "env:OKTA_TOKEN");

    expect(await isDemoEnabled({ demo: "on", databaseUrl: undefined, dataDir: DATA_DIR }, db.prisma)).toBe(true);
  });
});
