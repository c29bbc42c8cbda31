// fetch helpers for the console's own API calls. They send the session cookie (same
// origin), accept JSON, and turn RFC 9457 problem+json responses into ApiError, whose
// `detail` is the server's sentence for the person in front of the page.

/** A failed API call: the HTTP status and the problem's `detail`, or a network failure (status 0). */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly code: string | null = null,
  ) {
    super(detail);
  }
}

async function problemOf(response: Response): Promise<ApiError> {
  const type = response.headers.get("content-type") ?? "";
  if (type.includes("json")) {
    try {
      const body = (await response.json()) as { detail?: unknown; code?: unknown };
      if (typeof body.detail === "string" && body.detail) return new ApiError(response.status, body.detail, typeof body.code === "string" ? body.code : null);
    } catch {
      // An unreadable body gets the generic message below.
    }
  }
  return new ApiError(response.status, `the request failed with HTTP ${response.status} ${response.statusText}`.trim());
}

async function send<T>(url: string, init: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, credentials: "same-origin", cache: "no-store" });
  } catch (error) {
    // A cancelled request is not a failure; react-query expects the AbortError itself.
    if (init.signal?.aborted) throw error;
    throw new ApiError(0, "the server could not be reached; check your connection");
  }
  if (!response.ok) throw await problemOf(response);
  return (await response.json()) as T;
}

/** GETs a JSON resource; throws ApiError on any non-2xx response. */
export function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  return send<T>(url, { method: "GET", headers: { accept: "application/json" }, ...(signal ? { signal } : {}) });
}

/** POSTs a JSON body; throws ApiError on any non-2xx response. */
export function postJson<T>(url: string, body: unknown): Promise<T> {
  return send<T>(url, { method: "POST", headers: { accept: "application/json", "content-type": "application/json" }, body: JSON.stringify(body) });
}

/** Returns the sentence to show for a failed call; a 401 means the session has ended. */
export function describeApiError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 401) return "Your session has ended. Sign in again to continue.";
    return error.detail;
  }
  return "Something went wrong in the page. Reload it and try again.";
}
