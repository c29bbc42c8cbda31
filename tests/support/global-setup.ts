import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import pino from "pino";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, withDatabase } from "@/lib/db/embedded";
import { migrate } from "@/lib/db/migrate";
import { ensureQueueSchema } from "@/lib/executor/queue-schema";

export const TEMPLATE_DATABASE = "cordon_template";



declare module "vitest" {
  export interface ProvidedContext {
    /** URL of the migrated template database on the run's embedded PostgreSQL. */
    templateDatabaseUrl: string;
  }
}

/**
 * Starts one real PostgreSQL for the whole run, in a temporary folder, and migrates a
 * template database that each test file clones (see tests/support/database.ts).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "cordon-test-"));
  // Code that generates a key file in the data dir (delivery key, audit signing key) writes it
  // here, not into the repository's .cordon. Test workers inherit this environment.
  process.env.CORDON_DATA_DIR ??= path.join(dataDir, "cordon-data");
  const logger = pino({ level: "warn" });
  const server = await startEmbeddedPostgres({ dataDir, logger });

  const teardown = async () => {
    await server.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  };

  try {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE}`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
    await admin.end();

    const templateUrl = withDatabase(server.url, TEMPLATE_DATABASE);
    await migrate({ databaseUrl: templateUrl, migrationsDir: path.resolve(import.meta.dirname, "../../prisma/migrations"), logger });
    // The job queue's schema lives outside Prisma's migrations; approvals queue jobs into it.
    await ensureQueueSchema(templateUrl);
    project.provide("templateDatabaseUrl", templateUrl);
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
