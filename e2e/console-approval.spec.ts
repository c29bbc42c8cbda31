import { randomBytes } from "node:crypto";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { generateApiKey } from "@/lib/auth/api-key";
import { hashPassword } from "@/lib/auth/password";
import { appendAuditEvent } from "@/lib/audit/append";
import { createPrismaClient, type PrismaClient } from "@/lib/db/client";
import { expectNoSeriousAxeViolations } from "./support/axe";
import { e2eDatabaseUrl } from "./support/database";
import { createPostgresRunDomain } from "./support/postgres-domain";
import { proposeThroughApi } from "./support/propose";
import { fillSignIn } from "./support/sign-in";

// Journeys through the console against the server Playwright starts (playwright.config.ts),
// on its own embedded PostgreSQL. Data is seeded with Prisma on that database and through
// the API with a workload key, with names unique to this run, because the demo may have
// filled the same database with its own actions. Proposals are planned by the real
// PostgreSQL connector, so the run creates its own domain: a database and login roles on the
// same embedded server, managed by a least-privilege connector role.

const RUN = randomBytes(4).toString("hex");
const PASSWORD = `e2e-password-${RUN}`;
const SIGN_IN_FAILED = "Email or password is incorrect, or the account is locked.";

interface Seeded {
  prisma: PrismaClient;
  /** Removes the folder of the connector's credential file after the run. */
  removeCredential(): void;
  api: APIRequestContext;
  apiKey: string;
  domain: string;
  /** OID of the role the live-update step proposes to disable. */
  liveRole: string;
  incidentId: string;
  people: { approver: string; analyst: string; owner: string };
  approverId: string;
  actions: { approve: string; reject: string; flagged: string };
}

let seeded: Seeded;

async function signIn(page: Page, email: string): Promise<void> {
  await page.goto("/sign-in");
  await fillSignIn(page, email, PASSWORD);
  await expect(page.getByRole("heading", { name: "Approval queue" })).toBeVisible();
}

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ playwright }, testInfo) => {
  const prisma = createPrismaClient(e2eDatabaseUrl(), { max: 2 });
  const passwordHash = await hashPassword(PASSWORD);
  const people = { approver: `approver-${RUN}@example.com`, analyst: `analyst-${RUN}@example.com`, owner: `owner-${RUN}@example.com` };

  const approver = await prisma.user.create({ data: { email: people.approver, displayName: `Ada Approver ${RUN}`, roles: ["approver"], passwordHash } });
  await prisma.user.create({ data: { email: people.analyst, displayName: `Sam Analyst ${RUN}`, roles: ["analyst"], passwordHash } });
  await prisma.user.create({ data: { email: people.owner, displayName: `Olu Owner ${RUN}`, roles: ["approver"], passwordHash } });

  const runDomain = await createPostgresRunDomain(`e2e_${RUN}`, { approve: "deploy", reject: "ci_bot", flagged: "admin", live: "live" }, ["flagged"]);
  const domain = `e2e-pg-${RUN}`;
  await prisma.domain.create({ data: { name: domain, kind: "postgresql", settings: runDomain.settings, credentialRef: `file:${runDomain.credentialFile}` } });
  const client = await prisma.workloadClient.create({
    data: {
      name: `e2e-soar-${RUN}`,
      ownerEmail: people.owner,
      allowedKinds: ["revoke_token", "disable_account", "rotate_credential", "remove_entitlement", "quarantine_workload"],
      allowedDomains: [domain],
      rateLimitPerMinute: 600,
    },
  });
  const key = generateApiKey();
  await prisma.apiKey.create({ data: { id: key.id, clientId: client.id, secretHash: key.secretHash } });

  const api = await playwright.request.newContext({ baseURL: testInfo.project.use.baseURL });
  const incident = await api.post("/api/v1/incidents", {
    headers: { authorization: `Bearer ${key.token}` },
    data: {
      externalId: `INC-${RUN}`,
      title: `Leaked deploy token ${RUN}`,
      severity: "high",
      summary: "A CI deploy token was printed in a public build log.",
      source: "https://soar.example.com/cases/42",
      links: [{ title: "Build log", url: "https://ci.example.com/builds/7" }],
    },
  });
  expect(incident.status(), await incident.text()).toBe(201);
  const incidentId = ((await incident.json()) as { id: string }).id;

  const base = { parameters: {}, incidentId, justification: "The token appeared in a public log at 09:12 UTC." };
  const actions = {
    approve: await proposeThroughApi(api, key.token, {
      ...base,
      kind: "disable_account",
      target: { domain, identity: runDomain.roles.approve.oid, displayName: `svc_deploy_${RUN}` },
      evidence: [{ title: "Log line", detail: "<script>alert(1)</script> token=…", url: "https://ci.example.com/builds/7#L12" }],
    }),
    reject: await proposeThroughApi(api, key.token, { ...base, kind: "rotate_credential", target: { domain, identity: runDomain.roles.reject.oid, displayName: `ci_bot_${RUN}` } }),
    // The first letter is Cyrillic U+0430, which looks like the Latin "a".
    flagged: await proposeThroughApi(api, key.token, {
      ...base,
      kind: "remove_entitlement",
      parameters: { entitlement: runDomain.group },
      target: { domain, identity: runDomain.roles.flagged.oid, displayName: `\u0430dmin_${RUN}` },
    }),
  };

  seeded = { prisma, removeCredential: runDomain.removeCredential, api, apiKey: key.token, domain, liveRole: runDomain.roles.live.oid, incidentId, people, approverId: approver.id, actions };
});

test.afterAll(async () => {
  await seeded?.api.dispose();
  await seeded?.prisma.$disconnect();
  seeded?.removeCredential();
});

test("sign-in with a wrong password shows the generic message", async ({ page }) => {
  await test.step("open the sign-in page", async () => {
    await page.goto("/");
    await expect(page).toHaveURL(/\/sign-in/);
    await expectNoSeriousAxeViolations(page);
  });

  await test.step("submit an unknown account", async () => {
    await page.getByLabel("Email").fill(`nobody-${RUN}@example.com`);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page.getByText(SIGN_IN_FAILED)).toBeVisible();
  });

  await test.step("submit a known account with a wrong password", async () => {
    await page.getByLabel("Email").fill(seeded.people.analyst);
    await page.getByLabel("Password").fill("wrong password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page.getByText(SIGN_IN_FAILED)).toBeVisible();
  });
});

test("approver approves an action for 15 minutes", async ({ page }) => {
  const row = () => page.getByRole("row").filter({ hasText: `svc_deploy_${RUN}` });

  await test.step("sign in with email and password", async () => {
    await signIn(page, seeded.people.approver);
    await expect(page.getByRole("banner")).toContainText(`Ada Approver ${RUN}`);
  });

  await test.step("the queue shows the pending action with a countdown and 0 of 1", async () => {
    await expect(row()).toBeVisible();
    await expect(row()).toContainText(/\d+ min \d{2} s left|\d+ h \d+ min left/);
    await expect(row()).toContainText("0 of 1");
    await expect(row()).toContainText("High risk");
    await expect(row()).toContainText(`Leaked deploy token ${RUN}`);
    await expectNoSeriousAxeViolations(page);
  });

  await test.step("the skip link moves focus to the main content", async () => {
    await page.keyboard.press("Tab");
    await expect(page.getByRole("link", { name: "Skip to main content" })).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(page.getByRole("main")).toBeFocused();
  });

  await test.step("a failed refresh shows an error above the last list", async () => {
    await page.route("**/api/console/queue", (route) =>
      route.fulfill({ status: 503, contentType: "application/problem+json", body: JSON.stringify({ status: 503, detail: "the database is unavailable" }) }),
    );
    await expect(page.getByText("The queue could not be refreshed")).toBeVisible({ timeout: 10_000 });
    await expect(page.getByText("the database is unavailable", { exact: false })).toBeVisible();
    await expect(row()).toBeVisible();
    await expect(page.getByText("Nothing is waiting for a decision.")).toHaveCount(0);
    await page.unroute("**/api/console/queue");
    await expect(page.getByText("The queue could not be refreshed")).toHaveCount(0, { timeout: 10_000 });
  });

  await test.step("a new proposal appears without a reload", async () => {
    await proposeThroughApi(seeded.api, seeded.apiKey, {
      parameters: {},
      incidentId: seeded.incidentId,
      justification: "Second token in the same log.",
      kind: "disable_account",
      target: { domain: seeded.domain, identity: seeded.liveRole, displayName: `svc_live_${RUN}` },
    });
    await expect(page.getByRole("row").filter({ hasText: `svc_live_${RUN}` })).toBeVisible({ timeout: 10_000 });
  });

  await test.step("the filters narrow the list", async () => {
    await page.getByLabel("Kind").selectOption({ label: "Remove entitlement" });
    await expect(page.getByRole("row").filter({ hasText: `dmin_${RUN}` })).toBeVisible();
    await expect(row()).toHaveCount(0);
    await page.getByRole("button", { name: "Clear filters" }).first().click();
    await expect(row()).toBeVisible();
  });

  await test.step("open the action and see the incident and the scope diff", async () => {
    await row().getByRole("link", { name: /review/ }).click();
    await expect(page).toHaveURL(new RegExp(`/actions/${seeded.actions.approve}$`));
    await expect(page.getByRole("heading", { level: 1 })).toContainText(`Disable account: svc_deploy_${RUN}`);
    await expect(page.getByRole("region", { name: "Incident", exact: true })).toContainText(`Leaked deploy token ${RUN}`);
    // Evidence is text: the markup in it is shown, not run.
    await expect(page.getByText("<script>alert(1)</script> token=…")).toBeVisible();
    const diff = page.getByRole("region", { name: "Scope diff", exact: true });
    const login = diff.getByRole("row").filter({ hasText: "rolcanlogin" });
    await expect(login.getByRole("cell")).toHaveText(["true", "false", "Changes"]);
    await expect(page.getByRole("region", { name: "Policy decision", exact: true })).toContainText("workload-may-propose");
    await expectNoSeriousAxeViolations(page);
  });

  await test.step("approve with a 15 minute Execution window and a 4 hour Effect duration", async () => {
    const windows = page.getByRole("group", { name: "Execution window" });
    await expect(windows.getByRole("radio")).toHaveCount(3);
    await windows.getByLabel("15 min", { exact: true }).check();
    await page.getByRole("group", { name: "Effect duration" }).getByLabel("4 h", { exact: true }).check();
    await page.getByRole("button", { name: "Approve", exact: true }).click();
    await expect(page.getByRole("status").filter({ hasText: "You approved this action" })).toContainText("Execution window of 15 min");
    await expect(page.getByRole("button", { name: "Approve", exact: true })).toHaveCount(0);
    await expect(page.getByRole("region", { name: "Execution", exact: true })).toContainText("Approved: Done");
  });

  await test.step("the database holds the approval and its grant", async () => {
    const approval = await seeded.prisma.approval.findFirstOrThrow({ where: { actionId: seeded.actions.approve, approverId: seeded.approverId } });
    expect(approval.decision).toBe("approve");
    expect(approval.executionWindowSeconds).toBe(900);
    expect(approval.effectDurationSeconds).toBe(4 * 3600);
    const grant = await seeded.prisma.grant.findFirstOrThrow({ where: { actionId: seeded.actions.approve } });
    expect(grant.expiresAt.getTime() - grant.createdAt.getTime()).toBe(900_000);
    const action = await seeded.prisma.action.findUniqueOrThrow({ where: { id: seeded.actions.approve } });
    // The executor may already have picked the grant up; the action has left pending either way.
    expect(["approved", "executing", "succeeded"]).toContain(action.state);
  });

  await test.step("the page follows the execution until it is verified", async () => {
    const execution = page.getByRole("region", { name: "Execution", exact: true });
    await expect(execution).toContainText("Grant redeemed: Done", { timeout: 20_000 });
    await expect(execution).toContainText("Applied: Done", { timeout: 20_000 });
    await expect(execution).toContainText("Verified: Done", { timeout: 20_000 });
    await expect(page.getByText(/^State: Succeeded$/)).toBeVisible();
    const action = await seeded.prisma.action.findUniqueOrThrow({ where: { id: seeded.actions.approve } });
    expect(action.state).toBe("succeeded");
  });
});

test("approver rejects an action with a reason", async ({ page }) => {
  await test.step("a link to the action leads through sign-in back to it", async () => {
    await page.goto(`/actions/${seeded.actions.reject}`);
    await expect(page).toHaveURL(/\/sign-in\?callbackUrl=/);
    await fillSignIn(page, seeded.people.approver, PASSWORD);
    await expect(page).toHaveURL(new RegExp(`/actions/${seeded.actions.reject}$`));
    await expect(page.getByRole("heading", { level: 1 })).toContainText(`Rotate credential: ci_bot_${RUN}`);
  });

  await test.step("rotate_credential is not reversible, so there is no Effect duration", async () => {
    await expect(page.getByRole("group", { name: "Execution window" })).toBeVisible();
    await expect(page.getByRole("group", { name: "Effect duration" })).toHaveCount(0);
  });

  await test.step("a rejection without a reason is stopped in the page", async () => {
    await page.getByRole("button", { name: "Reject", exact: true }).click();
    await expect(page.getByText("Enter a reason")).toBeVisible();
    await expect(page.getByLabel("Reason for rejecting (required)")).toBeFocused();
  });

  await test.step("reject with a reason", async () => {
    await page.getByLabel("Reason for rejecting (required)").fill("The token was already rotated by the CI team.");
    await page.getByRole("button", { name: "Reject", exact: true }).click();
    await expect(page.getByRole("status").filter({ hasText: "You rejected this action." })).toBeVisible();
    await expect(page.getByText("This action was rejected, so it takes no further decision.")).toBeVisible();
  });

  await test.step("the database holds the rejection", async () => {
    const approval = await seeded.prisma.approval.findFirstOrThrow({ where: { actionId: seeded.actions.reject, approverId: seeded.approverId } });
    expect(approval.decision).toBe("reject");
    expect(approval.reason).toBe("The token was already rotated by the CI team.");
    const action = await seeded.prisma.action.findUniqueOrThrow({ where: { id: seeded.actions.reject } });
    expect(action.state).toBe("rejected");
  });
});

test("analyst sees no decision controls and the API refuses", async ({ page }) => {
  await test.step("sign in as an analyst and open a flagged action", async () => {
    await signIn(page, seeded.people.analyst);
    await page.goto(`/actions/${seeded.actions.flagged}`);
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Remove entitlement");
  });

  await test.step("the target name, drift and flood warnings are shown", async () => {
    await seeded.prisma.workloadClient.updateMany({ where: { name: `e2e-soar-${RUN}` }, data: { floodFlaggedAt: new Date() } });
    await seeded.prisma.$transaction((tx) =>
      appendAuditEvent(tx, { occurredAt: new Date(), actor: { type: "system", id: "e2e" }, eventType: "action.drifted", actionId: seeded.actions.flagged, incidentId: seeded.incidentId, payload: {} }),
    );
    await page.reload();
    const warnings = page.getByRole("region", { name: "Warnings", exact: true });
    await expect(warnings).toContainText("Check the target name");
    await expect(warnings).toContainText("mixes letters from different scripts");
    await expect(warnings).toContainText("U+0430");
    await expect(warnings).toContainText("The target changed after planning");
    await expect(warnings).toContainText("The requesting client was flagged for flooding");
    await expectNoSeriousAxeViolations(page);
  });

  await test.step("no approve or reject control, with the reason", async () => {
    await expect(page.getByRole("button", { name: "Approve", exact: true })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Reject", exact: true })).toHaveCount(0);
    await expect(page.getByText("only a person with the approver role can approve or reject it")).toBeVisible();
  });

  await test.step("the API answers 403 to the analyst's approval", async () => {
    const response = await page.request.post(`/api/v1/actions/${seeded.actions.flagged}/approvals`, { data: { decision: "approve", executionWindow: "PT15M", reason: "" } });
    expect(response.status()).toBe(403);
    expect(((await response.json()) as { detail: string }).detail).toBeTruthy();
    expect(await seeded.prisma.approval.count({ where: { actionId: seeded.actions.flagged } })).toBe(0);
  });
});

test("owner of the proposing workload may reject but not approve", async ({ page }) => {
  await test.step("sign in as the owner and open the action", async () => {
    await signIn(page, seeded.people.owner);
    await page.goto(`/actions/${seeded.actions.flagged}`);
  });

  await test.step("only the reject control is offered, with the reason", async () => {
    await expect(page.getByText(`You own the workload “e2e-soar-${RUN}”`)).toBeVisible();
    await expect(page.getByRole("button", { name: "Approve", exact: true })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Reject", exact: true })).toBeVisible();
  });

  await test.step("the API refuses the owner's approval with its detail", async () => {
    const response = await page.request.post(`/api/v1/actions/${seeded.actions.flagged}/approvals`, { data: { decision: "approve", executionWindow: "PT15M", reason: "" } });
    expect(response.status()).toBe(403);
    expect(((await response.json()) as { detail: string }).detail).toContain("own the workload");
  });

  await test.step("sign out returns to the sign-in page and ends the session", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/sign-in/);
    await page.goto(`/actions/${seeded.actions.flagged}`);
    await expect(page).toHaveURL(/\/sign-in\?callbackUrl=/);
    expect((await page.request.get(`/api/console/actions/${seeded.actions.flagged}`)).status()).toBe(401);
  });
});
