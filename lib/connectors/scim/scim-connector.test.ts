import http from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { planHash } from "@/lib/connectors/plan-hash";
import { ConnectorError, type Connector, type ConnectorAction, type GrantForApply, type Plan } from "@/lib/connectors/types";
import { startScimServer, type ScimServer } from "@/lib/demo/scim-server";
import { createScimConnector, ZScimDomainSettings } from "./index";

const TOKEN = "scim-test-token-7f3a9c2e41d8b6";
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

const seed = {
  users: [
    { id: "u-alice", userName: "alice", displayName: "Alice Example" },
    { id: "u-bob", userName: "bob" },
    { id: "u-carol", userName: "carol", active: false },
    { id: "u-dave", userName: "dave" },
  ],
  groups: [
    { id: "g-eng", displayName: "Engineering", members: ["u-alice", "u-bob"] },
    { id: "g-ops", displayName: "Operations", members: ["u-alice"] },
    { id: "g-dup-1", displayName: "Shared", members: ["u-bob"] },
    { id: "g-dup-2", displayName: "Shared", members: ["u-bob"] },
  ],
};

let server: ScimServer;
let connector: Connector;

beforeEach(async () => {
  server = await startScimServer({ bearerToken: TOKEN, seed, logger: pino({ level: "silent" }) });
  connector = createScimConnector({ baseUrl: server.url }, { bearerToken: TOKEN });
});

afterEach(async () => {
  await server.close();
});

function context() {
  return { signal: new AbortController().signal };
}

function disableAction(identity: string): ConnectorAction {
  return { id: `action-disable-${identity}`, kind: "disable_account", target: { domain: "scim-demo", identity }, parameters: {} };
}

function removeAction(identity: string, entitlement: string, resource?: string): ConnectorAction {
  return {
    id: `action-remove-${identity}`,
    kind: "remove_entitlement",
    target: { domain: "scim-demo", identity, resource },
    parameters: { entitlement },
  };
}

function grantFor(action: ConnectorAction, plan: Plan): GrantForApply {
  return { id: `grant-${action.id}`, actionId: action.id, planHash: plan.hash, expiresAt: new Date(Date.now() + 60_000) };
}

/** Changes the domain through SCIM, as another administrator would. */
async function patchAsAdmin(path: string, operations: unknown[]): Promise<void> {
  const response = await fetch(`${server.url}${path}`, {
    method: "PATCH",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/scim+json" },
    body: JSON.stringify({ schemas: [PATCH_OP], Operations: operations }),
  });
  expect(response.status).toBe(200);
}

async function readAsAdmin(path: string): Promise<Record<string, any>> {
  const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return (await response.json()) as Record<string, any>;
}

async function connectorError(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

function referenceTypes(references: { type: string }[]): string[] {
  return [...new Set(references.map((reference) => reference.type))].sort();
}

describe("scim connector disable_account", () => {
  it("plans active true to false with group blast radius", async () => {
    const plan = await connector.plan(disableAction("u-alice"), context());

    expect(plan.diff.objects).toEqual([
      { type: "scim_user", id: "u-alice", displayName: "Alice Example", before: { active: true }, after: { active: false } },
    ]);
    expect(plan.diff.blastRadius.map((entry) => `${entry.type}:${entry.id}`)).toEqual(["scim_sessions:u-alice", "scim_group:g-eng", "scim_group:g-ops"]);
    expect(plan.diff.blastRadius[1]?.description).toContain('"Engineering"');
    expect(plan.hash).toBe(planHash(plan.diff));
    expect(plan.changes).toBe(true);
    expect(plan.revertState).toEqual({ userId: "u-alice", active: true });
    expect(referenceTypes(plan.references)).toEqual(["scim_request_id", "scim_user_version"]);
    expect(plan.references).toContainEqual({ type: "scim_user_version", value: 'W/"1"' });
  });

  it("applies, verifies, applies again and reverts", async () => {
    const action = disableAction("u-alice");
    const plan = await connector.plan(action, context());

    const applied = await connector.apply(action, grantFor(action, plan), context());
    expect(applied.outcome).toBe("applied");
    expect(referenceTypes(applied.references)).toEqual(["scim_request_id", "scim_user_version"]);
    expect(applied.references).toContainEqual({ type: "scim_user_version", value: 'W/"2"' });
    expect((await readAsAdmin("/Users/u-alice")).active).toBe(false);

    const verified = await connector.verify(action, context());
    expect(verified.verified).toBe(true);

    const again = await connector.apply(action, grantFor(action, plan), context());
    expect(again.outcome).toBe("already_in_effect");
    expect((await readAsAdmin("/Users/u-alice")).meta.version).toBe('W/"2"');

    const reverted = await connector.revert(action, plan, context());
    expect(reverted.outcome).toBe("applied");
    expect((await readAsAdmin("/Users/u-alice")).active).toBe(true);
    expect((await connector.verify(action, context())).verified).toBe(false);

    const revertedAgain = await connector.revert(action, plan, context());
    expect(revertedAgain.outcome).toBe("already_in_effect");
  });

  it("plan warns that open sessions stay open", async () => {
    const action = { ...disableAction("u-bob"), parameters: { terminateSessions: true } };

    const plan = await connector.plan(action, context());

    const warning = plan.diff.blastRadius.find((entry) => entry.type === "scim_sessions");
    expect(warning?.id).toBe("u-bob");
    expect(warning?.description).toMatch(/^Open sessions are not ended, although terminateSessions is true\. This step only sets active=false on the SCIM user/);
    expect(warning?.description).toContain("stay valid until each application ends them or they expire");
    expect(warning?.volatile).toBeUndefined();
  });

  it("plan warning names terminateSessions false", async () => {
    const plan = await connector.plan({ ...disableAction("u-bob"), parameters: { terminateSessions: false } }, context());

    const warning = plan.diff.blastRadius.find((entry) => entry.type === "scim_sessions");
    expect(warning?.description).toMatch(/^Open sessions are not ended, as terminateSessions is false\./);
  });

  it("apply reports that sessions were not ended", async () => {
    const action = { ...disableAction("u-bob"), parameters: { terminateSessions: true } };
    const plan = await connector.plan(action, context());

    const applied = await connector.apply(action, grantFor(action, plan), context());

    expect(applied.outcome).toBe("applied");
    expect(applied.detail).toBe("Set active=false on SCIM user bob. Open sessions were not ended, because SCIM 2.0 has no session resource. They end only where the service provider acts on active=false.");
  });

  it("plan of an inactive user changes nothing", async () => {
    const plan = await connector.plan(disableAction("u-carol"), context());

    expect(plan.changes).toBe(false);
    expect(plan.currentState).toBe('SCIM user "carol" is already inactive (active=false)');
  });

  it("plan of a user without active changes something", async () => {
    await patchAsAdmin("/Users/u-dave", [{ op: "remove", path: "active" }]);

    const plan = await connector.plan(disableAction("u-dave"), context());

    expect(plan.diff.objects[0]?.before).toEqual({ active: null });
    expect(plan.changes).toBe(true);
    expect(plan.currentState).toBeUndefined();
  });

  it("leaves a previously inactive user inactive", async () => {
    const action = disableAction("u-carol");
    const plan = await connector.plan(action, context());

    expect(plan.diff.objects[0]?.before).toEqual({ active: false });
    expect(plan.diff.blastRadius.map((entry) => entry.type)).toEqual(["scim_sessions"]);
    expect((await connector.apply(action, grantFor(action, plan), context())).outcome).toBe("already_in_effect");
    expect((await connector.revert(action, plan, context())).outcome).toBe("already_in_effect");
    expect((await readAsAdmin("/Users/u-carol")).active).toBe(false);
  });

  it("changes the hash when groups change", async () => {
    const action = disableAction("u-dave");
    const first = await connector.plan(action, context());

    await patchAsAdmin("/Groups/g-ops", [{ op: "add", path: "members", value: [{ value: "u-dave" }] }]);
    const second = await connector.plan(action, context());

    expect(second.hash).not.toBe(first.hash);
    expect(second.diff.blastRadius.map((entry) => entry.id)).toEqual(["u-dave", "g-ops"]);
  });

  it("rejects apply when the user changed since the plan", async () => {
    const action = disableAction("u-dave");
    const plan = await connector.plan(action, context());
    await patchAsAdmin("/Groups/g-eng", [{ op: "add", path: "members", value: [{ value: "u-dave" }] }]);

    const error = await connectorError(connector.apply(action, grantFor(action, plan), context()));

    expect(error.transient).toBe(false);
    expect(error.message).toContain("changed since the plan was approved");
    expect((await readAsAdmin("/Users/u-dave")).active).toBe(true);
  });

  it("rejects a grant issued for another action", async () => {
    const action = disableAction("u-alice");
    const plan = await connector.plan(action, context());
    const grant = { ...grantFor(action, plan), actionId: "action-other" };

    const error = await connectorError(connector.apply(action, grant, context()));

    expect(error.transient).toBe(false);
    expect(error.message).toContain("action-other");
    expect((await readAsAdmin("/Users/u-alice")).active).toBe(true);
  });

  it("reports an unknown user as permanent", async () => {
    const error = await connectorError(connector.plan(disableAction("u-nobody"), context()));

    expect(error.transient).toBe(false);
    expect(error.message).toContain("SCIM user u-nobody was not found");
    expect(referenceTypes(error.references)).toEqual(["scim_request_id"]);
  });

  it.each([".", "..", "", "a\nb"])("rejects identity %j before any request", async (identity) => {
    const stub = await startStubServer((_request, response) => response.end("{}"));
    try {
      const stubConnector = createScimConnector({ baseUrl: stub.url }, { bearerToken: TOKEN });

      const error = await connectorError(stubConnector.plan(disableAction(identity), context()));

      expect(error.transient).toBe(false);
      expect(error.message).toContain("is not a valid SCIM id");
      expect(stub.hits()).toBe(0);
    } finally {
      await stub.close();
    }
  });

  it("rejects invalid parameters", async () => {
    const action = { ...disableAction("u-alice"), parameters: { terminateSessions: "yes" } };

    const error = await connectorError(connector.plan(action, context()));

    expect(error.transient).toBe(false);
    expect(error.message).toContain("terminateSessions");
  });
});

describe("scim connector remove_entitlement", () => {
  it("plans removal from a group named by displayName", async () => {
    const plan = await connector.plan(removeAction("u-alice", "Engineering"), context());

    expect(plan.diff.objects).toEqual([
      {
        type: "scim_group_membership",
        id: "g-eng:u-alice",
        displayName: "Alice Example in Engineering",
        before: { group: "g-eng", user: "u-alice", member: true },
        after: { group: "g-eng", user: "u-alice", member: false },
      },
    ]);
    expect(plan.diff.blastRadius).toEqual([{ type: "scim_group", id: "g-eng", description: 'Group "Engineering" keeps 1 other member' }]);
    expect(plan.revertState).toEqual({ userId: "u-alice", groupId: "g-eng", member: true });
    expect(referenceTypes(plan.references)).toEqual(["scim_group_version", "scim_request_id", "scim_user_version"]);
    expect(plan.changes).toBe(true);
  });

  it("applies, verifies, applies again and reverts", async () => {
    const action = removeAction("u-alice", "g-ops");
    const plan = await connector.plan(action, context());

    const applied = await connector.apply(action, grantFor(action, plan), context());
    expect(applied.outcome).toBe("applied");
    expect(applied.references).toContainEqual({ type: "scim_group_version", value: 'W/"2"' });
    expect((await readAsAdmin("/Groups/g-ops")).members).toBeUndefined();

    expect((await connector.verify(action, context())).verified).toBe(true);

    const again = await connector.apply(action, grantFor(action, plan), context());
    expect(again.outcome).toBe("already_in_effect");

    const reverted = await connector.revert(action, plan, context());
    expect(reverted.outcome).toBe("applied");
    expect((await readAsAdmin("/Groups/g-ops")).members).toEqual([{ value: "u-alice", display: "Alice Example", type: "User" }]);
    expect((await connector.verify(action, context())).verified).toBe(false);
  });

  it("uses target.resource as the group id", async () => {
    const action = removeAction("u-bob", "Shared", "g-dup-2");

    const plan = await connector.plan(action, context());
    await connector.apply(action, grantFor(action, plan), context());

    expect((await readAsAdmin("/Groups/g-dup-2")).members).toBeUndefined();
    expect((await readAsAdmin("/Groups/g-dup-1")).members).toHaveLength(1);
  });

  it("rejects entitlement not naming target.resource", async () => {
    const error = await connectorError(connector.plan(removeAction("u-bob", "Operations", "g-eng"), context()));

    expect(error.transient).toBe(false);
    expect(error.message).toContain("is neither the id nor the displayName of group g-eng");
  });

  it("rejects an ambiguous displayName", async () => {
    const error = await connectorError(connector.plan(removeAction("u-bob", "Shared"), context()));

    expect(error.transient).toBe(false);
    expect(error.message).toContain('2 SCIM groups have the displayName "Shared"');
  });

  it("rejects an unknown group", async () => {
    const error = await connectorError(connector.plan(removeAction("u-bob", "Finance"), context()));

    expect(error.transient).toBe(false);
    expect(error.message).toContain('No SCIM group has the id or displayName "Finance"');
  });

  it("treats a non-member as already removed", async () => {
    const action = removeAction("u-dave", "Engineering");
    const plan = await connector.plan(action, context());

    expect(plan.diff.objects[0]?.before).toMatchObject({ member: false });
    expect(plan.changes).toBe(false);
    expect(plan.currentState).toBe('SCIM user u-dave is not a member of group "Engineering" (g-eng)');
    expect((await connector.apply(action, grantFor(action, plan), context())).outcome).toBe("already_in_effect");
    expect((await connector.revert(action, plan, context())).outcome).toBe("already_in_effect");
    expect((await readAsAdmin("/Groups/g-eng")).members).toHaveLength(2);
  });

  it("changes the hash when members change", async () => {
    const action = removeAction("u-alice", "Engineering");
    const first = await connector.plan(action, context());

    await patchAsAdmin("/Groups/g-eng", [{ op: "add", path: "members", value: [{ value: "u-dave" }] }]);
    const second = await connector.plan(action, context());

    expect(second.hash).not.toBe(first.hash);
    expect(second.diff.blastRadius[0]?.description).toContain("keeps 2 other members");

    const error = await connectorError(connector.apply(action, grantFor(action, first), context()));
    expect(error.message).toContain("changed since the plan was approved");
    expect((await readAsAdmin("/Groups/g-eng")).members).toHaveLength(3);
  });
});

describe("scim connector credentials and settings", () => {
  it("fails a wrong bearer token without revealing it", async () => {
    const wrongToken = "wrong-token-5e1b7d3c9a";
    const wrong = createScimConnector({ baseUrl: server.url }, { bearerToken: wrongToken });

    const error = await connectorError(wrong.plan(disableAction("u-alice"), context()));

    expect(error.transient).toBe(false);
    expect(error.message).toContain("HTTP 401");
    expect(error.message).not.toContain(wrongToken);
    expect(error.message).not.toContain(TOKEN);
    expect(JSON.stringify(error.references)).not.toContain(wrongToken);
  });

  it("hides the token from inspect and JSON", () => {
    expect(inspect(connector, { depth: 10, showHidden: true })).not.toContain(TOKEN);
    expect(JSON.stringify(connector)).not.toContain(TOKEN);
  });

  it("describes least-privilege credentials", () => {
    const requirements = connector.describeCredentials();

    expect(requirements.map((requirement) => requirement.privilege)).toEqual([
      "Read Users: GET /Users/{id}",
      "Read Groups: GET /Groups/{id} and GET /Groups with a filter on displayName or members.value",
      "Modify the active attribute of Users: PATCH /Users/{id}",
      "Modify the members attribute of Groups: PATCH /Groups/{id}",
    ]);
    expect(JSON.stringify(requirements)).not.toContain(TOKEN);
  });

  it("rejects an action kind it does not support", async () => {
    const action: ConnectorAction = { ...disableAction("u-alice"), kind: "revoke_token" };

    const error = await connectorError(connector.plan(action, context()));

    expect(error.transient).toBe(false);
    expect(error.message).toContain("does not support revoke_token");
  });

  it.each([
    ["http://scim.example.com/scim/v2", false],
    ["https://scim.example.com/scim/v2", true],
    ["http://127.0.0.1:8080/scim/v2", true],
    ["http://localhost/scim/v2", true],
    ["ftp://scim.example.com/", false],
    ["https://user:pass@scim.example.com/scim/v2", false],
    ["https://scim.example.com/scim/v2?tenant=1", false],
  ])("ZScimDomainSettings accepts %s: %s", (baseUrl, accepted) => {
    expect(ZScimDomainSettings.safeParse({ baseUrl }).success).toBe(accepted);
  });

  it("rejects invalid credentials without echoing them", () => {
    const longToken = `secret-${"x".repeat(9000)}`;

    expect(() => createScimConnector({ baseUrl: server.url }, { bearerToken: longToken })).toThrow(/^Invalid SCIM credentials/);
    try {
      createScimConnector({ baseUrl: server.url }, { bearerToken: longToken });
    } catch (error) {
      expect((error as Error).message).not.toContain("secret-");
    }
  });
});

/** A plain HTTP server on 127.0.0.1 that handles every request with `handler`, for failure cases. */
async function startStubServer(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void>; hits: () => number }> {
  let hits = 0;
  const stub = http.createServer((request, response) => {
    hits += 1;
    handler(request, response);
  });
  await new Promise<void>((resolve) => stub.listen(0, "127.0.0.1", resolve));
  const { port } = stub.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/scim/v2`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        stub.closeAllConnections();
        stub.close(() => resolve());
      }),
  };
}

describe("scim connector transport errors", () => {
  it.each([
    [400, false],
    [403, false],
    [408, true],
    [409, false],
    [412, true],
    [429, true],
    [500, true],
    [503, true],
  ])("maps HTTP %i to transient=%s", async (status, transient) => {
    const stub = await startStubServer((_request, response) => {
      response.writeHead(status, { "content-type": "application/scim+json", "x-request-id": "stub-request-1" });
      response.end(JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: String(status), detail: "stub failure" }));
    });
    try {
      const stubConnector = createScimConnector({ baseUrl: stub.url }, { bearerToken: TOKEN });

      const error = await connectorError(stubConnector.plan(disableAction("u-alice"), context()));

      expect(error.transient).toBe(transient);
      expect(error.message).toContain(`HTTP ${status}`);
      expect(error.references).toEqual([{ type: "scim_request_id", value: "stub-request-1" }]);
    } finally {
      await stub.close();
    }
  });

  it("redacts a token the server echoes", async () => {
    const stub = await startStubServer((request, response) => {
      response.writeHead(400, { "content-type": "application/scim+json" });
      response.end(JSON.stringify({ status: "400", detail: `bad header ${request.headers.authorization}` }));
    });
    try {
      const stubConnector = createScimConnector({ baseUrl: stub.url }, { bearerToken: TOKEN });

      const error = await connectorError(stubConnector.plan(disableAction("u-alice"), context()));

      expect(error.message).toContain("bad header Bearer [redacted]");
      expect(error.message).not.toContain(TOKEN);
    } finally {
      await stub.close();
    }
  });

  it("does not follow a redirect", async () => {
    const target = await startStubServer((_request, response) => response.end("{}"));
    const redirecting = await startStubServer((_request, response) => {
      response.writeHead(302, { location: `${target.url}/Users/u-alice` });
      response.end();
    });
    try {
      const stubConnector = createScimConnector({ baseUrl: redirecting.url }, { bearerToken: TOKEN });

      const error = await connectorError(stubConnector.plan(disableAction("u-alice"), context()));

      expect(error.transient).toBe(false);
      expect(error.message).toContain("redirects are not followed");
      expect(target.hits()).toBe(0);
    } finally {
      await redirecting.close();
      await target.close();
    }
  });

  it("times out a server that does not answer", async () => {
    const stub = await startStubServer(() => undefined);
    try {
      const stubConnector = createScimConnector({ baseUrl: stub.url, requestTimeoutMs: 200 }, { bearerToken: TOKEN });

      const error = await connectorError(stubConnector.plan(disableAction("u-alice"), context()));

      expect(error.transient).toBe(true);
      expect(error.message).toBe("SCIM GET /Users/u-alice timed out after 200 ms");
    } finally {
      await stub.close();
    }
  });

  it("stops when the caller's signal aborts", async () => {
    const stub = await startStubServer(() => undefined);
    try {
      const stubConnector = createScimConnector({ baseUrl: stub.url }, { bearerToken: TOKEN });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);

      const error = await connectorError(stubConnector.plan(disableAction("u-alice"), { signal: controller.signal }));

      expect(error.transient).toBe(true);
      expect(error.message).toContain("aborted by the caller's deadline");
    } finally {
      await stub.close();
    }
  });

  it("reports a dropped connection as transient", async () => {
    const stub = await startStubServer((request) => request.socket.destroy());
    try {
      const stubConnector = createScimConnector({ baseUrl: stub.url }, { bearerToken: TOKEN });

      const error = await connectorError(stubConnector.plan(disableAction("u-alice"), context()));

      expect(error.transient).toBe(true);
      expect(error.message).toMatch(/^SCIM GET \/Users\/u-alice failed: /);
      expect(error.message).not.toContain(TOKEN);
    } finally {
      await stub.close();
    }
  });

  it("rejects a success response that is not JSON", async () => {
    const stub = await startStubServer((_request, response) => response.end("<html>login</html>"));
    try {
      const stubConnector = createScimConnector({ baseUrl: stub.url }, { bearerToken: TOKEN });

      const error = await connectorError(stubConnector.plan(disableAction("u-alice"), context()));

      expect(error.transient).toBe(false);
      expect(error.message).toContain("is not JSON");
    } finally {
      await stub.close();
    }
  });
});

/**
 * Forwards requests to the real SCIM server and records them. `beforePatch` runs before a PATCH is
 * forwarded, so a test can change the resource between the connector's read and its write.
 */
async function startRecordingProxy(beforePatch: () => Promise<void> = async () => undefined) {
  const seen: { method: string; path: string; ifMatch: string | undefined }[] = [];
  const upstream = new URL(server.url).origin;

  const proxy = await startStubServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", async () => {
      const ifMatch = request.headers["if-match"];
      seen.push({ method: request.method ?? "", path: request.url ?? "", ifMatch: typeof ifMatch === "string" ? ifMatch : undefined });
      if (request.method === "PATCH") await beforePatch();

      const forwarded = await fetch(`${upstream}${request.url}`, {
        method: request.method,
        headers: Object.fromEntries(
          Object.entries(request.headers).filter((entry): entry is [string, string] => typeof entry[1] === "string" && entry[0] !== "host"),
        ),
        body: request.method === "GET" ? undefined : Buffer.concat(chunks),
      });
      const headers: Record<string, string> = {};
      forwarded.headers.forEach((value, name) => {
        if (["content-type", "etag", "x-request-id"].includes(name)) headers[name] = value;
      });
      response.writeHead(forwarded.status, headers);
      response.end(Buffer.from(await forwarded.arrayBuffer()));
    });
  });
  return { ...proxy, seen };
}

describe("scim connector optimistic concurrency", () => {
  it("sends the version it read as If-Match", async () => {
    const proxy = await startRecordingProxy();
    try {
      const proxied = createScimConnector({ baseUrl: proxy.url }, { bearerToken: TOKEN });
      const action = disableAction("u-alice");
      const plan = await proxied.plan(action, context());

      await proxied.apply(action, grantFor(action, plan), context());

      expect(proxy.seen.filter((request) => request.method === "PATCH")).toEqual([
        { method: "PATCH", path: "/scim/v2/Users/u-alice", ifMatch: 'W/"1"' },
      ]);
    } finally {
      await proxy.close();
    }
  });

  it("reports a concurrent write as transient", async () => {
    const proxy = await startRecordingProxy(() =>
      patchAsAdmin("/Groups/g-eng", [{ op: "add", path: "members", value: [{ value: "u-dave" }] }]),
    );
    try {
      const proxied = createScimConnector({ baseUrl: proxy.url }, { bearerToken: TOKEN });
      const action = removeAction("u-alice", "g-eng");
      const plan = await proxied.plan(action, context());

      const error = await connectorError(proxied.apply(action, grantFor(action, plan), context()));

      expect(error.transient).toBe(true);
      expect(error.message).toContain("HTTP 412");
      const members = (await readAsAdmin("/Groups/g-eng")).members.map((member: { value: string }) => member.value);
      expect(members).toEqual(["u-alice", "u-bob", "u-dave"]);
    } finally {
      await proxy.close();
    }
  });
});
