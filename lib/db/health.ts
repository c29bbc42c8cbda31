import { projectPath } from "@/lib/config/root";
import pg from "pg";
import { migrationStatus } from "./migrate";

export interface HealthReport {
  status: "ok" | "unavailable";
  database: "ok" | "unreachable";
  migrations: "current" | "pending" | "failed" | "unknown";
}

/** Checks that the database answers and that every migration in the project is applied. */
export async function checkHealth(databaseUrl: string | undefined, migrationsDir = projectPath("prisma", "migrations")): Promise<HealthReport> {
  if (!databaseUrl) return { status: "unavailable", database: "unreachable", migrations: "unknown" };
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 2000, statement_timeout: 2000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch {
    return { status: "unavailable", database: "unreachable", migrations: "unknown" };
  } finally {
    await client.end().catch(() => undefined);
  }

  try {
    const status = await migrationStatus({ databaseUrl, migrationsDir });
    const migrations = status.failed.length > 0 ? "failed" : status.pending.length > 0 ? "pending" : "current";
    return { status: migrations === "current" ? "ok" : "unavailable", database: "ok", migrations };
  } catch {
    return { status: "unavailable", database: "ok", migrations: "unknown" };
  }
}
