import type { TestProject } from "vitest/node";
import { startCordonServer } from "./cordon-server";

declare module "vitest" {
  export interface ProvidedContext {
    /** `http://127.0.0.1:<port>` of the production server the API tests run against. */
    cordonBaseUrl: string;
    /** That server's embedded PostgreSQL, for seeding. */
    cordonDatabaseUrl: string;
  }
}

/**
 * Starts one production Cordon server (`node scripts/start.mjs`, which runs `next build` first
 * when the build is stale) for every API test file of the run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startCordonServer();
  project.provide("cordonBaseUrl", server.baseUrl);
  project.provide("cordonDatabaseUrl", server.databaseUrl);
  return async () => {
    await server.stop();
  };
}
