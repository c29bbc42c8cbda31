import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import { generateApiKey } from "@/lib/auth/api-key";
import { hashPassword } from "@/lib/auth/password";
import { createPrismaClient, type PrismaClient, type User, type WorkloadClient } from "@/lib/db/client";
import { expectNoSeriousAxeViolations } from "./support/axe";
import { e2eDatabaseUrl } from "./support/database";
import { signIn } from "./support/sign-in";

// The settings page against the server Playwright starts: what an administrator sees, the
// Disable button and its audit event, and the 403 page for everyone else. Data is seeded with
// Prisma on the server's embedded database, with names unique to this run.

const RUN = randomBytes(4).toString("hex");
const PASSWORD = `e2e-password-${RUN}`;

interface Seeded {
  prisma: PrismaClient;
  admin: User;
  analyst: User;
  keyClient: WorkloadClient;
  keyId: string;
  keySecretHash: string;
  jwtClient: WorkloadClient;
  domain: string;
  variable: string;
}

let seeded: Seeded;

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  const prisma = createPrismaClient(e2eDatabaseUrl(), { max: 2 });
  const passwordHash = await hashPassword(PASSWORD);
  const admin = await prisma.user.create({ data: { email: `set-admin-${RUN}@example.com`, displayName: `Ari Admin ${RUN}`, roles: ["admin"], passwordHash } });
  const analyst = await prisma.user.create({ data: { email: `set-analyst-${RUN}@example.com`, displayName: `Ana Analyst ${RUN}`, roles: ["analyst"], passwordHash } });

  const domain = `e2e-set-${RUN}`;
  const variable = `E2E_SETTINGS_SECRET_${RUN.toUpperCase()}`;
  await prisma.domain.create({
    data: { name: domain, kind: "scim", settings: { baseUrl: "https://scim.example.com/v2" }, credentialRef: `env:${variable}` },
  });
  const keyClient = await prisma.workloadClient.create({
    data: { name: `e2e-set-key-${RUN}`, ownerEmail: `owner-${RUN}@example.com`, allowedKinds: ["disable_account"], allowedDomains: [domain], rateLimitPerMinute: 120 },
  });
  const key = generateApiKey();
  await prisma.apiKey.create({ data: { id: key.id, clientId: keyClient.id, secretHash: key.secretHash, lastUsedAt: new Date("2026-01-02T03:04:05Z") } });
  const jwtClient = await prisma.workloadClient.create({
    data: {
      name: `e2e-set-jwt-${RUN}`,
      ownerEmail: `owner-${RUN}@example.com`,
      allowedKinds: ["revoke_token"],
      allowedDomains: [],
      jwtIssuer: `https://issuer-${RUN}.example.com`,
      jwtSubject: `soar-${RUN}`,
      floodFlaggedAt: new Date("2026-01-03T00:00:00Z"),
    },
  });

  seeded = { prisma, admin, analyst, keyClient, keyId: key.id, keySecretHash: key.secretHash, jwtClient, domain, variable };
});

test.afterAll(async () => {
  await seeded?.prisma.$disconnect();
});

test("admin reviews the settings and disables a client", async ({ page }) => {
  const clientRow = () => page.getByRole("row").filter({ hasText: seeded.keyClient.name });

  await test.step("sign in and open the settings", async () => {
    await signIn(page, seeded.admin.email, PASSWORD, "/settings");
    await expect(page.getByRole("heading", { name: "Settings", level: 1 })).toBeVisible();
    for (const title of ["Identity domains", "Automation clients", "People and roles", "Active policies"]) {
      await expect(page.getByRole("heading", { name: title, level: 2 })).toBeVisible();
    }
    await expectNoSeriousAxeViolations(page);
  });

  await test.step("the domain shows where its secret is read from and what it needs", async () => {
    const card = page.getByRole("article").filter({ has: page.getByRole("heading", { name: seeded.domain }) });
    await expect(card).toContainText(`environment variable ${seeded.variable}`);
    await expect(card).toContainText("Needs attention");
    await expect(card).toContainText(`environment variable ${seeded.variable} is not set here`);
    await expect(card).toContainText("PATCH /Users/{id}");
    expect(await page.content()).not.toContain(seeded.keySecretHash);
  });

  await test.step("clients show their keys, JWT settings, rate limit and flood flag", async () => {
    await expect(clientRow()).toContainText(seeded.keyId);
    await expect(clientRow()).toContainText("last used 2026-01-02 03:04:05 UTC");
    await expect(clientRow()).toContainText("120 per minute");
    const jwtRow = page.getByRole("row").filter({ hasText: seeded.jwtClient.name });
    await expect(jwtRow).toContainText(`https://issuer-${RUN}.example.com`);
    await expect(jwtRow).toContainText(`soar-${RUN}`);
    await expect(jwtRow).toContainText("Flood-flagged");
    await expect(jwtRow).toContainText("since 2026-01-03 00:00:00 UTC");
  });

  await test.step("people show roles and policies show their source", async () => {
    const analystRow = page.getByRole("row").filter({ hasText: seeded.analyst.email });
    await expect(analystRow).toContainText("analyst");
    await expect(analystRow).toContainText("never");
    await expect(page.getByText("workload-may-propose", { exact: true })).toBeVisible();
  });

  await test.step("Disable asks for confirmation, then disables the client", async () => {
    await clientRow().getByRole("button", { name: `Disable workload client ${seeded.keyClient.name}` }).click();
    await clientRow().getByRole("button", { name: "Cancel" }).click();
    expect((await seeded.prisma.workloadClient.findUniqueOrThrow({ where: { id: seeded.keyClient.id } })).enabled).toBe(true);

    await clientRow().getByRole("button", { name: `Disable workload client ${seeded.keyClient.name}` }).click();
    await clientRow().getByRole("button", { name: "Confirm disable" }).click();
    await expect(clientRow().getByRole("status")).toContainText(`Workload client ${seeded.keyClient.name} is disabled`);
    await expect(clientRow()).toContainText("Disabled");
  });

  await test.step("the database holds the change and its audit event", async () => {
    const client = await seeded.prisma.workloadClient.findUniqueOrThrow({ where: { id: seeded.keyClient.id } });
    expect(client.enabled).toBe(false);
    const events = await seeded.prisma.auditEvent.findMany({ where: { eventType: "workload_client.disabled", actorId: seeded.admin.id } });
    expect(events.map((event) => (event.payload as { clientId?: string }).clientId)).toContain(seeded.keyClient.id);
  });
});

test("analyst gets the 403 page", async ({ page }) => {
  await signIn(page, seeded.analyst.email, PASSWORD, "/settings");
  await expect(page.getByRole("heading", { name: "You do not have access to this page" })).toBeVisible();
  await expect(page.getByText("403 Forbidden")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Automation clients" })).toHaveCount(0);
  await expect(page.getByText(seeded.keyClient.name)).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Settings" })).toHaveCount(0);
  await expectNoSeriousAxeViolations(page);
  const response = await page.goto("/settings");
  expect(response?.status()).toBe(403);
});

test("without a session the settings redirect to sign-in", async ({ page }) => {
  await page.goto("/settings");
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Fsettings/);
});
