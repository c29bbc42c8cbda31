import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import pg from "pg";
import { EMBEDDED_DATABASE, EMBEDDED_SUPERUSER, embeddedPaths } from "@/lib/db/embedded";
import { demoSecretPath } from "@/lib/demo/setup/demo-files";
import { DEMO_DOMAINS, DEMO_OAUTH_CLIENTS } from "@/lib/demo/setup/demo-names";

/*
 * The demo's main journey, as a person runs it after `npm start` on a fresh data dir. Demo mode
 * is on there because no DATABASE_URL is set. The demo automation's proposals for INC-2041 wait
 * in the queue, an approver approves two of them, Cordon executes them, and the test checks that
 * the domains really changed. Those checks use the secrets the connectors read from
 * <dataDir>/demo-secrets and talk to demo-oauth and PostgreSQL directly, never through Cordon.
 */

const DATA_DIR = process.env.CORDON_E2E_DATA_DIR ?? "";
const SCREENSHOTS = fileURLToPath(new URL("../docs/screenshots/", import.meta.url));
/** A page's first request can take seconds while the server renders it for the first time. */
const FIRST_RENDER_TIMEOUT_MS = 30_000;

interface DemoAccount {
  email: string;
  password: string;
  roles: string[];
  displayName: string;
}

interface ActionState {
  state: string;
  incidentId: string;
  target: { identity: string };
  executions: { operation: string; status: string; verified: boolean | null }[];
}

async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await fs.readFile(file, "utf8")) as T;
}

/** Cordon's embedded database, for reading the demo domains' settings of this start. */
async function cordonDatabase(): Promise<pg.Client> {
  const paths = embeddedPaths(DATA_DIR);
  const { port } = await readJson<{ port: number }>(paths.stateFile);
  const password = (await fs.readFile(paths.passwordFile, "utf8")).trim();
  const client = new pg.Client({ host: "127.0.0.1", port, user: EMBEDDED_SUPERUSER, password, database: EMBEDDED_DATABASE });
  await client.connect();
  return client;
}

async function domainSettings<T>(name: string): Promise<T> {
  const client = await cordonDatabase();
  try {
    const { rows } = await client.query<{ settings: T }>("SELECT settings FROM domains WHERE name = $1", [name]);
    if (!rows[0]) throw new Error(`domain ${name} is not registered`);
    return rows[0].settings;
  } finally {
    await client.end();
  }
}

/** Introspects every token demo-oauth issued to ci-deployer, as Cordon's connector client (RFC 7662). */
async function ciDeployerTokenStates(): Promise<boolean[]> {
  const { issuer, adminUrl, clientId } = await domainSettings<{ issuer: string; adminUrl: string; clientId: string }>(DEMO_DOMAINS.oauth);
  const credential = await readJson<{ clientSecret: string; adminToken: string }>(demoSecretPath(DATA_DIR, "oauthConnector"));
  const admin = { authorization: `Bearer ${credential.adminToken}`, "content-type": "application/json" };

  const listed = (await (await fetch(`${adminUrl}/tokens?client_id=${DEMO_OAUTH_CLIENTS.ciDeployer}&include_revoked=true`, { headers: admin })).json()) as { tokens: { tokenId: string; format: string }[] };
  const tokenIds = listed.tokens.filter((token) => token.format === "opaque").map((token) => token.tokenId);
  const revealed = (await (await fetch(`${adminUrl}/tokens/reveal`, { method: "POST", headers: admin, body: JSON.stringify({ tokenIds }) })).json()) as { tokens: { value: string }[] };

  const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { introspection_endpoint: string };
  const basic = Buffer.from(`${clientId}:${credential.clientSecret}`).toString("base64");
  const states: boolean[] = [];
  for (const token of revealed.tokens) {
    const response = await fetch(discovery.introspection_endpoint, {
      method: "POST",
      headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: token.value }),
    });
    states.push(((await response.json()) as { active: boolean }).active);
  }
  return states;
}

/** Logs in to the demo database as ci_deployer with its demo password and returns "ok" or the SQLSTATE. */
async function ciDeployerLogin(): Promise<string> {
  const { host, port, database } = await domainSettings<{ host: string; port: number; database: string }>(DEMO_DOMAINS.postgres);
  const password = (await fs.readFile(demoSecretPath(DATA_DIR, "ciDeployerPassword"), "utf8")).trim();
  const client = new pg.Client({ host, port, database, user: "ci_deployer", password, connectionTimeoutMillis: 5_000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return "ok";
  } catch (error) {
    return (error as { code?: string }).code ?? "unknown";
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function actionState(request: APIRequestContext, id: string): Promise<ActionState> {
  const response = await request.get(`/api/v1/actions/${id}`);
  expect(response.status()).toBe(200);
  return (await response.json()) as ActionState;
}

async function signIn(page: Page, account: DemoAccount): Promise<void> {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/$/, { timeout: FIRST_RENDER_TIMEOUT_MS });
}

/** Opens an action from the queue by its target's display name and returns its id. */
async function openFromQueue(page: Page, displayName: RegExp): Promise<string> {
  await page.goto("/");
  await page.getByRole("link", { name: displayName }).click();
  await expect(page).toHaveURL(/\/actions\/[0-9a-f-]{36}$/, { timeout: FIRST_RENDER_TIMEOUT_MS });
  return page.url().split("/").at(-1)!;
}

async function approveWithFifteenMinutes(page: Page): Promise<void> {
  const form = page.getByRole("form", { name: "Approve" });
  await form.getByRole("group", { name: "Execution window" }).getByRole("radio", { name: /^15 min/ }).check();
  await form.getByRole("button", { name: "Approve" }).click();
}

/** Waits until the executor finished the action, and returns it. */
async function waitForOutcome(request: APIRequestContext, id: string): Promise<ActionState> {
  await expect
    .poll(async () => (await actionState(request, id)).state, { timeout: 60_000, message: "the action should leave approved and executing" })
    .toMatch(/^(succeeded|failed)$/);
  return actionState(request, id);
}

test("demo proposals approved and executed", async ({ page }) => {
  test.setTimeout(240_000);
  expect(DATA_DIR, "playwright.config.ts sets CORDON_E2E_DATA_DIR").not.toBe("");
  await fs.mkdir(SCREENSHOTS, { recursive: true });

  const accounts = await readJson<DemoAccount[]>(path.join(DATA_DIR, "demo-accounts.json"));
  const approver = accounts.find((account) => account.roles.includes("approver"));
  if (!approver) throw new Error("demo-accounts.json lists no approver");

  await test.step("an approver signs in with a demo account", async () => {
    await page.goto("/sign-in");
    await expect(page.getByRole("region", { name: "Demo accounts" })).toContainText(approver.email);
    await signIn(page, approver);
  });

  await test.step("the demo automation's proposals wait in the queue", async () => {
    await expect(async () => {
      await page.reload();
      await expect(page.getByRole("row").filter({ hasText: "INC-2041" })).toHaveCount(3, { timeout: 2_000 });
    }).toPass({ timeout: 90_000 });
    await page.screenshot({ path: path.join(SCREENSHOTS, "queue.png"), fullPage: true });
  });

  let revokeId = "";
  await test.step("the revoke_token review shows the scope diff", async () => {
    expect((await ciDeployerTokenStates()).filter((active) => active)).toHaveLength(3);

    revokeId = await openFromQueue(page, /ci-deployer \(CI pipeline client\)/);
    const diff = page.getByRole("region", { name: "Scope diff" });
    await expect(diff).toBeVisible();
    await expect(diff.getByRole("table")).toHaveCount(3);
    await page.screenshot({ path: path.join(SCREENSHOTS, "review.png"), fullPage: true });
  });

  await test.step("approving revokes ci-deployer's tokens at demo-oauth", async () => {
    await approveWithFifteenMinutes(page);

    const action = await waitForOutcome(page.request, revokeId);
    expect(action.state).toBe("succeeded");
    expect(action.executions.some((execution) => execution.verified === true)).toBe(true);
    await expect(page.getByRole("region", { name: "Execution" })).toBeVisible();
    expect(await ciDeployerTokenStates()).toEqual([false, false, false]);
  });

  await test.step("approving disable_account stops ci_deployer's logins", async () => {
    expect(await ciDeployerLogin()).toBe("ok");

    const disableId = await openFromQueue(page, /^ci_deployer/);
    await expect(page.getByRole("region", { name: "Scope diff" })).toContainText("ci_deployer");
    await approveWithFifteenMinutes(page);

    const action = await waitForOutcome(page.request, disableId);
    expect(action.state).toBe("succeeded");
    // 28000 (invalid_authorization_specification): the password was right, but the role may not log in.
    expect(await ciDeployerLogin()).toBe("28000");
  });

  await test.step("the incident timeline shows Cordon's and both domains' events", async () => {
    const revoke = await actionState(page.request, revokeId);
    const timeline = await page.request.get(`/api/v1/incidents/${revoke.incidentId}/timeline?limit=200`);
    expect(timeline.status()).toBe(200);
    const sources = new Set(((await timeline.json()) as { items: { source: string }[] }).items.map((item) => item.source));
    expect([...sources]).toEqual(expect.arrayContaining(["cordon", DEMO_DOMAINS.oauth, DEMO_DOMAINS.postgres]));

    await page.goto(`/incidents/${revoke.incidentId}`);
    const main = page.getByRole("main");
    await expect(main).toContainText("CI deploy token leaked");
    await expect(main).toContainText(DEMO_DOMAINS.oauth);
    await expect(main).toContainText(DEMO_DOMAINS.postgres);
    // The first screen shows the incident and the domains' events; the whole timeline is too long for a picture.
    await page.screenshot({ path: path.join(SCREENSHOTS, "timeline.png") });
  });
});
