import { ConnectorError, type DomainReference } from "@/lib/connectors/types";

export const SCIM_CONTENT_TYPE = "application/scim+json";

/** Response headers service providers use for their request id, first match wins. */
const REQUEST_ID_HEADERS = ["x-request-id", "request-id"] as const;

const MAX_DETAIL_LENGTH = 300;

/** A SCIM error response; callers turn `status` 404 into a message that names the missing resource. */
export class ScimHttpError extends ConnectorError {
  constructor(
    message: string,
    transient: boolean,
    readonly status: number,
    references: DomainReference[],
  ) {
    super(message, transient, references);
  }
}

export interface ScimRequest {
  method: "GET" | "PATCH";
  /** Path below the base URL with every id already percent-encoded, e.g. `/Users/2819c223`. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** Sent as If-Match (RFC 7644 §3.14) so a write fails with 412 when the resource changed since it was read. */
  ifMatch?: string;
  signal: AbortSignal;
}

export interface ScimResponse {
  status: number;
  /** Parsed JSON body; undefined for an empty body such as 204 No Content. */
  body: unknown;
  etag: string | undefined;
  /** The service provider's request id, when it sent one. */
  references: DomainReference[];
}

/**
 * Sends SCIM requests with the domain's bearer token. The token is a private field, so logging,
 * inspecting or serializing the client does not show it. Messages built from server responses
 * have the token removed in case the server echoes it.
 */
export class ScimClient {
  readonly #baseUrl: string;
  readonly #bearerToken: string;
  readonly #timeoutMs: number;

  constructor(baseUrl: string, bearerToken: string, timeoutMs: number) {
    this.#baseUrl = baseUrl.replace(/\/+$/, "");
    this.#bearerToken = bearerToken;
    this.#timeoutMs = timeoutMs;
  }

  async send(request: ScimRequest): Promise<ScimResponse> {
    const url = new URL(this.#baseUrl + request.path);
    for (const [name, value] of Object.entries(request.query ?? {})) url.searchParams.set(name, value);
    const label = `SCIM ${request.method} ${request.path}`;

    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = AbortSignal.any([request.signal, timeout]);

    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: request.method,
        headers: this.#headers(request),
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal,
        // A redirect could carry the bearer token to another origin, so redirects are reported instead.
        redirect: "manual",
      });
      text = await response.text();
    } catch (error) {
      throw this.#transportError(label, error, request.signal, timeout);
    }

    const references = requestIdReferences(response.headers);
    const body = parseJson(text);
    if (response.status >= 200 && response.status < 300) {
      if (body === INVALID_JSON) throw new ConnectorError(`${label} returned a body that is not JSON`, false, references);
      return { status: response.status, body, etag: response.headers.get("etag") ?? undefined, references };
    }

    throw this.#statusError(label, response, body, references);
  }

  #headers(request: ScimRequest): Record<string, string> {
    const headers: Record<string, string> = {
      accept: `${SCIM_CONTENT_TYPE}, application/json`,
      authorization: `Bearer ${this.#bearerToken}`,
      "user-agent": "cordon-scim-connector",
    };
    if (request.body !== undefined) headers["content-type"] = SCIM_CONTENT_TYPE;
    if (request.ifMatch !== undefined) headers["if-match"] = request.ifMatch;
    return headers;
  }

  #transportError(label: string, error: unknown, callerSignal: AbortSignal, timeout: AbortSignal): ConnectorError {
    if (timeout.aborted) return new ConnectorError(`${label} timed out after ${this.#timeoutMs} ms`, true);
    if (callerSignal.aborted) return new ConnectorError(`${label} was aborted by the caller's deadline`, true);

    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    const reason = typeof cause?.code === "string" ? cause.code : String(cause?.message ?? (error as Error).message);
    return new ConnectorError(`${label} failed: ${this.#redact(reason)}`, true);
  }

  #statusError(label: string, response: Response, body: unknown, references: DomainReference[]): ScimHttpError {
    const status = response.status;
    const detail = this.#detailOf(body);

    if (status === 401) {
      const message = `${label} was rejected with HTTP 401: the SCIM server did not accept the bearer token. Check the domain's credential.`;
      return new ScimHttpError(message, false, status, references);
    }
    if (status === 403) {
      const message = `${label} was rejected with HTTP 403: the bearer token lacks the permission for this request.${detail}`;
      return new ScimHttpError(message, false, status, references);
    }
    if (status >= 300 && status < 400) {
      const message = `${label} was redirected with HTTP ${status}; redirects are not followed, so set baseUrl to the final location.`;
      return new ScimHttpError(message, false, status, references);
    }

    // 412 means the resource changed between the read and the write; a retry reads and plans again.
    const transient = status >= 500 || status === 408 || status === 412 || status === 429;
    return new ScimHttpError(`${label} failed with HTTP ${status}.${detail}`, transient, status, references);
  }

  #detailOf(body: unknown): string {
    if (typeof body !== "object" || body === null) return "";

    const { detail, scimType } = body as { detail?: unknown; scimType?: unknown };
    const parts = [typeof scimType === "string" ? `scimType ${scimType}` : "", typeof detail === "string" ? detail : ""];
    const text = this.#redact(parts.filter(Boolean).join(": ")).slice(0, MAX_DETAIL_LENGTH);
    return text === "" ? "" : ` Server detail: ${text}`;
  }

  #redact(text: string): string {
    return text.split(this.#bearerToken).join("[redacted]");
  }
}

const INVALID_JSON = Symbol("invalid JSON");

function parseJson(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return INVALID_JSON;
  }
}

function requestIdReferences(headers: Headers): DomainReference[] {
  for (const name of REQUEST_ID_HEADERS) {
    const value = headers.get(name);
    if (value) return [{ type: "scim_request_id", value: value.slice(0, 200) }];
  }
  return [];
}
