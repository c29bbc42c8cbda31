import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { createPrismaClient, type PrismaClient } from "@/lib/db/client";
import { withDatabase } from "@/lib/db/embedded";

export interface TestDatabase {
  url: string;
  prisma: PrismaClient;
  /** Runs SQL as the superuser on this database (to check grants, break things on purpose). */
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<pg.QueryResult<T>>;
  drop(): Promise<void>;
}

/**
 * Creates a fresh database cloned from the run's migrated template, so each test file
 * works on its own data against the real schema, triggers included.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const templateUrl = inject("templateDatabaseUrl");
  const name = `cordon_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: withDatabase(templateUrl, "postgres") });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE cordon_template`);
  await admin.end();

  const url = withDatabase(templateUrl, name);
  const prisma = createPrismaClient(url);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  return {
    url,
    prisma,
    query: (sql, values) => pool.query(sql, values),
    async drop() {
      await prisma.$disconnect();
      await pool.end();
      const cleanup = new pg.Client({ connectionString: withDatabase(templateUrl, "postgres") });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
