import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ScopeDiff } from "@/components/review/scope-diff";
import { clearConnectorCache } from "@/lib/connectors/registry";
import { loadReview } from "@/lib/console/load-review";
import { createLifecycle, startScimDomain, type Lifecycle, type ScimDomain } from "@/lib/executor/testing";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";

// The review page's scope diff for a SCIM disable_account, proposed through the real connector
// planner against a real SCIM server and rendered by the console's own component.

let db: TestDatabase;
let scim: ScimDomain;
let lifecycle: Lifecycle;

beforeAll(async () => {
  db = await createTestDatabase();
  scim = await startScimDomain(db.prisma, ["u-review", "u-review-keep"]);
  lifecycle = await createLifecycle(db.prisma, scim.domain);
});

afterAll(async () => {
  await clearConnectorCache();
  await scim?.close();
  await db?.drop();
});

/** Renders the scope diff and blast radius sections, as text without markup. */
async function renderedScopeDiff(actionId: string): Promise<string> {
  const review = await loadReview(actionId, { db: db.prisma });
  const html = renderToStaticMarkup(createElement(ScopeDiff, { review }));
  return html
    .replace(/<[^>]+>/g, " ")
    .replace(/&#x27;/g, "'")
    .replace(/\s+/g, " ");
}

describe("review page scope diff for SCIM disable_account", () => {
  test("shows that open sessions are not ended", async () => {
    const action = await lifecycle.propose("u-review", { parameters: { terminateSessions: true } });

    const text = await renderedScopeDiff(action.id);

    expect(text).toContain("Blast radius");
    expect(text).toContain("scim_sessions u-review");
    expect(text).toContain("Open sessions are not ended, although terminateSessions is true. This step only sets active=false on the SCIM user");
    expect(text).toContain("revoke the user's tokens at the identity provider (revoke_token)");
  });

  test("shows the active attribute as the only change", async () => {
    const action = await lifecycle.propose("u-review-keep", { parameters: { terminateSessions: false } });

    const text = await renderedScopeDiff(action.id);

    expect(text).toContain("active true false Changes");
    expect(text).toContain("1 of 1 attribute changes.");
    expect(text).toContain("Open sessions are not ended, as terminateSessions is false.");
  });
});
