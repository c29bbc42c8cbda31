import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { createDomain } from "@/tests/support/factories";
import { isUniqueViolation, jsonTime, pooledSql, sqlJson, sqlOf, sqlTime, sqlTransaction } from "./sql";

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database.drop();
});

const originalZone = process.env.TZ;
afterEach(() => {
  process.env.TZ = originalZone;
});

const INSTANT = new Date("2026-03-29T01:30:00.123Z");

describe("sqlTime and the timestamp parser", () => {
  test.each(["UTC", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"])("round-trip an instant with the process in %s", async (zone) => {
    process.env.TZ = zone;
    const sql = pooledSql(database.prisma);

    const [row] = await sql.query<{ value: Date; text: string }>("SELECT $1::timestamp(3) AS value, $1::timestamp(3)::text AS text", [sqlTime(INSTANT)]);

    expect(row?.value.toISOString()).toBe(INSTANT.toISOString());
    expect(row?.text).toBe("2026-03-29 01:30:00.123");
  });

  test("Prisma and plain SQL read the same instant", async () => {
    process.env.TZ = "America/New_York";
    const text = "SELECT $1::timestamp(3) AS value";

    const [plain] = await pooledSql(database.prisma).query<{ value: Date }>(text, [sqlTime(INSTANT)]);
    const [viaPrisma] = await database.prisma.$transaction((tx) => sqlOf(tx).query<{ value: Date }>(text, [sqlTime(INSTANT)]));

    expect(plain?.value.toISOString()).toBe(INSTANT.toISOString());
    expect(viaPrisma?.value.toISOString()).toBe(INSTANT.toISOString());
  });

  test("jsonTime reads a timestamp written into JSON", async () => {
    const [row] = await pooledSql(database.prisma).query<{ document: { at: string } }>("SELECT json_build_object('at', $1::timestamp(3)) AS document", [sqlTime(INSTANT)]);

    expect(jsonTime(row!.document.at).toISOString()).toBe(INSTANT.toISOString());
    expect(jsonTime(null)).toBeNull();
  });
});

describe("parameters", () => {
  test("sqlJson keeps nested values and JSON null", async () => {
    const value = { text: "a\u2028b\"c", list: [1, null, { deep: true }] };
    const [row] = await pooledSql(database.prisma).query<{ document: unknown; empty: unknown }>("SELECT $1::jsonb AS document, $2::jsonb AS empty", [sqlJson(value), sqlJson(null)]);

    expect(row?.document).toEqual(value);
    expect(row?.empty).toBeNull();
  });

  test("text arrays keep commas, quotes, braces and nulls", async () => {
    const values = ["a,b", 'say "hi"', "{braces}", "back\\slash", null];
    const [plain] = await pooledSql(database.prisma).query<{ items: (string | null)[] }>("SELECT $1::text[] AS items", [values]);
    const [viaPrisma] = await database.prisma.$transaction((tx) => sqlOf(tx).query<{ items: (string | null)[] }>("SELECT $1::text[] AS items", [values]));

    expect(plain?.items).toEqual(values);
    expect(viaPrisma?.items).toEqual(values);
  });
});

describe("sqlTransaction", () => {
  test("commits what the work wrote", async () => {
    const name = `sql-commit-${Date.now()}`;

    await sqlTransaction(database.prisma, (tx) =>
      tx.query(`INSERT INTO domains (id, name, kind, settings, "credentialRef", "updatedAt") VALUES (gen_random_uuid(), $1, 'scim', '{}', 'env:X', now())`, [name]),
    );

    const { rows } = await database.query("SELECT name FROM domains WHERE name = $1", [name]);
    expect(rows).toHaveLength(1);
  });

  test("rolls back everything when the work throws", async () => {
    const name = `sql-rollback-${Date.now()}`;

    const failing = sqlTransaction(database.prisma, async (tx) => {
      await tx.query(`INSERT INTO domains (id, name, kind, settings, "credentialRef", "updatedAt") VALUES (gen_random_uuid(), $1, 'scim', '{}', 'env:X', now())`, [name]);
      throw new Error("work failed after the insert");
    });

    await expect(failing).rejects.toThrow("work failed after the insert");
    const { rows } = await database.query("SELECT name FROM domains WHERE name = $1", [name]);
    expect(rows).toHaveLength(0);
  });

  test("returns the connection to the pool after a failed statement", async () => {
    // A pool of 10: more failures than connections would hang if one leaked.
    for (let attempt = 0; attempt < 12; attempt += 1) {
      await expect(sqlTransaction(database.prisma, (tx) => tx.query("SELECT 1 / 0"))).rejects.toThrow(/division by zero/);
    }

    const [row] = await pooledSql(database.prisma).query<{ one: number }>("SELECT 1 AS one");
    expect(row?.one).toBe(1);
  });
});

describe("isUniqueViolation", () => {
  test("recognises the error from every driver path", async () => {
    const domain = await createDomain(database.prisma);

    const plain = await pooledSql(database.prisma)
      .query(`INSERT INTO domains (id, name, kind, settings, "credentialRef", "updatedAt") VALUES (gen_random_uuid(), $1, 'scim', '{}', 'env:X', now())`, [domain.name])
      .catch((error: unknown) => error);
    const viaPrisma = await database.prisma.domain.create({ data: { name: domain.name, kind: "scim", settings: {}, credentialRef: "env:X" } }).catch((error: unknown) => error);

    const viaPrismaRaw = await database.prisma
      .$transaction((tx) =>
        sqlOf(tx).query(`INSERT INTO domains (id, name, kind, settings, "credentialRef", "updatedAt") VALUES (gen_random_uuid(), $1, 'scim', '{}', 'env:X', now())`, [domain.name]),
      )
      .catch((error: unknown) => error);

    expect(isUniqueViolation(plain)).toBe(true);
    expect(isUniqueViolation(viaPrisma)).toBe(true);
    expect(isUniqueViolation(viaPrismaRaw)).toBe(true);
    expect(isUniqueViolation(new Error("other"))).toBe(false);
    expect(isUniqueViolation(null)).toBe(false);
  });
});
