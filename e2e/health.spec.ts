import { expect, test } from "@playwright/test";

test("health reports database and migrations ready", async ({ request }) => {
  const response = await request.get("/api/health");

  expect(response.status()).toBe(200);
  expect(await response.json()).toEqual({ status: "ok", database: "ok", migrations: "current" });
});

test("every page carries a Content-Security-Policy", async ({ request }) => {
  const response = await request.get("/api/health");

  expect(response.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
});

test("pages link the console's icon, so browsers do not ask for favicon.ico", async ({ page, request }) => {
  const requested: string[] = [];
  page.on("request", (sent) => requested.push(new URL(sent.url()).pathname));

  await page.goto("/sign-in");
  const icon = await request.get((await page.locator('link[rel="icon"]').getAttribute("href")) ?? "/missing");

  expect(icon.status()).toBe(200);
  expect(icon.headers()["content-type"]).toContain("image/svg+xml");
  expect(requested).not.toContain("/favicon.ico");
});
