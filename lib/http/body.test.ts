import { describe, expect, test } from "vitest";
import { readJsonBody, readOptionalJsonBody } from "./body";

function post(body: string | undefined, headers: Record<string, string> = {}): Request {
  return new Request("http://127.0.0.1/api/v1/actions/x/cancel", { method: "POST", body, headers });
}

describe("readOptionalJsonBody", () => {
  test.each([
    { name: "no body and no content type", request: () => post(undefined) },
    { name: "zero bytes with a JSON content type", request: () => post("", { "content-type": "application/json" }) },
    { name: "zero bytes with another content type", request: () => post("", { "content-type": "text/plain" }) },
  ])("returns undefined for $name", async ({ request }) => {
    await expect(readOptionalJsonBody(request())).resolves.toBeUndefined();
  });

  test("parses a JSON body", async () => {
    await expect(readOptionalJsonBody(post('{"reason":"duplicate"}', { "content-type": "application/json" }))).resolves.toEqual({ reason: "duplicate" });
  });

  test.each([
    { name: "a body without a content type", request: () => post('{"reason":"x"}'), code: "unsupported_media_type" },
    { name: "whitespace only", request: () => post("  ", { "content-type": "application/json" }), code: "bad_request" },
    { name: "malformed JSON", request: () => post("{", { "content-type": "application/json" }), code: "bad_request" },
    { name: "a body over the limit", request: () => post(JSON.stringify({ reason: "x".repeat(100) }), { "content-type": "application/json" }), code: "payload_too_large", maxBytes: 64 },
  ])("rejects $name", async ({ request, code, maxBytes }) => {
    await expect(readOptionalJsonBody(request(), maxBytes)).rejects.toMatchObject({ code });
  });
});

describe("readJsonBody", () => {
  test("rejects a request without body bytes", async () => {
    await expect(readJsonBody(post("", { "content-type": "application/json" }))).rejects.toMatchObject({ code: "bad_request", message: "the request body is empty; send a JSON object" });
  });

  test("checks the content type before the size", async () => {
    await expect(readJsonBody(post("x".repeat(100), { "content-type": "text/plain" }), 64)).rejects.toMatchObject({ code: "unsupported_media_type" });
  });
});
