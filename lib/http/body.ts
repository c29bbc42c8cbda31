import { HttpError } from "./problem";

export const MAX_BODY_BYTES = 64 * 1024;
export const MAX_JSON_DEPTH = 32;

/** Depth of nested arrays and objects, stopping as soon as `limit` is passed. */
export function jsonDepthExceeds(value: unknown, limit: number, depth = 0): boolean {
  if (value === null || typeof value !== "object") return false;
  if (depth + 1 > limit) return true;
  const children = Array.isArray(value) ? value : Object.values(value as Record<string, unknown>);
  return children.some((child) => jsonDepthExceeds(child, limit, depth + 1));
}

/**
 * Reads a JSON request body with the API's limits: `application/json` only (415), at most
 * `maxBytes` (64 KiB unless a route sets more) counted while streaming so a large body is
 * cut off early (413), valid JSON nested at most 32 levels (400).
 */
export async function readJsonBody(request: Request, maxBytes = MAX_BODY_BYTES): Promise<unknown> {
  assertJsonContentType(request);
  return parseJson(await readBytes(request, maxBytes));
}

/**
 * Reads a body that the caller may leave out: no bytes at all returns `undefined` whatever the
 * content type, and any other body gets the limits of `readJsonBody`.
 */
export async function readOptionalJsonBody(request: Request, maxBytes = MAX_BODY_BYTES): Promise<unknown> {
  const bytes = await readBytes(request, maxBytes);
  if (bytes.byteLength === 0) return undefined;
  assertJsonContentType(request);
  return parseJson(bytes);
}

function assertJsonContentType(request: Request): void {
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json" && !/^application\/[a-z0-9.+-]+\+json$/.test(type)) {
    throw new HttpError("unsupported_media_type", `content type ${JSON.stringify(type || "(none)")} is not supported; send application/json`);
  }
}

async function readBytes(request: Request, maxBytes: number): Promise<Buffer> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw new HttpError("payload_too_large", `the body is ${declared} bytes; the limit is ${maxBytes} bytes`);

  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        throw new HttpError("payload_too_large", `the body exceeds the limit of ${maxBytes} bytes`);
      }
      chunks.push(value);
    }
  }
  return Buffer.concat(chunks);
}

function parseJson(bytes: Buffer): unknown {
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  if (text.trim() === "") throw new HttpError("bad_request", "the request body is empty; send a JSON object");

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HttpError("bad_request", `the body is not valid JSON: ${(error as Error).message}`);
  }
  if (jsonDepthExceeds(value, MAX_JSON_DEPTH)) throw new HttpError("bad_request", `the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  return value;
}
