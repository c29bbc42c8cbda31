import { z } from "zod";

/** Upper bound for one HTTP call of the demo automation, in milliseconds. */
const REQUEST_TIMEOUT_MS = 30_000;

/** A call of the demo automation that failed; the message names the call and the status, never a credential. */
export class DemoAutomationError extends Error {
  override readonly name = "DemoAutomationError";
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Bounds one call. A stop request never aborts a call in flight, so the server finishes handling it. */
function requestDeadline(): AbortSignal {
  return AbortSignal.timeout(REQUEST_TIMEOUT_MS);
}

const ZDiscovery = z.object({ token_endpoint: z.url() });
const ZTokenResponse = z.object({ access_token: z.string().min(1), token_type: z.string() });

export interface ClientCredentials {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** RFC 8707 resource indicator of the API the token is for. */
  resource: string;
}

/**
 * Gets an access token with the client_credentials grant (RFC 6749 §4.4), reading the token
 * endpoint from the issuer's discovery document and authenticating with client_secret_basic.
 * An aborted `stop` signal rejects before each of the two requests, as in cordonApi.
 */
export async function requestClientCredentialsToken(client: ClientCredentials, stop?: AbortSignal): Promise<string> {
  const discoveryUrl = `${client.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
  stop?.throwIfAborted();
  const discovery = await fetch(discoveryUrl, { signal: requestDeadline() });
  if (!discovery.ok) throw new DemoAutomationError(`discovery at ${discoveryUrl} returned HTTP ${discovery.status}`, discovery.status);
  const { token_endpoint: tokenEndpoint } = ZDiscovery.parse(await discovery.json());

  // RFC 6749 §2.3.1: the client id and secret are form-encoded before they are joined.
  const basic = Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString("base64");
  stop?.throwIfAborted();
  const response = await fetch(tokenEndpoint, {
    method: "POST",
    headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", resource: client.resource }),
    signal: requestDeadline(),
  });
  if (!response.ok) {
    const error = (await response.json().catch(() => ({}))) as { error?: unknown };
    throw new DemoAutomationError(`token request for ${client.clientId} returned HTTP ${response.status} (${String(error.error ?? "no error code")})`, response.status);
  }
  return ZTokenResponse.parse(await response.json()).access_token;
}

export interface ApiResponse {
  status: number;
  body: Record<string, unknown>;
}

/** Cordon's API as the demo automation calls it: JSON bodies and a workload JWT as the bearer token. */
export interface CordonApi {
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
}

/**
 * Returns Cordon's API at `baseUrl`. An aborted `stop` signal rejects the next call before it
 * is sent but lets a call in flight finish, because a request cut off mid-body makes Cordon
 * log the failed read as an error.
 */
export function cordonApi(baseUrl: string, accessToken: string, stop?: AbortSignal): CordonApi {
  return {
    async post(path, body, headers = {}) {
      stop?.throwIfAborted();
      const response = await fetch(new URL(path, baseUrl), {
        method: "POST",
        headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json", accept: "application/json", ...headers },
        body: JSON.stringify(body),
        signal: requestDeadline(),
      });
      const text = await response.text();
      let parsed: unknown = {};
      try {
        parsed = text === "" ? {} : JSON.parse(text);
      } catch {
        throw new DemoAutomationError(`POST ${path} returned HTTP ${response.status} with a body that is not JSON`, response.status);
      }
      return { status: response.status, body: typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {} };
    },
  };
}

/** Returns the RFC 9457 problem's detail, else its title, of an error response for a log line. */
export function problemSummary(response: ApiResponse): string {
  const { detail, title } = response.body;
  if (typeof detail === "string") return detail;
  if (typeof title === "string") return title;
  return `HTTP ${response.status}`;
}
