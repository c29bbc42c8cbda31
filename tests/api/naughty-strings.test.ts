import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { normaliseTargetName } from "@/lib/actions/target-name";
import type { Incident, PrismaClient } from "@/lib/db/client";
import { createIncident, unique } from "@/tests/support/factories";
import { call, forEachConcurrently, openServerDatabase, seedWorkload, type ApiResponse, type SeededWorkload } from "./support/api";
import { startScimDomain, type ScimDomain } from "./support/scim-domain";

// Every string of the Big List of Naughty Strings goes through every free-text field of
// POST /incidents and POST /actions. Each request must end in 2xx, or in 4xx with a problem
// body, which `call` validates against the OpenAPI document. After a 2xx, the stored value
// must read back as sent, after the normalisation the field applies (trim, NFKC).

const BLNS: string[] = [...new Set(JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../fixtures/naughty-strings/blns.json"), "utf8")) as string[])];

/** Text PostgreSQL cannot store unchanged: U+0000 and unpaired UTF-16 surrogates. */
const UNSTORABLE = ["\u0000", "svc\u0000admin", "\ud800", "a\udc00b"];

const CONCURRENCY = 6;

let prisma: PrismaClient;
let scim: ScimDomain;
let incident: Incident;
let soar: SeededWorkload;
let nextTarget = 0;

beforeAll(async () => {
  prisma = openServerDatabase();
  scim = await startScimDomain(prisma, (BLNS.length + UNSTORABLE.length) * 4);
  incident = await createIncident(prisma);
  soar = await seedWorkload(prisma, { domains: [scim.domain.name], rateLimitPerMinute: 1_000_000 });
});

afterAll(async () => {
  await scim.close();
  await prisma.$disconnect();
});

interface Field {
  name: string;
  send(text: string): Promise<ApiResponse>;
  /** The value stored for `text` as the API returns it, read back after a 2xx. */
  readBack(response: ApiResponse): Promise<unknown>;
  /** What the field stores for `text`. */
  expected(text: string): string;
}

function proposal(overrides: { target?: Record<string, string>; justification?: string; evidence?: { title: string }[] } = {}) {
  const identity = scim.identity(nextTarget);
  nextTarget += 1;
  return {
    kind: "disable_account",
    target: { domain: scim.domain.name, identity, ...overrides.target },
    incidentId: incident.id,
    justification: overrides.justification ?? "Seen in a public CI log.",
    ...(overrides.evidence ? { evidence: overrides.evidence } : {}),
  };
}

async function readAction(response: ApiResponse) {
  const id = (response.body as { id: string }).id;
  const read = await call("GET", `/actions/${id}`, { token: soar.token });
  return read.body as { justification: string; target: { identity: string; displayName: string }; evidence: { title: string }[] };
}

async function readIncident(response: ApiResponse) {
  return prisma.incident.findUniqueOrThrow({ where: { id: (response.body as { id: string }).id } });
}

const incidentBody = () => ({ externalId: unique("INC"), title: "Leaked deploy token", severity: "high", summary: "" });

const FIELDS: Field[] = [
  {
    name: "POST /incidents title",
    send: (text) => call("POST", "/incidents", { token: soar.token, json: { ...incidentBody(), title: text } }),
    readBack: async (response) => (await readIncident(response)).title,
    expected: (text) => text.trim(),
  },
  {
    name: "POST /incidents summary",
    send: (text) => call("POST", "/incidents", { token: soar.token, json: { ...incidentBody(), summary: text } }),
    readBack: async (response) => (await readIncident(response)).summary,
    expected: (text) => text,
  },
  {
    name: "POST /actions justification",
    send: (text) => call("POST", "/actions", { token: soar.token, json: proposal({ justification: text }) }),
    readBack: async (response) => (await readAction(response)).justification,
    expected: (text) => text.trim(),
  },
  {
    name: "POST /actions target.displayName",
    send: (text) => call("POST", "/actions", { token: soar.token, json: proposal({ target: { displayName: text } }) }),
    readBack: async (response) => (await readAction(response)).target.displayName,
    expected: (text) => normaliseTargetName(text).name,
  },
  {
    name: "POST /actions target.identity",
    send: (text) => call("POST", "/actions", { token: soar.token, json: proposal({ target: { identity: text } }) }),
    readBack: async (response) => (await readAction(response)).target.identity,
    expected: (text) => text,
  },
  {
    name: "POST /actions evidence title",
    send: (text) => call("POST", "/actions", { token: soar.token, json: proposal({ evidence: [{ title: text }] }) }),
    readBack: async (response) => (await readAction(response)).evidence[0]?.title,
    expected: (text) => text,
  },
];

/** Sends every string through one field and returns what went wrong, one line per string. */
async function exercise(field: Field, strings: readonly string[]): Promise<{ failures: string[]; statuses: Map<number, number> }> {
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  await forEachConcurrently(strings, CONCURRENCY, async (text) => {
    const label = JSON.stringify(text).slice(0, 80);
    try {
      const response = await field.send(text);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status >= 500) return void failures.push(`${label}: ${response.status} ${response.text.slice(0, 200)}`);
      if (response.status >= 400) return;
      const stored = await field.readBack(response);
      if (stored !== field.expected(text)) failures.push(`${label}: stored as ${JSON.stringify(stored).slice(0, 80)}`);
    } catch (error) {
      failures.push(`${label}: ${(error as Error).message.slice(0, 300)}`);
    }
  });
  return { failures, statuses };
}

describe("naughty strings", () => {
  test.each(FIELDS)("$name takes every string of blns.json", { timeout: 600_000 }, async (field) => {
    const { failures, statuses } = await exercise(field, BLNS);

    expect(failures).toEqual([]);
    expect([...statuses.values()].reduce((sum, count) => sum + count, 0)).toBe(BLNS.length);
  });

  test.each(FIELDS)("$name rejects text PostgreSQL cannot store with 422", { timeout: 120_000 }, async (field) => {
    const { failures, statuses } = await exercise(field, UNSTORABLE);

    expect(failures).toEqual([]);
    expect(Object.fromEntries(statuses)).toEqual({ 422: UNSTORABLE.length });
  });
});
