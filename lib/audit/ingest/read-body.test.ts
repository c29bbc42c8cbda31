import { describe, expect, test } from "vitest";
import { MAX_INGEST_BODY_BYTES, readIngestBody } from "./read-body";

const ENDPOINT = "http://127.0.0.1/api/v1/audit/events";

function post(body: BodyInit | null, headers: Record<string, string> = { "content-type": "application/json" }): Request {
  return new Request(ENDPOINT, { method: "POST", body, headers });
}

/** A body streamed in 64 KiB chunks without a Content-Length, so only the streaming count can stop it. */
function streamed(bytes: number): Request {
  let sent = 0;
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return new Request(ENDPOINT, { method: "POST", body: stream, headers: { "content-type": "application/json" }, duplex: "half" } as RequestInit);
}

describe("readIngestBody", () => {
  test("reads a body above the API's 64 KiB limit", async () => {
    const events = Array.from({ length: 500 }, (_, index) => ({ index, padding: "x".repeat(300) }));
    const text = JSON.stringify({ domain: "okta-prod", events });

    const value = await readIngestBody(post(text));

    expect(text.length).toBeGreaterThan(64 * 1024);
    expect(value).toEqual({ domain: "okta-prod", events });
  });

  test.each([
    ["a declared length over the limit", () => post("{}", { "content-type": "application/json", "content-length": String(MAX_INGEST_BODY_BYTES + 1) }), "payload_too_large"],
    ["a streamed body over the limit", () => streamed(MAX_INGEST_BODY_BYTES + 64 * 1024), "payload_too_large"],
    ["another content type", () => post("{}", { "content-type": "text/plain" }), "unsupported_media_type"],
    ["an empty body", () => post(""), "bad_request"],
    ["invalid JSON", () => post("{"), "bad_request"],
    ["nesting deeper than 32 levels", () => post(`${"[".repeat(33)}${"]".repeat(33)}`), "bad_request"],
  ])("rejects %s", async (_case, request, code) => {
    await expect(readIngestBody(request())).rejects.toMatchObject({ code });
  });
});
