import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import pg from "pg";
import { recordApproval } from "@/lib/actions/record-approval";
import { ZApprovalBody } from "@/lib/actions/schemas";
import { generateApiKey } from "@/lib/auth/api-key";
import { hashPassword } from "@/lib/auth/password";
import { DEMO_ACCOUNTS_FILE } from "@/lib/console/demo-accounts";
import { createPrismaClient, type PrismaClient, type User, type WorkloadClient } from "@/lib/db/client";
import { systemClock } from "@/lib/time/clock";
import { person, serviceContext } from "@/tests/support/factories";
import { expectNoSeriousAxeViolations } from "./support/axe";
import { e2eDatabaseUrl } from "./support/database";
import { createPostgresRunDomain, type PostgresRunDomain } from "./support/postgres-domain";
import { proposeInProcess, proposeThroughApi } from "./support/propose";
import { signIn } from "./support/sign-in";

// Decisions that need more than one click, against the server Playwright starts. The journeys
// cover a critical action that needs two distinct approvers, an action whose Decision deadline
// passes, the one-time reveal of a rotated password, and the demo accounts on the sign-in page.
// Kinds that no connector supports are proposed in process without a planner, on a domain with
// empty settings, so the executor fails them without contacting anything. The rotation runs
// through the real PostgreSQL connector on a domain this run creates.

const RUN = randomBytes(4).toString("hex");
const PASSWORD = `e2e-password-${RUN}`;

interface Seeded {
  prisma: PrismaClient;
  api: APIRequestContext;
  apiKey: string;
  client: WorkloadClient;
  incidentId: string;
  first: User;
  second: User;
  /** Domain without a connector configuration, for kinds that no connector here executes. */
  stubDomain: string;
  /** This run's PostgreSQL domain, for the rotation. */
  postgresDomain: string;
  runDomain: PostgresRunDomain<"rotate">;
}

let seeded: Seeded;

function policyRegion(page: Page) {
  return page.getByRole("region", { name: "Policy decision", exact: true });
}

function approveButton(page: Page) {
  return page.getByRole("button", { name: "Approve", exact: true });
}

/** Ends the current session through the header button and signs in as `email`, landing on `target`. */
async function switchPerson(page: Page, email: string, target: string): Promise<void> {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  await signIn(page, email, PASSWORD, target);
}

async function approvalRows(actionId: string) {
  return seeded.prisma.approval.findMany({ where: { actionId }, orderBy: { createdAt: "asc" } });
}

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ playwright }, testInfo) => {
  const prisma = createPrismaClient(e2eDatabaseUrl(), { max: 2 });
  const passwordHash = await hashPassword(PASSWORD);
  const first = await prisma.user.create({ data: { email: `dec-first-${RUN}@example.com`, displayName: `Fay First ${RUN}`, roles: ["approver"], passwordHash } });
  const second = await prisma.user.create({ data: { email: `dec-second-${RUN}@example.com`, displayName: `Sol Second ${RUN}`, roles: ["approver"], passwordHash } });

  const stubDomain = `e2e-dec-stub-${RUN}`;
  await prisma.domain.create({ data: { name: stubDomain, kind: "postgresql", settings: {}, credentialRef: "env:E2E_DECISIONS_UNUSED" } });
  const runDomain = await createPostgresRunDomain(`e2e_dec_${RUN}`, { rotate: "app" });
  const postgresDomain = `e2e-dec-pg-${RUN}`;
  await prisma.domain.create({ data: { name: postgresDomain, kind: "postgresql", settings: runDomain.settings, credentialRef: `file:${runDomain.credentialFile}` } });

  const client = await prisma.workloadClient.create({
    data: {
      name: `e2e-dec-soar-${RUN}`,
      ownerEmail: `dec-owner-${RUN}@example.com`,
      allowedKinds: ["disable_account", "rotate_credential", "quarantine_workload"],
      allowedDomains: [stubDomain, postgresDomain],
      rateLimitPerMinute: 600,
    },
  });
  const key = generateApiKey();
  await prisma.apiKey.create({ data: { id: key.id, clientId: client.id, secretHash: key.secretHash } });
  const incident = await prisma.incident.create({
    data: { externalId: `INC-D-${RUN}`, title: `Payments worker compromised ${RUN}`, severity: "critical", summary: "A payments worker opened connections to an unknown host." },
  });
  const api = await playwright.request.newContext({ baseURL: testInfo.project.use.baseURL });

  seeded = { prisma, api, apiKey: key.token, client, incidentId: incident.id, first, second, stubDomain, postgresDomain, runDomain };
});

test.afterAll(async () => {
  await seeded?.api.dispose();
  await seeded?.prisma.$disconnect();
  seeded?.runDomain.removeCredential();
});

test("critical action needs a second, different approver", async ({ page }) => {
  const actionId = await proposeInProcess(seeded.prisma, seeded.client, {
    kind: "quarantine_workload",
    incidentId: seeded.incidentId,
    parameters: { reason: "Unknown outbound connections." },
    justification: "The worker opened connections to an unknown host.",
    target: { domain: seeded.stubDomain, identity: `wl-${RUN}`, displayName: `payments_worker_${RUN}` },
  });
  const target = `/actions/${actionId}`;

  await test.step("the proposal is pending and needs two approvals", async () => {
    const action = await seeded.prisma.action.findUniqueOrThrow({ where: { id: actionId } });
    expect(action.state).toBe("pending");
    expect(action.risk).toBe("critical");
    expect(action.requiredApprovals).toBe(2);
  });

  await test.step("the first approver sees 0 of 2 and approves", async () => {
    await signIn(page, seeded.first.email, PASSWORD, target);
    await expect(page.getByRole("heading", { level: 1 })).toContainText(`Quarantine workload: payments_worker_${RUN}`);
    await expect(policyRegion(page)).toContainText("0 of 2");
    await expect(policyRegion(page)).toContainText("critical-proposal-needs-two-approvers");
    await expectNoSeriousAxeViolations(page);
    await approveButton(page).click();
    await expect(page.getByRole("status").filter({ hasText: "You approved this action" })).toBeVisible();
  });

  await test.step("the page shows 1 of 2 and the action stays pending", async () => {
    await expect(policyRegion(page)).toContainText("1 of 2, 1 more needed from distinct approvers");
    await expect(page.getByText("You already approved this action. It needs 1 more approval from other approvers.")).toBeVisible();
    await expect(approveButton(page)).toHaveCount(0);
    await expect(page.getByText(/^State: Pending$/)).toBeVisible();

    const approvals = await approvalRows(actionId);
    expect(approvals.map((approval) => [approval.approverId, approval.decision])).toEqual([[seeded.first.id, "approve"]]);
    const action = await seeded.prisma.action.findUniqueOrThrow({ where: { id: actionId } });
    expect(action.state).toBe("pending");
    expect(await seeded.prisma.grant.count({ where: { actionId } })).toBe(0);
  });

  await test.step("a second approval by the same person changes nothing", async () => {
    const response = await page.request.post(`/api/v1/actions/${actionId}/approvals`, { data: { decision: "approve", executionWindow: "PT5M", reason: "again" } });
    expect(response.status()).toBe(200);
    const body = (await response.json()) as { recorded: boolean; state: string; approvalsSoFar: number };
    expect(body).toMatchObject({ recorded: false, state: "pending", approvalsSoFar: 1 });

    await page.reload();
    await expect(approveButton(page)).toHaveCount(0);
    expect(await approvalRows(actionId)).toHaveLength(1);
  });

  await test.step("a second approver signs in and approves", async () => {
    await switchPerson(page, seeded.second.email, target);
    await expect(policyRegion(page)).toContainText("1 of 2");
    await approveButton(page).click();
    await expect(page.getByRole("status").filter({ hasText: "You approved this action" })).toBeVisible();
    await expect(page.getByRole("region", { name: "Execution", exact: true })).toContainText("Approved: Done");
  });

  await test.step("the database holds two distinct approvals, the approval and its grant", async () => {
    const approvals = await approvalRows(actionId);
    expect(approvals.map((approval) => [approval.approverId, approval.decision])).toEqual([
      [seeded.first.id, "approve"],
      [seeded.second.id, "approve"],
    ]);
    const approved = await seeded.prisma.auditEvent.findFirstOrThrow({ where: { actionId, eventType: "action.approved" } });
    expect((approved.payload as { approvers: string[] }).approvers.toSorted()).toEqual([seeded.first.id, seeded.second.id].toSorted());
    expect(await seeded.prisma.grant.count({ where: { actionId } })).toBe(1);
    // No connector quarantines workloads here, so the executor may already have failed the action.
    const action = await seeded.prisma.action.findUniqueOrThrow({ where: { id: actionId } });
    expect(["approved", "executing", "failed"]).toContain(action.state);
  });
});

test("action past its Decision deadline cannot be approved", async ({ page }) => {
  let actionId = "";
  let deadline = 0;

  await test.step("an approver opens an action whose deadline is seconds away", async () => {
    await signIn(page, seeded.first.email, PASSWORD, "/history");
    actionId = await proposeInProcess(seeded.prisma, seeded.client, {
      kind: "disable_account",
      incidentId: seeded.incidentId,
      parameters: {},
      justification: "The worker's service account signed in from an unknown host.",
      target: { domain: seeded.stubDomain, identity: `sa-${RUN}`, displayName: `payments_sa_${RUN}` },
    });
    const openedAt = Date.now();
    deadline = openedAt + 8_000;
    await seeded.prisma.action.update({ where: { id: actionId }, data: { decisionDeadline: new Date(deadline) } });

    // The page stays as it was before the deadline: its clock stops at the opening time and
    // its refreshes return that first state, as for an approver whose tab lagged behind.
    await page.clock.setFixedTime(openedAt);
    const stale = await page.request.get(`/api/console/actions/${actionId}`);
    expect(stale.status()).toBe(200);
    const snapshot: unknown = await stale.json();
    await page.route(`**/api/console/actions/${actionId}`, (route) => route.fulfill({ json: snapshot }));
    await page.goto(`/actions/${actionId}`);
    await expect(approveButton(page)).toBeVisible();
  });

  await test.step("approving after the deadline shows the problem detail", async () => {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now()) + 250));
    const answer = page.waitForResponse((response) => response.url().endsWith(`/api/v1/actions/${actionId}/approvals`));
    await approveButton(page).click();
    const response = await answer;
    // The expiry sweep runs every 5 seconds. When it closed the action first, the response is 409.
    if (response.status() === 410) {
      const alert = page.getByRole("alert").filter({ hasText: "The Decision deadline has passed" });
      await expect(alert).toContainText(`the decision deadline of action ${actionId} passed at`);
    } else {
      expect(response.status()).toBe(409);
      const alert = page.getByRole("alert").filter({ hasText: "The action changed before your decision arrived" });
      await expect(alert).toContainText("is expired, not pending");
    }
    expect(await approvalRows(actionId)).toHaveLength(0);
  });

  await test.step("the expiry sweep closes the action and the page says so", async () => {
    await expect.poll(async () => (await seeded.prisma.action.findUniqueOrThrow({ where: { id: actionId } })).state, { timeout: 15_000 }).toBe("expired");
    await page.unroute(`**/api/console/actions/${actionId}`);
    await page.reload();
    await expect(page.getByText("This action has expired, so it takes no further decision.")).toBeVisible();
    await expect(approveButton(page)).toHaveCount(0);
    await expect(page.getByText(/^State: Expired$/)).toBeVisible();
  });

  await test.step("the API refuses a late approval and records none", async () => {
    const response = await page.request.post(`/api/v1/actions/${actionId}/approvals`, { data: { decision: "approve", executionWindow: "PT15M", reason: "late" } });
    expect(response.status()).toBe(409);
    expect(((await response.json()) as { detail: string }).detail).toContain("is expired, not pending");
    expect(await approvalRows(actionId)).toHaveLength(0);
  });
});

test("approver reveals a rotated credential once", async ({ page }) => {
  const role = seeded.runDomain.roles.rotate;
  const actionId = await proposeThroughApi(seeded.api, seeded.apiKey, {
    kind: "rotate_credential",
    incidentId: seeded.incidentId,
    parameters: {},
    justification: "The worker's database password was in its compromised environment.",
    target: { domain: seeded.postgresDomain, identity: role.oid, displayName: `payments_app_${RUN}` },
  });
  const target = `/actions/${actionId}`;
  const secretUrl = `/api/console/actions/${actionId}/secret`;
  let value = "";

  await test.step("the first approver approves and the executor rotates the password", async () => {
    const context = await serviceContext(seeded.prisma, person(seeded.first), { clock: systemClock });
    await recordApproval(context, actionId, ZApprovalBody.parse({ decision: "approve", executionWindow: "PT15M", reason: "rotate now" }));
    await expect.poll(async () => (await seeded.prisma.action.findUniqueOrThrow({ where: { id: actionId } })).state, { timeout: 30_000 }).toBe("succeeded");
  });

  await test.step("another approver is offered nothing and is refused", async () => {
    await signIn(page, seeded.second.email, PASSWORD, target);
    await expect(page.getByRole("region", { name: "Execution", exact: true })).toContainText("Verified: Done");
    await expect(page.getByRole("region", { name: "New credential" })).toHaveCount(0);
    const response = await page.request.post(secretUrl);
    expect(response.status()).toBe(403);
    expect(response.headers()["content-type"]).toContain("application/problem+json");
  });

  await test.step("a cross-site request with the approver's session is refused", async () => {
    await switchPerson(page, seeded.first.email, target);
    const response = await page.request.post(secretUrl, { headers: { origin: "https://attacker.example" } });
    expect(response.status()).toBe(403);
  });

  await test.step("the approver reveals the new password", async () => {
    const panel = page.getByRole("region", { name: "New credential" });
    await expect(panel).toContainText("Cordon shows it once");
    await expectNoSeriousAxeViolations(page);
    const answer = page.waitForResponse((response) => response.url().endsWith(secretUrl));
    await panel.getByRole("button", { name: "Reveal new credential" }).click();
    const response = await answer;
    expect(response.status()).toBe(200);
    expect(response.headers()["cache-control"]).toBe("no-store");

    const field = panel.getByLabel(`New password of PostgreSQL role ${role.name}`);
    await expect(field).toBeFocused();
    await expect(field).toHaveAttribute("readonly", "");
    value = await field.inputValue();
    expect(value.length).toBeGreaterThanOrEqual(32);
    await expect(panel).toContainText("Cordon cannot show this credential again.");
    await expectNoSeriousAxeViolations(page);
  });

  await test.step("the copy button puts the password on the clipboard", async () => {
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
    const panel = page.getByRole("region", { name: "New credential" });
    await panel.getByRole("button", { name: "Copy to clipboard" }).click();
    await expect(panel.getByRole("status")).toHaveText("Copied to the clipboard.");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(value);
  });

  await test.step("the password logs in as the role, and a wrong one does not", async () => {
    const settings = seeded.runDomain.settings;
    const login = (password: string) => new pg.Client({ host: settings.host, port: settings.port, database: settings.database, user: role.name, password, connectionTimeoutMillis: 5_000 });
    const good = login(value);
    await good.connect();
    await good.end();
    const bad = login(`${value}x`);
    bad.on("error", () => undefined);
    await expect(bad.connect()).rejects.toMatchObject({ code: "28P01" });
  });

  await test.step("the password cannot be taken a second time", async () => {
    const response = await page.request.post(secretUrl);
    expect(response.status()).toBe(404);
    expect(await response.text()).not.toContain(value);
    await page.reload();
    const panel = page.getByRole("region", { name: "New credential" });
    await expect(panel.getByRole("textbox")).toHaveCount(0);
    await expect(panel).toContainText("An approver already viewed the new password, and Cordon shows it only once.");
    await expect(panel.getByRole("button", { name: "Reveal new credential" })).toHaveCount(0);
  });

  await test.step("the audit trail records the delivery without the value", async () => {
    const events = await seeded.prisma.auditEvent.findMany({ where: { actionId, eventType: "credential.delivered" } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorType: "person", actorId: seeded.first.id });
    const execution = await seeded.prisma.execution.findFirstOrThrow({ where: { actionId, operation: "apply", outcome: "applied" } });
    expect(events[0]?.payload).toEqual({ executionId: execution.id, label: `new password of PostgreSQL role ${role.name}` });
    const all = await seeded.prisma.auditEvent.findMany({ where: { actionId } });
    expect(all.filter((event) => JSON.stringify(event.payload).includes(value))).toEqual([]);
  });
});

test("sign-in page lists the demo accounts only in demo mode", async ({ page }) => {
  const dataDir = process.env.CORDON_E2E_DATA_DIR ?? "";
  const file = path.join(dataDir, DEMO_ACCOUNTS_FILE);
  const demo = page.getByRole("region", { name: "Demo accounts" });
  // playwright.config.ts leaves CORDON_DEMO at auto on a fresh data dir, so the server
  // normally runs the demo and writes this file at start.
  test.skip(!fs.existsSync(file), "the e2e server did not start the demo");

  await test.step("in demo mode the page lists every demo account", async () => {
    const accounts = JSON.parse(fs.readFileSync(file, "utf8")) as { email: string; roles: string[] }[];
    expect(accounts.length).toBeGreaterThan(0);
    await page.goto("/sign-in");
    for (const account of accounts) {
      const row = demo.getByRole("row").filter({ hasText: account.email });
      await expect(row).toBeVisible();
      await expect(row).toContainText(account.roles.join(", "));
    }
    await expectNoSeriousAxeViolations(page);
  });

  await test.step("without the demo's account file the page lists none", async () => {
    // A server started outside demo mode never writes the file. The page decides by the file
    // alone, so hiding it shows the page of such a server without a restart.
    const hidden = `${file}.e2e-hidden-${RUN}`;
    fs.renameSync(file, hidden);
    try {
      await page.reload();
      await expect(page.getByRole("heading", { name: "Sign in", level: 1 })).toBeVisible();
      await expect(demo).toHaveCount(0);
    } finally {
      fs.renameSync(hidden, file);
    }
  });
});
