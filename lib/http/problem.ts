import { ZodError } from "zod";
import { CordonError, DomainUnavailable, RateLimited, ValidationFailed } from "@/lib/errors";

/** Errors of the HTTP layer itself, before a request reaches lib/. */
export class HttpError extends CordonError {
  constructor(
    readonly code: "bad_request" | "not_found" | "method_not_allowed" | "payload_too_large" | "unsupported_media_type",
    message: string,
  ) {
    super(message);
  }
}

/** The one table from error code to HTTP status. */
export const STATUS_BY_CODE: Record<string, number> = {
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  policy_denied: 403,
  separation_of_duties: 403,
  not_found: 404,
  method_not_allowed: 405,
  action_state_conflict: 409,
  already_in_effect: 409,
  open_action_exists: 409,
  grant_already_redeemed: 409,
  grant_not_found: 409,
  plan_hash_mismatch: 409,
  approval_expired: 410,
  grant_expired: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  idempotency_key_reused: 422,
  rate_limited: 429,
  domain_unavailable: 503,
};

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  410: "Gone",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId: string;
  code: string;
  errors?: FieldError[];
  [member: string]: unknown;
}

/** One invalid value of a request: where it is and what is wrong with it. */
export interface FieldError {
  pointer: string;
  message: string;
}

/** Builds the RFC 6901 JSON Pointer of `path`: `~` becomes `~0` and `/` becomes `~1` in each token. */
export function jsonPointer(path: readonly PropertyKey[]): string {
  return path.map((part) => `/${String(part).replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");
}

/**
 * Converts zod issues to field errors with JSON Pointers below `prefix`. zod reports unknown
 * keys once on their parent object, so each key becomes an entry of its own that points at
 * the unknown member. An issue on the whole document has the empty pointer "", because "/"
 * would name a member whose key is the empty string.
 */
export function zodErrors(error: ZodError, prefix = ""): FieldError[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ pointer: `${prefix}${jsonPointer([...issue.path, key])}`, message: `Unrecognized key: ${JSON.stringify(key)}` }));
    }
    return [{ pointer: `${prefix}${jsonPointer(issue.path)}`, message: issue.message }];
  });
}

/**
 * Turns any error into an RFC 9457 problem. Unknown errors become a generic 500 that names
 * only the request id: their messages may carry internals, so they are logged, never echoed.
 */
export function toProblem(error: unknown, requestId: string, instance: string): Problem {
  const base = { instance, requestId };
  if (error instanceof ZodError || isZodError(error)) {
    const errors = zodErrors(error);
    return { type: "https://cordon.dev/problems/validation_failed", title: TITLES[422]!, status: 422, detail: validationDetail(errors[0]), code: "validation_failed", errors, ...base };
  }
  if (CordonError.is(error)) {
    const status = STATUS_BY_CODE[error.code] ?? 500;
    const problem: Problem = {
      type: `https://cordon.dev/problems/${error.code}`,
      title: TITLES[status] ?? "Error",
      status,
      detail: error.message,
      code: error.code,
      ...error.details,
      ...base,
    };
    if (error.code === "validation_failed") problem.errors = (error as ValidationFailed).errors;
    return problem;
  }
  return { type: "about:blank", title: TITLES[500]!, status: 500, detail: `an unexpected error occurred; quote request id ${requestId} when reporting it`, code: "internal_error", ...base };
}

export function problemResponse(problem: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { "content-type": "application/problem+json", "cache-control": "no-store", ...headers },
  });
}

/** Response headers a problem needs: Retry-After for 429 and 503, a Bearer challenge for 401 (RFC 9110 §11.6.1). */
export function problemHeaders(error: unknown): Record<string, string> {
  if (!CordonError.is(error)) return {};
  if (error.code === "unauthenticated") return { "www-authenticate": 'Bearer realm="cordon"' };
  if (error.code === "rate_limited" || error.code === "domain_unavailable") return { "retry-after": String((error as RateLimited | DomainUnavailable).retryAfterSeconds) };
  return {};
}

function validationDetail(first: FieldError | undefined): string {
  if (!first) return "the request body is invalid";
  return first.pointer === "" ? first.message : `${first.pointer}: ${first.message}`;
}

function isZodError(error: unknown): error is ZodError {
  return error instanceof Error && error.name === "ZodError" && Array.isArray((error as ZodError).issues);
}
