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
