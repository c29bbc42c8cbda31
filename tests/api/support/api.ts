import http from "node:http";
import { expect, inject } from "vitest";
import { generateApiKey, hashApiKeySecret } from "@/lib/auth/api-key";
import { generatePersonalToken, hashPersonalTokenSecret } from "@/lib/auth/personal-token";
import { createPrismaClient, type PrismaClient, type User, type WorkloadClient } from "@/lib/db/client";
import type { ActionKind, Role } from "@/lib/db/generated/enums";
import { createClient, createUser } from "@/tests/support/factories";
import { checkResponse, createDocumentValidator, type DocumentValidator, type OpenApiDocument } from "./openapi-validator";

// Helpers for HTTP tests against the server that tests/api/support/global-setup.ts started.

function provided(name: "cordonBaseUrl" | "cordonDatabaseUrl"): string {
  const value = inject(name);
  if (!value) throw new Error("tests/api needs the server its global setup starts; run it with `npx vitest run --config vitest.api.config.ts`");
  return value;
}

export const baseUrl = (): string => provided("cordonBaseUrl");

/** Opens a Prisma client on the server's own database, for seeding and for checking stored rows. */
export function openServerDatabase(): PrismaClient {
  return createPrismaClient(provided("cordonDatabaseUrl"), { max: 4 });
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
  raw?: string | Uint8Array;
  /** Sent one after another with chunked transfer encoding, on a new connection. */
  chunks?: Uint8Array[];
  contentType?: string;
  headers?: Record<string, string>;
  /**
   * Sends the request on a connection of its own. A server that rejects a body before reading
   * it may close the connection, which must not break the next request of the test file.
   */
  newConnection?: boolean;
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
 * Sends a request with node:http on a new connection (`agent: false`), writing `chunks` one by
 * one. Resolves with the response even when the server stops reading the body and resets the
 * connection after it answered.
 */
function sendOnNewConnection(url: string, method: string, headers: Record<string, string>, chunks: readonly (string | Uint8Array)[]): Promise<{ status: number; headers: Headers; text: string }> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const request = http.request(url, { method, headers, agent: false }, (response) => {
      answered = true;
      const parts: Buffer[] = [];
      response.on("data", (part: Buffer) => parts.push(part));
      response.on("error", reject);
      response.on("end", () => {
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(response.headers)) {
          if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(", ") : value);
        }
        resolve({ status: response.statusCode ?? 0, headers: responseHeaders, text: Buffer.concat(parts).toString("utf8") });
      });
    });
    request.on("error", (error) => {
      if (!answered) reject(error);
    });
    const write = async () => {
      for (const chunk of chunks) {
        if (answered || request.destroyed) return;
        if (!request.write(chunk)) await new Promise<void>((drained) => request.once("drain", () => drained()));
      }
      request.end();
    };
    void write();
  });
}

/**
 * Sends one request to `/api/v1<path>` and checks the response against the served OpenAPI
 * document: the status must be documented for the operation and the body must validate.
 */
export async function call(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
  const url = `${baseUrl()}/api/v1${path}`;
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | Uint8Array | undefined;
  if (options.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.json);
  } else if (options.raw !== undefined || options.chunks !== undefined) {
    if (options.contentType !== undefined) headers["content-type"] = options.contentType;
    body = options.raw;
  }

  let received: { status: number; headers: Headers; text: string };
  if (options.chunks !== undefined || options.newConnection) {
    if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
    received = await sendOnNewConnection(url, method, headers, options.chunks ?? (body === undefined ? [] : [body]));
  } else {
    const response = await fetch(url, { method, headers, body: body as BodyInit | undefined });
    received = { status: response.status, headers: response.headers, text: await response.text() };
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(received.text);
  } catch {
    parsed = undefined;
  }

  const pathname = path.split("?")[0]!;
  const document = await servedDocument();
  const found = document.findOperation(method, pathname);
  if (found) {
    const key = `${method.toUpperCase()} ${found.template}`;
    observedStatuses.set(key, (observedStatuses.get(key) ?? new Set()).add(received.status));
  }
  const differences = checkResponse(document, method, pathname, received.status, received.headers.get("content-type") ?? "", parsed);
  expect(differences, `${method} ${path} → ${received.status} does not match the OpenAPI document: ${received.text.slice(0, 500)}`).toEqual([]);
  return { status: received.status, headers: received.headers, body: parsed, text: received.text };
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
