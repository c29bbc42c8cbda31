import { randomBytes } from "node:crypto";
import path from "node:path";
import { z } from "zod";
import { DEMO_ACCOUNTS_FILE } from "@/lib/console/demo-accounts";
import type { Logger } from "@/lib/log/logger";
import { PERSON_ROLES, type PersonRole } from "@/lib/policy/types";
import { readPrivateFile, writePrivateFile } from "./demo-files";

/** A demo person without a password; the password is generated once per data dir. */
export interface DemoPersonSpec {
  email: string;
  displayName: string;
  roles: PersonRole[];
}

/**
 * The demo's people. Two approvers let an action get two distinct approvals. The analyst reads
 * but cannot decide. The admin owns the demo automation client, so policy never counts the
 * admin as an independent approver of its proposals.
 */
export const DEMO_PEOPLE: readonly DemoPersonSpec[] = [
  { email: "priya.raman@example.com", displayName: "Priya Raman", roles: ["approver"] },
  { email: "jonas.weber@example.com", displayName: "Jonas Weber", roles: ["approver"] },
  { email: "mei.chen@example.com", displayName: "Mei Chen", roles: ["analyst"] },
  { email: "sam.okafor@example.com", displayName: "Sam Okafor", roles: ["admin"] },
];

/** The person who owns the demo automation client: the admin, who is not one of the approvers. */
export const DEMO_AUTOMATION_OWNER = DEMO_PEOPLE[3]!;

const ZDemoAccount = z
  .object({
    email: z.string(),
    password: z.string().min(12).max(256),
    roles: z.array(z.enum(PERSON_ROLES)),
    displayName: z.string(),
  })
  .strict();

export type DemoAccount = z.infer<typeof ZDemoAccount>;

export interface DemoAccounts {
  accounts: DemoAccount[];
  file: string;
  /** True when this call generated the passwords, so existing people must get them too. */
  created: boolean;
}

export function demoAccountsPath(dataDir: string): string {
  return path.join(dataDir, DEMO_ACCOUNTS_FILE);
}

function matchesSpecs(accounts: DemoAccount[]): boolean {
  if (accounts.length !== DEMO_PEOPLE.length) return false;
  return DEMO_PEOPLE.every((spec, index) => accounts[index]?.email === spec.email);
}

async function readAccounts(file: string, logger: Logger): Promise<DemoAccount[] | null> {
  const text = await readPrivateFile(file);
  if (text === null) return null;

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    logger.warn({ file }, "demo account file is not valid JSON; generating new demo passwords");
    return null;
  }
  const result = z.array(ZDemoAccount).safeParse(parsed);
  if (!result.success || !matchesSpecs(result.data)) {
    logger.warn({ file }, "demo account file does not list the demo people; generating new demo passwords");
    return null;
  }
  return result.data;
}

/**
 * Returns the demo people with their passwords from `<dataDir>/demo-accounts.json`, creating
 * the file (0600) with new random passwords when it is missing or unreadable. The sign-in page
 * lists this file so that a person can sign in to the demo. The passwords belong to demo
 * accounts only and are never logged.
 */
export async function loadOrCreateDemoAccounts(dataDir: string, logger: Logger): Promise<DemoAccounts> {
  const file = demoAccountsPath(dataDir);
  const existing = await readAccounts(file, logger);
  if (existing) return { accounts: existing, file, created: false };

  const accounts: DemoAccount[] = DEMO_PEOPLE.map((spec) => ({
    email: spec.email,
    // 18 random bytes: 24 base64url characters, above the 12-character minimum of local accounts.
    password: randomBytes(18).toString("base64url"),
    roles: [...spec.roles],
    displayName: spec.displayName,
  }));
  await writePrivateFile(file, `${JSON.stringify(accounts, null, 2)}\n`);
  logger.info({ file, people: accounts.length }, "demo accounts written");
  return { accounts, file, created: true };
}
