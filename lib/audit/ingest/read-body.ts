import { MAX_JSON_DEPTH, jsonDepthExceeds } from "@/lib/http/body";
import { HttpError } from "@/lib/http/problem";

/**
 * Byte limit of an ingestion request. The API's 64 KiB limit fits a few dozen OCSF events;
 * this one fits 1000 events of up to 4 KiB each, the size of a typical CloudTrail record.
 * NOTE: 4 KiB per event is an estimate, not a measurement of any producer.
 */
export const MAX_INGEST_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Reads the JSON body of `POST /api/v1/audit/events` with the same rules as every other API
 * body (application/json only: 415; valid JSON nested at most 32 levels: 400) but the larger
 * byte limit above (413), counted while streaming so an oversized body is cut off early.
 */
export async function readIngestBody(request: Request): Promise<unknown> {
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json" && !/^application\/[a-z0-9.+-]+\+json$/.test(type)) {
    throw new HttpError("unsupported_media_type", `content type ${JSON.stringify(type || "(none)")} is not supported; send application/json`);
  }
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_INGEST_BODY_BYTES) {
    throw new HttpError("payload_too_large", `the body is ${declared} bytes; the limit is ${MAX_INGEST_BODY_BYTES} bytes, so split the batch`);
  }

  const text = await readText(request);
  if (text.trim() === "") throw new HttpError("bad_request", "the request body is empty; send a JSON object with domain and events");

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HttpError("bad_request", `the body is not valid JSON: ${(error as Error).message}`);
  }
  if (jsonDepthExceeds(value, MAX_JSON_DEPTH)) throw new HttpError("bad_request", `the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  return value;
}

async function readText(request: Request): Promise<string> {
  if (!request.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_INGEST_BODY_BYTES) {
      await reader.cancel();
      throw new HttpError("payload_too_large", `the body exceeds the limit of ${MAX_INGEST_BODY_BYTES} bytes; split the batch`);
    }
    chunks.push(value);
  }
  return new TextDecoder("utf-8", { fatal: false }).decode(Buffer.concat(chunks));
}
