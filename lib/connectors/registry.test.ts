import { mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { proposeAction } from "@/lib/actions/propose-action";
import { ZProposeActionBody } from "@/lib/actions/schemas";
import type { Domain } from "@/lib/db/client";
import { ValidationFailed } from "@/lib/errors";
import { createLifecycle, SCIM_TOKEN, SCIM_TOKEN_ENV, startScimDomain, testLogger, type ScimDomain } from "@/lib/executor/testing";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { serviceContext, unique, workload } from "@/tests/support/factories";
import { createConnectorPlanner } from "./connector-planner";
import { planHash } from "./plan-hash";
import { clearConnectorCache, connectorForDomain } from "./registry";
import { ConnectorError } from "./types";

let db: TestDatabase;
let scim: ScimDomain;
let folder: string;

beforeAll(async () => {
  db = await createTestDatabase();
  scim = await startScimDomain(db.prisma, ["u-1", "u-2"]);
  folder = await mkdtemp(path.join(os.tmpdir(), "cordon-credentials-"));
});

afterAll(async () => {
  await clearConnectorCache();
  await rm(folder, { recursive: true, force: true });
  await scim?.close();
  await db?.drop();
});

function domainRow(overrides: Partial<Domain>): Domain {
  return { ...scim.domain, id: crypto.randomUUID(), name: unique("registry"), updatedAt: new Date(), ...overrides };
}

async function connectorError(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

const planContext = () => ({ signal: new AbortController().signal });
const disableU1 = { id: "a-1", kind: "disable_account" as const, target: { domain: "scim", identity: "u-1" }, parameters: {} };

describe("connectorForDomain", () => {
  test("caches a working connector per version", async () => {
    const domain = domainRow({});
    const connector = await connectorForDomain(domain);

    const plan = await connector.plan(disableU1, planContext());

    expect(connector.kind).toBe("scim");
    expect(plan.diff.objects[0]?.before).toEqual({ active: true });
    expect(await connectorForDomain(domain)).toBe(connector);
    expect(await connectorForDomain({ ...domain, updatedAt: new Date(domain.updatedAt.getTime() + 1) })).not.toBe(connector);
  });

  test("reads the credential from a file", async () => {
    const file = path.join(folder, "scim-token");
    await writeFile(file, `${SCIM_TOKEN}\n`, { mode: 0o600 });
    const connector = await connectorForDomain(domainRow({ credentialRef: `file:${file}` }));

    const plan = await connector.plan(disableU1, planContext());

    expect(plan.diff.objects[0]?.id).toBe("u-1");
  });

  test("reports an unavailable credential as permanent", async () => {
    const variable = "CORDON_TEST_REGISTRY_UNSET";
    delete process.env[variable];
    const domain = domainRow({ credentialRef: `env:${variable}` });

    const error = await connectorError(connectorForDomain(domain));

    expect(error.message).toBe(`domain ${domain.name}: credential "env:${variable}": environment variable ${variable} is not set in the Cordon process`);
    expect(error.transient).toBe(false);
  });

  test("accepts a JSON credential object", async () => {
    const variable = "CORDON_TEST_REGISTRY_OAUTH2";
    process.env[variable] = JSON.stringify({ clientSecret: "client-secret-value", adminToken: "admin-token-value-0123456789" });
    const domain = domainRow({
      kind: "oauth2",
      settings: { endpoints: { introspection: "http://127.0.0.1:9/introspect", revocation: "http://127.0.0.1:9/revoke" }, clientId: "cordon", adminUrl: "http://127.0.0.1:9/admin" },
      credentialRef: `env:${variable}`,
    });

    const connector = await connectorForDomain(domain);

    expect(connector.kind).toBe("oauth2");
    expect(connector.describeCredentials().map((requirement) => requirement.privilege).join(" ")).toContain("Admin API");
  });

  test("names invalid settings", async () => {
    const domain = domainRow({ settings: { baseUrl: "http://scim.example.com/scim/v2" } });

    const error = await connectorError(connectorForDomain(domain));

    expect(error.message).toMatch(/^domain registry-\w+ has invalid scim settings: baseUrl: baseUrl must use https/);
    expect(error.transient).toBe(false);
  });

  test("reports invalid credentials by field only", async () => {
    const variable = "CORDON_TEST_REGISTRY_BAD_JSON";
    process.env[variable] = JSON.stringify({ clientSecret: "", extra: "leaked-value-1" });
    const oauth2 = domainRow({ kind: "oauth2", settings: { issuer: "http://127.0.0.1:9", clientId: "cordon" }, credentialRef: `env:${variable}` });
    process.env.CORDON_TEST_REGISTRY_NOT_JSON = "{not json, leaked-value-2";
    const scimDomain = domainRow({ credentialRef: "env:CORDON_TEST_REGISTRY_NOT_JSON" });

    const invalid = await connectorError(connectorForDomain(oauth2));
    const notJson = await connectorError(connectorForDomain(scimDomain));

    expect(invalid.message).toMatch(/is invalid for oauth2; check clientSecret/);
    expect(invalid.message).not.toContain("leaked-value-1");
    expect(notJson.message).toMatch(/starts with "\{" but is not valid JSON$/);
    expect(notJson.message).not.toContain("leaked-value-2");
  });

  test("retries a failed build", async () => {
    const variable = "CORDON_TEST_REGISTRY_LATE";
    delete process.env[variable];
    const domain = domainRow({ credentialRef: `env:${variable}` });
    await connectorError(connectorForDomain(domain));

    process.env[variable] = SCIM_TOKEN;

    expect((await connectorForDomain(domain)).kind).toBe("scim");
  });
});

describe("createConnectorPlanner", () => {
  function request(identity: string, domain: Domain = scim.domain) {
    return {
      actionId: crypto.randomUUID(),
      kind: "disable_account",
      domain: { id: domain.id, name: domain.name, kind: domain.kind },
      target: { identity, resource: null, displayName: identity },
      parameters: {},
    };
  }

  test("returns the diff with its hash", async () => {
    const planner = createConnectorPlanner({ db: () => db.prisma, logger: testLogger() });

    const plan = await planner(request("u-2"));

    expect(plan.diff.objects[0]).toMatchObject({ type: "scim_user", id: "u-2", before: { active: true }, after: { active: false } });
    expect(plan.hash).toBe(planHash(plan.diff));
  });

  test("maps an unknown target to 422", async () => {
    const planner = createConnectorPlanner({ db: () => db.prisma, logger: testLogger() });

    const error = await planner(request("u-missing")).then(
      () => undefined,
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(ValidationFailed);
    expect((error as ValidationFailed).message).toMatch(new RegExp(`^domain ${scim.domain.name} cannot plan disable_account for target "u-missing": .*not found`, "i"));
    expect((error as ValidationFailed).errors[0]?.pointer).toBe("/target/identity");
  });

  test("proposal for a missing target stores nothing", async () => {
    const lifecycle = await createLifecycle(db.prisma, scim.domain);
    const context = await serviceContext(db.prisma, workload(lifecycle.client), { planner: lifecycle.planner });
    const body = ZProposeActionBody.parse({ kind: "disable_account", target: { domain: scim.domain.name, identity: "u-missing" }, parameters: {}, incidentId: lifecycle.incident.id, justification: "test" });

    await expect(proposeAction(context, body)).rejects.toMatchObject({ code: "validation_failed" });
    expect(await db.prisma.action.count({ where: { targetIdentity: "u-missing" } })).toBe(0);
  });

  test("timeout becomes domain unavailable", async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const domain = await db.prisma.domain.create({
        data: { name: unique("scim-silent"), kind: "scim", settings: { baseUrl: `http://127.0.0.1:${port}/scim/v2` }, credentialRef: `env:${SCIM_TOKEN_ENV}` },
      });
      const planner = createConnectorPlanner({ db: () => db.prisma, logger: testLogger(), timeoutMs: 200 });

      await expect(planner(request("u-1", domain))).rejects.toMatchObject({
        code: "domain_unavailable",
        message: `domain ${domain.name} could not plan the proposal right now: plan timed out after 200 ms; retry later`,
      });
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
