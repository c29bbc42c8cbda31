import fs from "node:fs";
import path from "node:path";

/** URL of a database on the e2e server's embedded PostgreSQL, from the files start-up keeps in its data dir. */
export function e2eDatabaseUrl(database = "cordon"): string {
  const dataDir = process.env.CORDON_E2E_DATA_DIR;
  if (!dataDir) throw new Error("CORDON_E2E_DATA_DIR is not set; run these tests through `npx playwright test`");
  const password = fs.readFileSync(path.join(dataDir, "db-password"), "utf8").trim();
  const { port } = JSON.parse(fs.readFileSync(path.join(dataDir, "db.json"), "utf8")) as { port: number };
  return `postgresql://cordon:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}
