import { describe, expect, test } from "vitest";
import { allowedMethods, otherMethods, unknownApiPath } from "./fallback-handlers";

function request(method: string, path: string, headers: Record<string, string> = {}): Request {
  return new Request(`http://127.0.0.1${path}`, { method, headers });
}

describe("allowedMethods", () => {
  test.each([
    { implemented: ["GET"] as const, allowed: ["GET", "HEAD", "OPTIONS"] },
    { implemented: ["POST"] as const, allowed: ["POST", "OPTIONS"] },
    { implemented: ["POST", "GET"] as const, allowed: ["GET", "HEAD", "POST", "OPTIONS"] },
    { implemented: ["DELETE", "PUT", "PATCH"] as const, allowed: ["PUT", "PATCH", "DELETE", "OPTIONS"] },
  ])("allowedMethods of $implemented", ({ implemented, allowed }) => {
    expect(allowedMethods(implemented)).toEqual(allowed);
  });
});

describe("otherMethods", () => {
  test("builds handlers only for the methods a GET and POST route lacks", () => {
    expect(Object.keys(otherMethods("GET", "POST")).sort()).toEqual(["DELETE", "OPTIONS", "PATCH", "PUT"]);
  });

  test("builds a HEAD handler for a route without GET", () => {
    expect(Object.keys(otherMethods("POST")).sort()).toEqual(["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "PUT"]);
  });

  test("answers DELETE with a 405 problem and Allow", async () => {
    const { DELETE } = otherMethods("GET", "POST");

    const response = DELETE(request("DELETE", "/api/v1/actions", { "x-request-id": "req-7" }));

    expect(response.status).toBe(405);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(response.headers.get("allow")).toBe("GET, HEAD, POST, OPTIONS");
    expect(response.headers.get("x-request-id")).toBe("req-7");
    expect(await response.json()).toEqual({
      type: "https://cordon.dev/problems/method_not_allowed",
      title: "Method Not Allowed",
      status: 405,
      detail: "method DELETE is not allowed on /api/v1/actions; the allowed methods are GET, HEAD, POST, OPTIONS",
      code: "method_not_allowed",
      instance: "/api/v1/actions",
      requestId: "req-7",
    });
  });

  test("answers OPTIONS with 204 and Allow", async () => {
    const { OPTIONS } = otherMethods("POST");

    const response = OPTIONS(request("OPTIONS", "/api/v1/incidents"));

    expect(response.status).toBe(204);
    expect(response.headers.get("allow")).toBe("POST, OPTIONS");
    expect(await response.text()).toBe("");
  });
});

describe("unknownApiPath", () => {
  test.each(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const)("answers %s with a 404 problem naming the path", async (method) => {
    const response = unknownApiPath[method](request(method, "/api/v2/actions?limit=1"));
    const body = (await response.json()) as Record<string, unknown>;

    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(response.headers.get("allow")).toBeNull();
    expect(body).toMatchObject({ status: 404, code: "not_found", instance: "/api/v2/actions", detail: "no API route matches /api/v2/actions; the automation API is described at /api/v1/openapi.json" });
    expect(body.requestId).toEqual(expect.any(String));
  });
});
