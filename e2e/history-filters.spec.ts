import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { recordApproval } from "@/lib/actions/record-approval";
import { ZApprovalBody } from "@/lib/actions/schemas";
import { hashPassword } from "@/lib/auth/password";
import { createPrismaClient, type PrismaClient, type User } from "@/lib/db/client";
import { systemClock } from "@/lib/time/clock";
import { person, serviceContext } from "@/tests/support/factories";
import { expectNoSeriousAxeViolations } from "./support/axe";
import { e2eDatabaseUrl } from "./support/database";
import { proposeInProcess } from "./support/propose";
import { signIn } from "./support/sign-in";

// The history page and its exports against the server Playwright starts, on its own embedded
// PostgreSQL. Actions are proposed in process with the lifecycle verbs on that database, with
// names unique to this run, because other specs and the demo share it.

const RUN = randomBytes(4).toString("hex");
const PASSWORD = `e2e-password-${RUN}`;

interface Seeded {
  prisma: PrismaClient;
  domain: string;
  analyst: User;
  approver: User;
  actions: { alpha: string; beta: string; formula: string; rejected: string };
}

let seeded: Seeded;

/** Rows of the history table that belong to this run. */
function rows(page: Page) {
  return page.getByRole("row").filter({ hasText: RUN });
}

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  const prisma = createPrismaClient(e2eDatabaseUrl(), { max: 2 });
  const passwordHash = await hashPassword(PASSWORD);
  const analyst = await prisma.user.create({ data: { email: `hist-analyst-${RUN}@example.com`, displayName: `Hana Analyst ${RUN}`, roles: ["analyst"], passwordHash } });
  const approver = await prisma.user.create({ data: { email: `hist-approver-${RUN}@example.com`, displayName: `Abe Approver ${RUN}`, roles: ["approver"], passwordHash } });

  const domain = `e2e-hist-${RUN}`;
  await prisma.domain.create({ data: { name: domain, kind: "postgresql", settings: {}, credentialRef: "env:E2E_HISTORY_UNUSED" } });
  const client = await prisma.workloadClient.create({
    data: { name: `e2e-hist-soar-${RUN}`, ownerEmail: `owner-${RUN}@example.com`, allowedKinds: ["revoke_token", "disable_account", "rotate_credential"], allowedDomains: [domain] },
  });
  const incident = await prisma.incident.create({ data: { externalId: `INC-H-${RUN}`, title: `Token leak ${RUN}`, severity: "high", summary: "A token was pasted publicly." } });

  const base = { incidentId: incident.id, parameters: {}, justification: `Seen on a paste site (${RUN}).` };
  const alpha = await proposeInProcess(prisma, client, { ...base, kind: "disable_account", target: { domain, identity: `oid-a-${RUN}`, displayName: `svc_alpha_${RUN}` } });
  const beta = await proposeInProcess(prisma, client, { ...base, kind: "revoke_token", target: { domain, identity: `oid-b-${RUN}`, displayName: `svc_beta_${RUN}` } });
  const formula = await proposeInProcess(prisma, client, { ...base, kind: "rotate_credential", target: { domain, identity: `oid-f-${RUN}`, displayName: `=HYPERLINK("https://example.com","${RUN}")` } });
  const rejected = await proposeInProcess(prisma, client, { ...base, kind: "disable_account", target: { domain, identity: `oid-r-${RUN}`, displayName: `svc_gamma_${RUN}` } });
  await recordApproval(await serviceContext(prisma, person(approver), { clock: systemClock }), rejected, ZApprovalBody.parse({ decision: "reject", reason: "false positive" }));

  seeded = { prisma, domain, analyst, approver, actions: { alpha, beta, formula, rejected } };
});

test.afterAll(async () => {
  await seeded?.prisma.$disconnect();
});

test("analyst filters the history and downloads CSV", async ({ page }) => {
  await test.step("sign in and open the history of this run's domain", async () => {
    await signIn(page, seeded.analyst.email, PASSWORD, `/history?domain=${seeded.domain}`);
    await expect(page.getByRole("heading", { name: "History", level: 1 })).toBeVisible();
    await expect(rows(page)).toHaveCount(4);
    await expect(page.getByLabel("Domain")).toHaveValue(seeded.domain);
    await expectNoSeriousAxeViolations(page);
  });

  await test.step("free text narrows the list to one target", async () => {
    await page.getByLabel("Search").fill(`svc_alpha_${RUN}`);
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect(rows(page)).toHaveCount(1);
    await expect(rows(page).first()).toContainText(`svc_alpha_${RUN}`);
    await expect(page).toHaveURL(/q=svc_alpha_/);
  });

  await test.step("kind and the approver's email filter on the server", async () => {
    await page.getByLabel("Search").fill("");
    await page.getByLabel("Kind").selectOption({ label: "Revoke token" });
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect(rows(page)).toHaveCount(1);
    await expect(rows(page).first()).toContainText(`svc_beta_${RUN}`);

    await page.getByLabel("Kind").selectOption({ label: "Any kind" });
    await page.getByLabel("Decided by").fill(seeded.approver.email.toUpperCase());
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect(rows(page)).toHaveCount(1);
    await expect(rows(page).first()).toContainText(`svc_gamma_${RUN}`);
    await expect(rows(page).first()).toContainText("Rejected");
  });

  await test.step("the CSV download holds the filtered actions with formulas neutralised", async () => {
    await page.getByRole("button", { name: "Clear filters" }).click();
    await page.getByLabel("Domain").selectOption(seeded.domain);
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect(rows(page)).toHaveCount(4);

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download CSV" }).click()]);
    expect(download.suggestedFilename()).toMatch(/^cordon-actions-\d{8}T\d{6}Z\.csv$/);
    const csv = fs.readFileSync(await download.path(), "utf8");
    const records = csv.trimEnd().split("\r\n");
    expect(records[0]).toContain('"action_id","proposed_at","state"');
    expect(records).toHaveLength(5);
    for (const id of Object.values(seeded.actions)) expect(csv).toContain(`"${id}"`);
    expect(csv).toContain(`"'=HYPERLINK(""https://example.com"",""${RUN}"")"`);
    expect(csv).not.toMatch(/(^|,)"=/m);
  });

  await test.step("a failed search shows an error, never an empty history", async () => {
    await page.route("**/api/console/history?**", (route) =>
      route.fulfill({ status: 503, contentType: "application/problem+json", body: JSON.stringify({ status: 503, detail: "the database is unavailable" }) }),
    );
    await page.getByLabel("Kind").selectOption({ label: "Disable account" });
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect(page.getByText("The history could not be searched")).toBeVisible({ timeout: 10_000 });
    await expect(page.getByText("the database is unavailable")).toBeVisible();
    await expect(page.getByText("No action matches these filters.")).toHaveCount(0);
    await page.unroute("**/api/console/history?**");
  });

  await test.step("an invalid range shows the validation message", async () => {
    await page.goto(`/history?domain=${seeded.domain}&from=2026-03-02&to=2026-03-01`);
    const error = page.getByRole("alert").filter({ hasText: "The history could not be searched" });
    await expect(error).toContainText("must not be before from");
    await expectNoSeriousAxeViolations(page);
  });
});

test("approver sees the history but cannot export", async ({ page }) => {
  await test.step("sign in and open the history", async () => {
    await signIn(page, seeded.approver.email, PASSWORD, `/history?domain=${seeded.domain}`);
    await expect(rows(page)).toHaveCount(4);
    await expect(page.getByRole("link", { name: "Download CSV" })).toHaveCount(0);
  });

  await test.step("the export endpoints answer 403", async () => {
    for (const format of ["csv", "ocsf"]) {
      const response = await page.request.get(`/api/console/exports/${format}?domain=${seeded.domain}`);
      expect(response.status()).toBe(403);
      expect(response.headers()["content-type"]).toContain("application/problem+json");
    }
  });
});

test("the history API requires a session", async ({ playwright, baseURL }) => {
  const anonymous = await playwright.request.newContext({ baseURL: baseURL! });
  const response = await anonymous.get(`/api/console/history?domain=${seeded.domain}`);
  expect(response.status()).toBe(401);
  const exported = await anonymous.get(`/api/console/exports/csv?domain=${seeded.domain}`);
  expect(exported.status()).toBe(401);
  await anonymous.dispose();
});
