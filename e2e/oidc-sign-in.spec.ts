import fs from "node:fs/promises";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { DEMO_ACCOUNTS_FILE } from "@/lib/console/demo-accounts";
import { createPrismaClient, type PrismaClient } from "@/lib/db/client";
import { DEMO_SSO_NAME } from "@/lib/demo/setup/demo-console-sign-in";
import { demoSecretPath } from "@/lib/demo/setup/demo-files";
import { e2eDatabaseUrl } from "./support/database";
import { fillSignIn } from "./support/sign-in";

/*
 * Console sign-in through OpenID Connect against the demo's real OpenID provider, demo-oauth,
 * which the server Playwright starts runs because no DATABASE_URL and no CORDON_OIDC_ISSUER are
 * set. The browser leaves Cordon for demo-oauth's login form and comes back through next-auth's
 * callback. Each test checks the users table afterwards.
 */

const DATA_DIR = process.env.CORDON_E2E_DATA_DIR ?? "";
/** The first render of a page can take seconds on a fresh server. */
const FIRST_RENDER_TIMEOUT_MS = 30_000;

interface Person {
  email: string;
  password: string;
  displayName: string;
}

interface DemoAccount extends Person {
  roles: string[];
}

let prisma: PrismaClient;
let accounts: DemoAccount[];
let ssoOnlyPeople: Person[];

async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await fs.readFile(file, "utf8")) as T;
}

function accountWithRole(role: string, index = 0): DemoAccount {
  const account = accounts.filter((candidate) => candidate.roles.includes(role))[index];
  if (!account) throw new Error(`${DEMO_ACCOUNTS_FILE} lists no ${role} number ${index + 1}`);
  return account;
}

/** Starts single sign-on from Cordon's sign-in page and signs in at demo-oauth; returns demo-oauth's origin. */
async function signInThroughDemoSso(page: Page, person: Person): Promise<string> {
  await page.goto("/sign-in");
  await page.getByRole("button", { name: `Sign in with ${DEMO_SSO_NAME}` }).click({ timeout: FIRST_RENDER_TIMEOUT_MS });

  await expect(page).toHaveURL(/^http:\/\/127\.0\.0\.1:\d+\/interaction\/[\w-]+$/, { timeout: FIRST_RENDER_TIMEOUT_MS });
  const issuer = new URL(page.url()).origin;
  expect(issuer, "the login form must be demo-oauth's, not Cordon's").not.toBe(new URL(test.info().project.use.baseURL!).origin);
  await fillSignIn(page, person.email, person.password);
  return issuer;
}

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  prisma = createPrismaClient(e2eDatabaseUrl(), { max: 2 });
  accounts = await readJson<DemoAccount[]>(path.join(DATA_DIR, DEMO_ACCOUNTS_FILE));
  ssoOnlyPeople = await readJson<Person[]>(demoSecretPath(DATA_DIR, "ssoOnlyPeople"));
});

test.afterAll(async () => {
  await prisma?.$disconnect();
});

test("approver signs in through Demo SSO", async ({ page }) => {
  const approver = accountWithRole("approver");
  const local = await prisma.user.findUniqueOrThrow({ where: { email: approver.email } });

  await test.step("give the local account another role and no linked identity", async () => {
    // A role the groups claim does not grant, so the check below shows the claim replacing it.
    await prisma.user.update({ where: { id: local.id }, data: { roles: ["analyst"], oidcSubject: null } });
  });

  const issuer = await test.step("sign in at demo-oauth", async () => {
    return signInThroughDemoSso(page, approver);
  });

  await test.step("land in the console as the approver", async () => {
    await expect(page.getByRole("heading", { name: "Approval queue" })).toBeVisible({ timeout: FIRST_RENDER_TIMEOUT_MS });
    expect(new URL(page.url()).origin).toBe(new URL(test.info().project.use.baseURL!).origin);
    const header = page.getByRole("banner");
    await expect(header).toContainText(approver.displayName);
    await expect(header.getByText(/^Roles:\s*approver$/)).toBeVisible();
  });

  await test.step("users row is linked, with roles from the groups claim", async () => {
    const user = await prisma.user.findUniqueOrThrow({ where: { email: approver.email } });
    expect(user.id).toBe(local.id);
    expect(user.oidcSubject).toBe(`${issuer}|${approver.email}`);
    expect(user.roles).toEqual(["approver"]);
    expect(user.passwordHash).toBe(local.passwordHash);
    expect(user.lastSignInAt?.getTime()).toBeGreaterThan(Date.now() - 5 * 60_000);

    const linked = await prisma.auditEvent.count({ where: { eventType: "user.oidc_linked", actorId: local.id } });
    expect(linked).toBeGreaterThanOrEqual(1);
  });
});

test("person without a Cordon role is rejected", async ({ page }) => {
  const person = ssoOnlyPeople[0];
  if (!person) throw new Error("the demo lists no SSO-only person");

  await test.step("sign-in page does not list the person as a demo account", async () => {
    await page.goto("/sign-in");
    await expect(page.getByRole("region", { name: "Demo accounts" })).toBeVisible({ timeout: FIRST_RENDER_TIMEOUT_MS });
    await expect(page.getByText(person.email)).toHaveCount(0);
  });

  await test.step("sign in at demo-oauth", async () => {
    await signInThroughDemoSso(page, person);
  });

  await test.step("back on Cordon's sign-in page with the reason", async () => {
    await expect(page).toHaveURL(/\/sign-in\?error=OidcNoRole$/, { timeout: FIRST_RENDER_TIMEOUT_MS });
    await expect(page.getByRole("alert").filter({ hasText: "Sign-in failed" })).toContainText("no group that has a Cordon role");
  });

  await test.step("no account exists and no session was created", async () => {
    expect(await prisma.user.findUnique({ where: { email: person.email } })).toBeNull();
    await page.goto("/");
    await expect(page).toHaveURL(/\/sign-in/);
  });
});

test("disabled account is rejected", async ({ page }) => {
  const approver = accountWithRole("approver", 1);
  const user = await prisma.user.findUniqueOrThrow({ where: { email: approver.email } });
  await prisma.user.update({ where: { id: user.id }, data: { disabled: true } });

  try {
    await signInThroughDemoSso(page, approver);

    await expect(page).toHaveURL(/\/sign-in\?error=OidcAccountDisabled$/, { timeout: FIRST_RENDER_TIMEOUT_MS });
    await expect(page.getByRole("alert").filter({ hasText: "Sign-in failed" })).toContainText("Your Cordon account is disabled");
    const after = await prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(after.lastSignInAt).toEqual(user.lastSignInAt);
    expect(after.oidcSubject).toBe(user.oidcSubject);
  } finally {
    await prisma.user.update({ where: { id: user.id }, data: { disabled: false } });
  }
});
