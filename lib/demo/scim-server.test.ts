import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SCIM_REQUEST_ID_HEADER, startScimServer, type ScimServer } from "./scim-server";

const TOKEN = "demo-token-0123456789abcdef";
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const logger = pino({ level: "silent" });

const seed = {
  users: [
    { id: "u-alice", userName: "alice", displayName: "Alice Example" },
    { id: "u-bob", userName: "bob" },
    { id: "u-carol", userName: "carol", active: false },
  ],
  groups: [
    { id: "g-eng", displayName: "Engineering", members: ["u-alice", "u-bob"] },
    { id: "g-ops", displayName: "Operations", members: ["u-alice"] },
  ],
};

let server: ScimServer;

beforeEach(async () => {
  server = await startScimServer({ bearerToken: TOKEN, seed, logger });
});

afterEach(async () => {
  await server.close();
});

async function scim(path: string, init: { method?: string; body?: unknown; token?: string | null; ifMatch?: string } = {}) {
  const headers: Record<string, string> = { "content-type": "application/scim+json" };
  if (init.token !== null) headers.authorization = `Bearer ${init.token ?? TOKEN}`;
  if (init.ifMatch !== undefined) headers["if-match"] = init.ifMatch;

  const response = await fetch(`${server.url}${path}`, {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { response, body: text === "" ? undefined : (JSON.parse(text) as Record<string, any>) };
}

function patchActive(active: boolean) {
  return { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "active", value: active }] };
}

describe("startScimServer", () => {
  it("listens on the loopback address only", () => {
    expect(new URL(server.url).hostname).toBe("127.0.0.1");
    expect(new URL(server.url).pathname).toBe("/scim/v2");
  });

  it("rejects a missing bearer token with a challenge", async () => {
    const { response, body } = await scim("/Users/u-alice", { token: null });

    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="scim"');
    expect(body?.schemas).toEqual(["urn:ietf:params:scim:api:messages:2.0:Error"]);
  });

  it("rejects a wrong bearer token", async () => {
    const { response, body } = await scim("/Users/u-alice", { token: `${TOKEN}x` });

    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain('error="invalid_token"');
    expect(JSON.stringify(body)).not.toContain(TOKEN);
  });

  it("sends a distinct request id on every response", async () => {
    const first = await scim("/Users/u-alice");
    const second = await scim("/Users/u-alice", { token: null });

    const firstId = first.response.headers.get(SCIM_REQUEST_ID_HEADER);
    const secondId = second.response.headers.get(SCIM_REQUEST_ID_HEADER);
    expect(firstId).toMatch(/^[0-9a-f-]{36}$/);
    expect(secondId).toMatch(/^[0-9a-f-]{36}$/);
    expect(firstId).not.toBe(secondId);
  });

  it("returns a user with groups and an ETag equal to meta.version", async () => {
    const { response, body } = await scim("/Users/u-alice");

    expect(response.status).toBe(200);
    expect(body?.active).toBe(true);
    expect(body?.displayName).toBe("Alice Example");
    expect(body?.groups.map((group: { value: string }) => group.value).sort()).toEqual(["g-eng", "g-ops"]);
    expect(body?.meta.version).toBe('W/"1"');
    expect(response.headers.get("etag")).toBe('W/"1"');
  });

  it("returns 404 for an unknown user", async () => {
    const { response, body } = await scim("/Users/u-nobody");

    expect(response.status).toBe(404);
    expect(body?.detail).toContain("u-nobody");
  });

  it("patches active and bumps the version", async () => {
    const patched = await scim("/Users/u-alice", { method: "PATCH", body: patchActive(false) });
    const read = await scim("/Users/u-alice");

    expect(patched.response.status).toBe(200);
    expect(patched.body?.active).toBe(false);
    expect(read.body?.active).toBe(false);
    expect(read.body?.meta.version).toBe('W/"2"');
  });

  it("returns 204 for a no-op patch", async () => {
    const patched = await scim("/Users/u-carol", { method: "PATCH", body: patchActive(false) });
    const read = await scim("/Users/u-carol");

    expect(patched.response.status).toBe(204);
    expect(read.body?.meta.version).toBe('W/"1"');
  });

  it("rejects a patch whose If-Match is stale", async () => {
    await scim("/Users/u-alice", { method: "PATCH", body: patchActive(false) });
    const stale = await scim("/Users/u-alice", { method: "PATCH", body: patchActive(true), ifMatch: 'W/"1"' });
    const current = await scim("/Users/u-alice", { method: "PATCH", body: patchActive(true), ifMatch: 'W/"2"' });

    expect(stale.response.status).toBe(412);
    expect(current.response.status).toBe(200);
    expect(current.body?.active).toBe(true);
  });

  it("removes and adds a group member by PATCH", async () => {
    const remove = { schemas: [PATCH_OP], Operations: [{ op: "remove", path: 'members[value eq "u-bob"]' }] };
    const removed = await scim("/Groups/g-eng", { method: "PATCH", body: remove });
    const bobWithout = await scim("/Users/u-bob");

    expect(removed.response.status).toBe(200);
    expect(removed.body?.members.map((member: { value: string }) => member.value)).toEqual(["u-alice"]);
    expect(bobWithout.body?.groups).toBeUndefined();

    const add = { schemas: [PATCH_OP], Operations: [{ op: "add", path: "members", value: [{ value: "u-bob" }] }] };
    const added = await scim("/Groups/g-eng", { method: "PATCH", body: add });
    const bobWith = await scim("/Users/u-bob");

    expect(added.body?.members.map((member: { value: string }) => member.value)).toEqual(["u-alice", "u-bob"]);
    expect(bobWith.body?.groups).toEqual([{ value: "g-eng", display: "Engineering", type: "direct" }]);
  });

  it("rejects a group member that is not a user", async () => {
    const add = { schemas: [PATCH_OP], Operations: [{ op: "add", path: "members", value: [{ value: "u-ghost" }] }] };
    const { response, body } = await scim("/Groups/g-eng", { method: "PATCH", body: add });

    expect(response.status).toBe(400);
    expect(body?.detail).toContain("u-ghost");
  });

  it("filters groups by displayName and by member", async () => {
    const byName = await scim(`/Groups?filter=${encodeURIComponent('displayName eq "Operations"')}`);
    const byMember = await scim(`/Groups?filter=${encodeURIComponent('members.value eq "u-bob"')}`);

    expect(byName.body?.totalResults).toBe(1);
    expect(byName.body?.Resources[0].id).toBe("g-ops");
    expect(byMember.body?.Resources.map((group: { id: string }) => group.id)).toEqual(["g-eng"]);
  });

  it("pages a list with startIndex and count", async () => {
    const { body } = await scim("/Users?startIndex=2&count=1");

    expect(body?.totalResults).toBe(3);
    expect(body?.itemsPerPage).toBe(1);
    expect(body?.startIndex).toBe(2);
    expect(body?.Resources.map((user: { id: string }) => user.id)).toEqual(["u-bob"]);
  });

  it("creates a user and rejects a duplicate userName", async () => {
    const user = { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "dave", active: true };
    const created = await scim("/Users", { method: "POST", body: user });
    const duplicate = await scim("/Users", { method: "POST", body: { ...user, userName: "DAVE" } });

    expect(created.response.status).toBe(201);
    expect(created.body?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(duplicate.response.status).toBe(409);
    expect(duplicate.body?.scimType).toBe("uniqueness");
  });

  it("deletes a user and its group memberships", async () => {
    const deleted = await scim("/Users/u-bob", { method: "DELETE" });
    const group = await scim("/Groups/g-eng");

    expect(deleted.response.status).toBe(204);
    expect(group.body?.members.map((member: { value: string }) => member.value)).toEqual(["u-alice"]);
    expect(group.body?.meta.version).toBe('W/"2"');
  });

  it("does not offer Bulk", async () => {
    const { response } = await scim("/Bulk", { method: "POST", body: { schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], Operations: [] } });

    expect(response.status).toBe(501);
  });

  it("keeps a separate store per server", async () => {
    const other = await startScimServer({ bearerToken: TOKEN, seed, logger });
    try {
      await scim("/Users/u-alice", { method: "PATCH", body: patchActive(false) });
      const otherAlice = await fetch(`${other.url}/Users/u-alice`, { headers: { authorization: `Bearer ${TOKEN}` } });

      expect(((await otherAlice.json()) as { active: boolean }).active).toBe(true);
      expect((await scim("/Users/u-alice")).body?.active).toBe(false);
    } finally {
      await other.close();
    }
  });

  it("rejects a short bearer token", async () => {
    await expect(startScimServer({ bearerToken: "short", logger })).rejects.toThrow(/at least 16 characters/);
  });

  it("rejects a duplicate seed userName", async () => {
    const badSeed = { users: [{ userName: "erin" }, { userName: "Erin" }], groups: [] };

    await expect(startScimServer({ bearerToken: TOKEN, seed: badSeed, logger })).rejects.toThrow(/userName Erin is used by users/);
  });

  it("rejects a seed group with an unknown member", async () => {
    const badSeed = { users: [], groups: [{ displayName: "Orphans", members: ["u-ghost"] }] };

    await expect(startScimServer({ bearerToken: TOKEN, seed: badSeed, logger })).rejects.toThrow(/unknown users u-ghost/);
  });
});
