import { expect, inject } from "vitest";
import { generateApiKey, hashApiKeySecret } from "@/lib/auth/api-key";
import { generatePersonalToken, hashPersonalTokenSecret } from "@/lib/auth/personal-token";
import { createPrismaClient, type PrismaClient, type User, type WorkloadClient } from "@/lib/db/client";
import type { ActionKind, Role } from "@/lib/db/generated/enums";
import { createClient, createUser } from "@/tests/support/factories";
import { checkResponse, createDocumentValidator, type DocumentValidator, type OpenApiDocument } from "./openapi-validator";

// Helpers for HTTP tests against the server that tests/api/support/global-setup.ts started.

export const baseUrl = (): string => inject("cordonBaseUrl");

/** Opens a Prisma client on the server's own database, for seeding and for checking stored rows. */
export function openServerDatabase(): PrismaClient {
  return createPrismaClient(inject("cordonDatabaseUrl"), { max: 4 });
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined when the body is not JSON. */
  body: unknown;
  text: string;
}

export interface RequestOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Serialised as JSON with `content-type: application/json`. */
  json?: unknown;
  /** Sent as is, with `contentType` when given. */
  raw?: string | Uint8Array | ReadableStream<Uint8Array>;
  contentType?: string;
  headers?: Record<string, string>;
}

let validator: Promise<DocumentValidator> | undefined;

/** Returns the validator of the document the server serves, fetched once per test file. */
export function servedDocument(): Promise<DocumentValidator> {
  validator ??= fetch(`${baseUrl()}/api/v1/openapi.json`)
    .then((response) => response.json() as Promise<OpenApiDocument>)
    .then(createDocumentValidator);
  return validator;
}

/** Statuses each operation returned in this file, keyed `METHOD /template`. */
export const observedStatuses = new Map<string, Set<number>>();

/**
 * Sends one request to `/api/v1<path>` and checks the response against the served OpenAPI
 * document: the status must be documented for the operation and the body must validate.
 */
export async function call(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: RequestInit["body"];
  if (options.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.json);
  } else if (options.raw !== undefined) {
    if (options.contentType !== undefined) headers["content-type"] = options.contentType;
    body = options.raw as BodyInit;
  }

  const init: RequestInit & { duplex?: "half" } = { method, headers, body };
  if (options.raw instanceof ReadableStream) init.duplex = "half";
  const response = await fetch(`${baseUrl()}/api/v1${path}`, init);
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }

  const pathname = path.split("?")[0]!;
  const document = await servedDocument();
  const found = document.findOperation(method, pathname);
  if (found) {
    const key = `${method.toUpperCase()} ${found.template}`;
    observedStatuses.set(key, (observedStatuses.get(key) ?? new Set()).add(response.status));
  }
  const differences = checkResponse(document, method, pathname, response.status, response.headers.get("content-type") ?? "", parsed);
  expect(differences, `${method} ${path} → ${response.status} does not match the OpenAPI document: ${text.slice(0, 500)}`).toEqual([]);
  return { status: response.status, headers: response.headers, body: parsed, text };
}

/** Builds the expected problem+json body, matching any request id. */
export function problem(status: number, code: string, title: string, detail: string, instance: string, extra: Record<string, unknown> = {}) {
  return {
    type: `https://cordon.dev/problems/${code}`,
    title,
    status,
    detail,
    code,
    instance,
    requestId: expect.any(String),
    ...extra,
  };
}

export interface SeededWorkload {
  client: WorkloadClient;
  /** `cdn_…` API key. */
  token: string;
  keyId: string;
}

/** Creates a workload client with one API key, stored as its id and the SHA-256 of its secret. */
export async function seedWorkload(
  prisma: PrismaClient,
  options: { domains?: string[]; kinds?: ActionKind[]; owner?: string; rateLimitPerMinute?: number; key?: { expiresAt?: Date; revokedAt?: Date } } = {},
): Promise<SeededWorkload> {
  const client = await createClient(prisma, options);
  const key = generateApiKey();
  await prisma.apiKey.create({ data: { id: key.id, clientId: client.id, secretHash: hashApiKeySecret(key.secret), expiresAt: options.key?.expiresAt ?? null, revokedAt: options.key?.revokedAt ?? null } });
  return { client, token: key.token, keyId: key.id };
}

export interface SeededPerson {
  user: User;
  /** `cdp_…` personal access token. */
  token: string;
}

export async function seedPerson(prisma: PrismaClient, options: { roles?: Role[]; email?: string; token?: { expiresAt?: Date; revokedAt?: Date } } = {}): Promise<SeededPerson> {
  const user = await createUser(prisma, options);
  const generated = generatePersonalToken();
  await prisma.personalAccessToken.create({
    data: { id: generated.id, userId: user.id, name: "api tests", secretHash: hashPersonalTokenSecret(generated.secret), expiresAt: options.token?.expiresAt ?? null, revokedAt: options.token?.revokedAt ?? null },
  });
  return { user, token: generated.token };
}

/** Runs `task` for every item with at most `concurrency` tasks in flight. */
export async function forEachConcurrently<T>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      await task(items[index]!, index);
    }
  });
  await Promise.all(workers);
}
