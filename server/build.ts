import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import type { Logger } from "@/lib/log/logger";

const SOURCES = ["app", "components", "lib", "public", "policies", "next.config.js", "package-lock.json", "postcss.config.mjs", "instrumentation.ts", "proxy.ts"];
const IGNORED = new Set(["node_modules", "generated", ".next"]);

async function newestMtime(entry: string): Promise<number> {
  let stat;
  try {
    stat = await fs.stat(entry);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const child of await fs.readdir(entry)) {
    if (IGNORED.has(child) || child.endsWith(".test.ts")) continue;
    newest = Math.max(newest, await newestMtime(path.join(entry, child)));
  }
  return newest;
}

/** True when there is no production build, or a source file changed after it was made. */
export async function buildIsStale(root: string): Promise<boolean> {
  let built: number;
  try {
    built = (await fs.stat(path.join(root, ".next", "BUILD_ID"))).mtimeMs;
  } catch {
    return true;
  }
  for (const source of SOURCES) {
    if ((await newestMtime(path.join(root, source))) > built) return true;
  }
  return false;
}

/** Runs `next build` when the production build is missing or older than the sources. */
export async function buildIfNeeded(root: string, logger: Logger): Promise<void> {
  if (!(await buildIsStale(root))) return;
  const log = logger.child({ component: "build" });
  log.info("building the console (next build); this takes a minute on the first start");
  const require = createRequire(import.meta.url);
  const nextBin = path.join(path.dirname(require.resolve("next/package.json")), "dist", "bin", "next");
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [nextBin, "build"], { cwd: root, stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`next build exited with ${code}`))));
  });
  log.info("build finished");
}
