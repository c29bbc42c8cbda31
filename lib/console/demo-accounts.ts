import fs from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { getConfig } from "@/lib/config";
import { isDemoRunning } from "@/lib/demo/setup/demo-status";
import { logger } from "@/lib/log/logger";

const log = logger.child({ component: "console" });

/** Larger files are not a demo account list; reading them would only waste memory. */
const MAX_FILE_BYTES = 64 * 1024;

// Not .strict(): the demo setup owns this file and may add fields the sign-in page ignores.
const ZDemoAccount = z.object({
  email: z.string().min(3).max(320),
  password: z.string().min(1).max(256),
  roles: z.array(z.enum(["approver", "analyst", "admin"])).max(3),
  displayName: z.string().min(1).max(200),
});
const ZDemoAccounts = z.array(ZDemoAccount).max(20);

export type DemoAccount = z.infer<typeof ZDemoAccount>;

export const DEMO_ACCOUNTS_FILE = "demo-accounts.json";

/**
 * Reads the demo accounts that the demo setup writes to `<dataDir>/demo-accounts.json`, so
 * the sign-in page can list them. Returns an empty list when this process does not run the
 * demo, or when the file is absent,
 * too large or malformed. The passwords are shown on purpose: they belong to throwaway demo
 * accounts, and only the demo setup writes this file.
 */
export async function demoAccounts(dataDir: string = getConfig().dataDir, demoRunning: boolean = isDemoRunning()): Promise<DemoAccount[]> {
  // A data dir keeps the file after the demo is switched off; the passwords are listed only
  // while this process runs the demo.
  if (!demoRunning) return [];
  const file = path.join(dataDir, DEMO_ACCOUNTS_FILE);
  let text: string;
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile() || stat.size > MAX_FILE_BYTES) {
      log.warn({ file, size: stat.size }, "demo account file ignored: not a regular file or larger than 64 KiB");
      return [];
    }
    text = await fs.readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") log.warn({ file, err: error }, "demo account file could not be read");
    return [];
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    log.warn({ file }, "demo account file ignored: invalid JSON");
    return [];
  }
  const result = ZDemoAccounts.safeParse(parsed);
  if (!result.success) {
    log.warn({ file, issues: result.error.issues.length }, "demo account file ignored: unexpected shape");
    return [];
  }
  return result.data;
}
