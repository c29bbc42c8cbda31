import type { Command } from "commander";
import { migrate, migrationStatus } from "@/lib/db/migrate";
import { MIGRATIONS_DIR, cliLogger, loadConfig, openCliDatabase } from "../context";
import { printJson, type OutputOptions } from "../output";

export function registerDbCommands(program: Command): void {
  const db = program.command("db").description("database migrations");

  db.command("migrate")
    .description("apply pending migrations from prisma/migrations")
    .option("--json", "print the result as JSON")
    .action(async (options: OutputOptions) => {
      const config = loadConfig();
      const logger = cliLogger(config);
      const database = await openCliDatabase(config, logger);
      try {
        const result = await migrate({ databaseUrl: database.url, migrationsDir: MIGRATIONS_DIR, logger });
        if (options.json) return printJson({ applied: result.applied });
        if (result.applied.length === 0) console.log("No pending migrations.");
        for (const name of result.applied) console.log(`Applied ${name}`);
      } finally {
        await database.close();
      }
    });

  db.command("status")
    .description("list applied, pending and failed migrations")
    .option("--json", "print the result as JSON")
    .action(async (options: OutputOptions) => {
      const config = loadConfig();
      const logger = cliLogger(config);
      const database = await openCliDatabase(config, logger);
      try {
        const status = await migrationStatus({ databaseUrl: database.url, migrationsDir: MIGRATIONS_DIR });
        if (options.json) return printJson(status);
        for (const migration of status.applied) console.log(`applied  ${migration.name}  ${migration.finishedAt?.toISOString() ?? ""}`);
        for (const name of status.pending) console.log(`pending  ${name}`);
        for (const name of status.failed) console.log(`failed   ${name}`);
        if (status.pending.length === 0 && status.failed.length === 0) console.log("Database schema is up to date.");
        if (status.failed.length > 0) process.exitCode = 1;
      } finally {
        await database.close();
      }
    });
}
