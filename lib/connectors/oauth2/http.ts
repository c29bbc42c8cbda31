import { ConnectorError, type DomainReference } from "@/lib/connectors/types";

/** Response headers servers use for their request id; every one present is recorded. */
const REQUEST_ID_HEADERS = ["x-request-id", "request-id", "x-correlation-id"] as const;
/** Request ids are copied into references and logs, so only short printable ids are kept. */
const REQUEST_ID_PATTERN = /^[\w.:/+=-]{1,128}$/;
/** OAuth error codes are ASCII words (RFC 6749 §5.2); anything else is not echoed. */
const ERROR_CODE_PATTERN = /^[\w.-]{1,64}$/;
/** Responses above this size are rejected instead of buffered. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

export interface HttpRequest {
  /** Names the endpoint in error messages, e.g. "revocation endpoint". */
  endpoint: string;
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
  /** Statuses returned to the caller instead of raised; 2xx is always accepted. */
  acceptStatuses?: readonly number[];
  signal: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** Parsed JSON body, or undefined when the body is empty or not JSON. */
  json: unknown;
  references: DomainReference[];
}

function requestIdReferences(headers: Headers): DomainReference[] {
  const references: DomainReference[] = [];
  for (const name of REQUEST_ID_HEADERS) {
    const value = headers.get(name);
    if (value !== null && REQUEST_ID_PATTERN.test(value)) references.push({ type: "request_id", value });
  }
  return references;
}

async function readLimited(response: Response, endpoint: string, references: DomainReference[]): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;

  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      await reader.cancel();
      throw new ConnectorError(`${endpoint} response exceeds ${MAX_RESPONSE_BYTES} bytes`, false, references);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function errorCodeOf(json: unknown): string | undefined {
  if (typeof json !== "object" || json === null) return undefined;
  const code = (json as Record<string, unknown>).error;
  return typeof code === "string" && ERROR_CODE_PATTERN.test(code) ? code : undefined;
}

function describeNetworkError(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (typeof cause?.code === "string") return cause.code;
  return error instanceof Error ? error.name : "unknown error";
}

/**
 * Sends one HTTP request with a timeout and maps failures to ConnectorError: network errors,
 * timeouts, 5xx and 429 are transient, other statuses outside 2xx and `acceptStatuses` are
 * permanent. Messages name the endpoint, the status and the OAuth error code, never a request
 * or response body, because those can contain tokens.
 */
export async function sendHttp(request: HttpRequest, timeoutMs: number): Promise<HttpResponse> {
  const timeout = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.any([request.signal, timeout]),
      // A redirect could carry the client credentials to another origin.
      redirect: "manual",
    });
  } catch (error) {
    if (request.signal.aborted) throw new ConnectorError(`${request.endpoint} request aborted by the caller's deadline`, true);
    if (timeout.aborted) throw new ConnectorError(`${request.endpoint} request timed out after ${timeoutMs} ms`, true);
    throw new ConnectorError(`${request.endpoint} request failed: ${describeNetworkError(error)}`, true);
  }

  const references = requestIdReferences(response.headers);
  const text = await readLimited(response, request.endpoint, references);
  const json = parseJson(text);
  const { status } = response;

  if ((status >= 200 && status < 300) || request.acceptStatuses?.includes(status)) {
    return { status, json, references };
  }

  const code = errorCodeOf(json);
  const suffix = code === undefined ? "" : ` (${code})`;
  if (status >= 300 && status < 400) {
    throw new ConnectorError(`${request.endpoint} responded with redirect ${status}, which the connector does not follow`, false, references);
  }
  // 429 Too Many Requests (RFC 6585 §4) reports a temporary rate limit, so it is retried like a 5xx.
  const transient = status >= 500 || status === 429;
  throw new ConnectorError(`${request.endpoint} failed with HTTP ${status}${suffix}`, transient, references);
}
