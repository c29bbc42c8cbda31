import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { findFreePort } from "@/lib/db/embedded";
import { demoSecretPath } from "@/lib/demo/setup/demo-files";
import { DEMO_AUTOMATION_CLIENT, DEMO_DOMAINS, DEMO_OAUTH_CLIENTS } from "@/lib/demo/setup/demo-names";
import { requestClientCredentialsToken } from "@/lib/demo/setup/soar-http";
import { CI_DEPLOYER_TOKEN_COUNT, demoApiResource } from "@/lib/demo/setup/start-demo-oauth";
import { buildIfNeeded } from "@/server/build";
import {
  type CordonProcess,
  errorLines,
  isRunning,
  postmasterPid,
  queryEmbedded,
  startCordonProcess,
  waitUntilGone,
} from "./support/cordon-process";

// Every server started here runs the whole of `npm start`: embedded PostgreSQL, the console,
// the executor and the demo (CORDON_DEMO's default `auto` runs it on a fresh data dir).
const ROOT = path.resolve(import.meta.dirname, "../..");
const START_TIMEOUT_MS = 180_000;
/** CORDON_API_AUDIENCE's default, which the demo automation's JWTs carry. */
const API_AUDIENCE = "cordon";
/** The message the demo logs once the server listens and the automation has run. */
const DEMO_RUNNING = /^demo running at /;
const POSTGRES_TERMINATED = /57P01|terminating connection due to administrator command/;

const running: CordonProcess[] = [];
const dataDirs: string[] = [];

async function freshDataDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "cordon-startup-"));
  dataDirs.push(dir);
  return dir;
}

function start(dataDir: string, port: number): CordonProcess {
  const cordon = startCordonProcess({ dataDir, port });
  running.push(cordon);
  return cordon;
}

/** Waits until the demo runs and the executor has started, and returns the postmaster's pid. */
async function untilSteady(cordon: CordonProcess): Promise<number> {
  await cordon.waitForLog(DEMO_RUNNING, START_TIMEOUT_MS);
  await cordon.waitForLog(/^executor started$/);
  const pid = await postmasterPid(cordon.dataDir);
  if (pid === null) throw new Error("the embedded PostgreSQL wrote no postmaster.pid");
  return pid;
}

function messages(cordon: CordonProcess): string[] {
  return cordon.logLines().map((line) => line.msg);
}

beforeAll(async () => {
  // One build before the servers start, so that no start races a `next build` of another.
  await buildIfNeeded(ROOT, pino({ level: "warn" }));
}, 900_000);

afterEach(async () => {
  for (const cordon of running.splice(0)) {
    cordon.kill();
    await cordon.exited;
  }
});

afterAll(async () => {
  await Promise.all(dataDirs.map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

describe("stopping npm start", () => {
  test("Ctrl-C to the process group stops cleanly", async () => {
    const cordon = start(await freshDataDir(), await findFreePort());
    const postgres = await untilSteady(cordon);
    expect(isRunning(postgres)).toBe(true);

    // A terminal's Ctrl-C sends SIGINT to every process of the foreground process group.
    process.kill(-cordon.pid, "SIGINT");
    const exit = await cordon.exited;

    expect(exit).toEqual({ code: 0, signal: null });
    expect(errorLines(cordon.logLines())).toEqual([]);
    expect(cordon.output()).not.toMatch(POSTGRES_TERMINATED);
    expect(await waitUntilGone(postgres, 5_000)).toBe(true);
    expect(await postmasterPid(cordon.dataDir)).toBeNull();
    const order = messages(cordon);
    expect(order.indexOf("executor stopped")).toBeGreaterThan(-1);
    expect(order.indexOf("executor stopped")).toBeLessThan(order.indexOf("embedded PostgreSQL stopped"));
  }, 300_000);

  test("Ctrl-C right after listening stops cleanly", async () => {
    const cordon = start(await freshDataDir(), await findFreePort());
    await cordon.waitForLog(/^web server started$/, START_TIMEOUT_MS);
    const postgres = await postmasterPid(cordon.dataDir);

    // The demo automation and Next.js's instrumentation are usually still at work here.
    process.kill(-cordon.pid, "SIGINT");
    const exit = await cordon.exited;

    expect(exit).toEqual({ code: 0, signal: null });
    expect(errorLines(cordon.logLines())).toEqual([]);
    expect(cordon.output()).not.toMatch(POSTGRES_TERMINATED);
    expect(postgres).not.toBeNull();
    expect(await waitUntilGone(postgres!, 5_000)).toBe(true);
  }, 300_000);

  test("SIGTERM to Node alone stops cleanly", async () => {
    const cordon = start(await freshDataDir(), await findFreePort());
    const postgres = await untilSteady(cordon);

    process.kill(cordon.pid, "SIGTERM");
    const exit = await cordon.exited;

    expect(exit).toEqual({ code: 0, signal: null });
    expect(errorLines(cordon.logLines())).toEqual([]);
    expect(cordon.output()).not.toMatch(POSTGRES_TERMINATED);
    expect(await waitUntilGone(postgres, 5_000)).toBe(true);
    expect(await postmasterPid(cordon.dataDir)).toBeNull();
  }, 300_000);

  test("PostgreSQL stops when Node is killed", async () => {
    const dataDir = await freshDataDir();
    const port = await findFreePort();
    const killed = start(dataDir, port);
    const postgres = await untilSteady(killed);

    process.kill(killed.pid, "SIGKILL");
    expect(await killed.exited).toEqual({ code: null, signal: "SIGKILL" });

    expect(await waitUntilGone(postgres, 20_000)).toBe(true);
    expect(await postmasterPid(dataDir)).toBeNull();
    const next = start(dataDir, port);
    await untilSteady(next);
    expect(messages(next)).not.toContain("using the embedded PostgreSQL already running on this data dir");
    expect(messages(next)).not.toContain("removed stale postmaster.pid left by a previous run");
  }, 400_000);
});

interface TokenRecord {
  tokenId: string;
  state: string;
}

interface OAuthDomainSettings {
  issuer: string;
  adminUrl: string;
}

/** Reads the connector's credential file: its client secret and the admin API's bearer token. */
async function connectorCredential(dataDir: string): Promise<{ clientSecret: string; adminToken: string }> {
  return JSON.parse(await fs.readFile(demoSecretPath(dataDir, "oauthConnector"), "utf8")) as { clientSecret: string; adminToken: string };
}

async function oauthDomainSettings(dataDir: string): Promise<OAuthDomainSettings> {
  const [row] = await queryEmbedded<{ settings: OAuthDomainSettings }>(dataDir, "SELECT settings FROM domains WHERE name = $1", [DEMO_DOMAINS.oauth]);
  if (!row) throw new Error("the demo-oauth domain is not registered");
  return row.settings;
}

/** Lists ci-deployer's live tokens through demo-oauth's admin API. */
async function liveCiDeployerTokens(settings: OAuthDomainSettings, adminToken: string): Promise<TokenRecord[]> {
  const response = await fetch(`${settings.adminUrl}/tokens?client_id=${DEMO_OAUTH_CLIENTS.ciDeployer}`, { headers: { authorization: `Bearer ${adminToken}` } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { tokens: TokenRecord[] }).tokens;
}

async function revealToken(settings: OAuthDomainSettings, adminToken: string, tokenId: string): Promise<string> {
  const response = await fetch(`${settings.adminUrl}/tokens/reveal`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ tokenIds: [tokenId] }),
  });
  const [revealed] = ((await response.json()) as { tokens: { value: string }[] }).tokens;
  if (!revealed) throw new Error(`demo-oauth revealed no value for token ${tokenId}`);
  return revealed.value;
}

/** Asks demo-oauth, as Cordon's connector, whether a token is active (RFC 7662). */
async function isTokenActive(issuer: string, connectorSecret: string, token: string): Promise<boolean> {
  const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { introspection_endpoint: string };
  const basic = Buffer.from(`${DEMO_OAUTH_CLIENTS.connector}:${encodeURIComponent(connectorSecret)}`).toString("base64");
  const response = await fetch(discovery.introspection_endpoint, {
    method: "POST",
    headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token, token_type_hint: "access_token" }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { active: boolean }).active;
}

/** Gets a workload JWT for the demo automation from the issuer its workload client names now. */
async function automationJwt(dataDir: string, issuer: string): Promise<string> {
  const clientSecret = (await fs.readFile(demoSecretPath(dataDir, "automationClientSecret"), "utf8")).trim();
  return requestClientCredentialsToken({ issuer, clientId: DEMO_OAUTH_CLIENTS.automation, clientSecret, resource: demoApiResource(API_AUDIENCE).identifier });
}

async function listActionsStatus(baseUrl: string, jwt: string): Promise<number> {
  const response = await fetch(`${baseUrl}/api/v1/actions`, { headers: { authorization: `Bearer ${jwt}` } });
  await response.arrayBuffer();
  return response.status;
}

describe("restarting the demo", () => {
  test("restart leaves one live credential of each kind", async () => {
    const dataDir = await freshDataDir();
    const port = await findFreePort();
    const first = start(dataDir, port);
    await untilSteady(first);
    const [firstClient] = await queryEmbedded<{ jwtIssuer: string }>(dataDir, 'SELECT "jwtIssuer" FROM workload_clients WHERE name = $1', [DEMO_AUTOMATION_CLIENT]);
    const firstOAuth = await oauthDomainSettings(dataDir);
    const firstConnector = await connectorCredential(dataDir);
    const firstSecret = (await fs.readFile(demoSecretPath(dataDir, "automationClientSecret"), "utf8")).trim();
    const earlierJwt = await automationJwt(dataDir, firstClient!.jwtIssuer);
    const firstTokens = await liveCiDeployerTokens(firstOAuth, firstConnector.adminToken);
    const earlierToken = await revealToken(firstOAuth, firstConnector.adminToken, firstTokens[0]!.tokenId);

    expect(await listActionsStatus(first.baseUrl, earlierJwt)).toBe(200);
    expect(firstTokens).toHaveLength(CI_DEPLOYER_TOKEN_COUNT);
    expect(await isTokenActive(firstOAuth.issuer, firstConnector.clientSecret, earlierToken)).toBe(true);

    process.kill(first.pid, "SIGTERM");
    expect((await first.exited).code).toBe(0);
    const second = start(dataDir, port);
    await untilSteady(second);
    const clients = await queryEmbedded<{ id: string; jwtIssuer: string }>(dataDir, 'SELECT id, "jwtIssuer" FROM workload_clients WHERE name = $1', [DEMO_AUTOMATION_CLIENT]);
    const secondOAuth = await oauthDomainSettings(dataDir);
    const secondConnector = await connectorCredential(dataDir);
    const secondTokens = await liveCiDeployerTokens(secondOAuth, secondConnector.adminToken);

    // The demo automation authenticates with JWTs only: one trusted issuer, no API key, no personal token.
    expect(clients).toHaveLength(1);
    expect(clients[0]!.jwtIssuer).toBe(secondOAuth.issuer);
    expect(clients[0]!.jwtIssuer).not.toBe(firstClient!.jwtIssuer);
    expect(await queryEmbedded(dataDir, 'SELECT id FROM api_keys WHERE "clientId" = $1', [clients[0]!.id])).toEqual([]);
    expect(await queryEmbedded(dataDir, "SELECT id FROM personal_access_tokens")).toEqual([]);
    const repointed = await queryEmbedded(dataDir, "SELECT id FROM audit_events WHERE \"eventType\" = 'workload_client.updated' AND payload->>'jwtIssuer' = $1", [secondOAuth.issuer]);
    expect(repointed).toHaveLength(1);

    expect(await listActionsStatus(second.baseUrl, earlierJwt)).toBe(401);
    expect(await listActionsStatus(second.baseUrl, await automationJwt(dataDir, secondOAuth.issuer))).toBe(200);

    expect(secondTokens).toHaveLength(CI_DEPLOYER_TOKEN_COUNT);
    expect(secondTokens.map((token) => token.tokenId)).not.toContain(firstTokens[0]!.tokenId);
    expect(await isTokenActive(secondOAuth.issuer, secondConnector.clientSecret, earlierToken)).toBe(false);

    const output = `${first.output()}\n${second.output()}`;
    for (const secret of [firstSecret, firstConnector.clientSecret, firstConnector.adminToken, secondConnector.clientSecret, secondConnector.adminToken, earlierJwt, earlierToken]) {
      expect(output.includes(secret), "a demo secret appears in the server's output").toBe(false);
    }
  }, 400_000);
});
