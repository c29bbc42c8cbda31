import { defineConfig } from "prisma/config";

// The datasource URL is not needed for `prisma generate`; migrations are applied by
// lib/db/migrate.ts through the WebAssembly schema engine, not by the Prisma CLI.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
});
