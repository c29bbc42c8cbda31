import { randomBytes } from "node:crypto";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { generateApiKey } from "@/lib/auth/api-key";
import { hashPassword } from "@/lib/auth/password";
import { createPrismaClient, type PrismaClient, type User, type WorkloadClient } from "@/lib/db/client";
import { expectNoSeriousAxeViolations } from "./support/axe";
import { e2eDatabaseUrl } from "./support/database";
import { proposeInProcess } from "./support/propose";
import { signIn } from "./support/sign-in";

// The incident timeline against the server Playwright starts: Cordon's own events from real
// proposals, a domain event sent through the ingestion API, the chain status, filters and
// live updates. Names are unique to this run, because other specs and the demo share the
// database.

const RUN = randomBytes(4).toString("hex");
const PASSWORD = `e2e-password-${RUN}`;

interface Seeded {
  prisma: PrismaClient;
  api: APIRequestContext;
  approver: User;
  client: WorkloadClient;
  domain: string;
  incidentId: string;
  actionId: string;
}

let seeded: Seeded;

/** Builds an OCSF 1.1.0 Account Change event (class 3001, activity 5 Disable) with the action id as its correlation uid. */
function disableEvent(actionId: string, user: string) {
  return {
    class_uid: 3001,
    category_uid: 3,
    activity_id: 5,
    activity_name: "Disable",
    type_uid: 300105,
    time: Date.now(),
    severity_id: 2,
    status_id: 1,
    message: `Directory disabled ${user}`,
    metadata: { uid: `dir-${RUN}`, version: "1.1.0", product: { name: "Directory", vendor_name: "Example" }, correlation_uid: actionId },
    actor: { user: { uid: `dir-admin-${RUN}`, name: `Directory robot ${RUN}` } },
    user: { uid: `oid-t-${RUN}`, name: user },
  };
}

function events(page: Page) {
  return page.getByRole("list", { name: "Incident events, oldest first" }).getByRole("listitem");
}

/** Events of one type, matched on the raw type each entry shows; summaries may repeat the words of a label. */
function eventsOfType(page: Page, eventType: string) {
  return events(page).filter({ has: page.getByText(eventType, { exact: true }) });
}

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ playwright }, testInfo) => {
  const prisma = createPrismaClient(e2eDatabaseUrl(), { max: 2 });
  const approver = await prisma.user.create({
    data: { email: `tl-approver-${RUN}@example.com`, displayName: `Tia Approver ${RUN}`, roles: ["approver"], passwordHash: await hashPassword(PASSWORD) },
  });

  const domain = `e2e-dir-${RUN}`;
  await prisma.domain.create({ data: { name: domain, kind: "scim", settings: { baseUrl: "https://scim.example.com/v2" }, credentialRef: "env:E2E_TIMELINE_UNUSED" } });
  const client = await prisma.workloadClient.create({
    data: { name: `e2e-tl-soar-${RUN}`, ownerEmail: `owner-${RUN}@example.com`, allowedKinds: ["disable_account", "remove_entitlement"], allowedDomains: [domain], rateLimitPerMinute: 600 },
  });
  const key = generateApiKey();
  await prisma.apiKey.create({ data: { id: key.id, clientId: client.id, secretHash: key.secretHash } });
  const incident = await prisma.incident.create({
    data: {
      externalId: `INC-T-${RUN}`,
      title: `Compromised directory admin ${RUN}`,
      severity: "critical",
      summary: "An admin account signed in from an unknown network.",
      source: "https://soar.example.com/cases/7",
      // Stored by a buggy integration: the page must not turn it into a link.
      links: [{ title: "Evil", url: "javascript:alert(1)" }, { title: "Ticket", url: "https://tickets.example.com/T-7" }],
    },
  });

  const actionId = await proposeInProcess(prisma, client, {
    kind: "disable_account",
    incidentId: incident.id,
    parameters: {},
    justification: "Sign-in from an unknown network.",
    target: { domain, identity: `oid-t-${RUN}`, displayName: `dir_admin_${RUN}` },
  });

  const api = await playwright.request.newContext({ baseURL: testInfo.project.use.baseURL });
  const ingested = await api.post("/api/v1/audit/events", { headers: { authorization: `Bearer ${key.token}` }, data: { domain, events: [disableEvent(actionId, `dir_admin_${RUN}`)] } });
  expect(ingested.status(), await ingested.text()).toBe(200);
  const result = (await ingested.json()) as { accepted: { incidentId?: string }[] };
  expect(result.accepted[0]?.incidentId).toBe(incident.id);

  seeded = { prisma, api, approver, client, domain, incidentId: incident.id, actionId };
});

test.afterAll(async () => {
  await seeded?.api.dispose();
  await seeded?.prisma.$disconnect();
});

test("approver follows the incident timeline", async ({ page }) => {
  await test.step("sign in and open the incident", async () => {
    await signIn(page, seeded.approver.email, PASSWORD, `/incidents/${seeded.incidentId}`);
    await expect(page.getByRole("heading", { name: `Compromised directory admin ${RUN}`, level: 1 })).toBeVisible();
    await expect(page.getByText("Critical severity")).toBeVisible();
    await expect(page.getByText(`INC-T-${RUN}`)).toBeVisible();
    await expect(page.getByRole("link", { name: /soar\.example\.com\/cases\/7/ })).toHaveAttribute("href", "https://soar.example.com/cases/7");
    await expect(page.getByRole("link", { name: /Ticket/ })).toHaveAttribute("href", "https://tickets.example.com/T-7");
    await expect(page.getByRole("link", { name: /Evil/ })).toHaveCount(0);
  });

  await test.step("the chain status counts every event of the incident", async () => {
    const count = await seeded.prisma.auditEvent.count({ where: { chain: seeded.incidentId } });
    expect(count).toBeGreaterThanOrEqual(4);
    await expect(page.getByText(`Audit chain verified: ${count} events`)).toBeVisible();
  });

  await test.step("Cordon's events and the domain's event are on one timeline", async () => {
    const proposed = eventsOfType(page, "action.proposed");
    await expect(proposed).toHaveCount(1);
    await expect(proposed).toContainText("Action proposed");
    await expect(proposed).toContainText("Source: Cordon");
    await expect(proposed).toContainText(`Workload e2e-tl-soar-${RUN}`);
    await expect(proposed.getByRole("link", { name: /Review action/ })).toHaveAttribute("href", `/actions/${seeded.actionId}`);

    const reported = eventsOfType(page, "domain.account_change");
    await expect(reported).toHaveCount(1);
    await expect(reported).toContainText("Account change in the domain");
    await expect(reported).toContainText(`Source: ${seeded.domain}`);
    await expect(reported).toContainText(`Domain Directory robot ${RUN}`);
    await expect(reported).toContainText(/UTC/);
    await expectNoSeriousAxeViolations(page);
  });

  await test.step("the actor type filter keeps the domain's event only", async () => {
    await page.getByLabel("Actor type").selectOption({ label: "Domain" });
    await expect(events(page)).toHaveCount(1);
    await expect(events(page).first()).toContainText("Account change in the domain");
    await page.getByRole("button", { name: "Clear filters" }).click();
    await expect(eventsOfType(page, "action.proposed")).toHaveCount(1);
  });

  await test.step("a new proposal appears without a reload", async () => {
    await proposeInProcess(seeded.prisma, seeded.client, {
      kind: "remove_entitlement",
      incidentId: seeded.incidentId,
      parameters: { entitlement: "directory-admins" },
      justification: "Remove the admin group too.",
      target: { domain: seeded.domain, identity: `oid-t-${RUN}`, displayName: `dir_admin_${RUN}` },
    });
    await expect(eventsOfType(page, "action.proposed")).toHaveCount(2, { timeout: 10_000 });
    const count = await seeded.prisma.auditEvent.count({ where: { chain: seeded.incidentId } });
    await expect(page.getByText(`Audit chain verified: ${count} events`)).toBeVisible({ timeout: 10_000 });
  });

  await test.step("a broken chain is stated above the events", async () => {
    await page.route(`**/api/v1/incidents/${seeded.incidentId}/timeline?**`, async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as Record<string, unknown>;
      body.chain = { ok: false, events: 2, problem: { eventId: null, sequence: 3, kind: "hash_mismatch", detail: "the stored hash does not match the event" } };
      await route.fulfill({ response, json: body });
    });
    const broken = page.getByRole("alert").filter({ hasText: "Audit chain broken" });
    await expect(broken).toContainText("Audit chain broken at sequence 3: the stored hash does not match the event", { timeout: 10_000 });
    await expect(page.getByText(/Audit chain verified/)).toHaveCount(0);
    await page.unroute(`**/api/v1/incidents/${seeded.incidentId}/timeline?**`);
  });
});

test("an unknown incident is not found", async ({ page }) => {
  await signIn(page, seeded.approver.email, PASSWORD, "/history");
  const response = await page.goto("/incidents/00000000-0000-4000-8000-000000000000");
  expect(response?.status()).toBe(404);
});
