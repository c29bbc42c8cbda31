import http from "node:http";
import { describe, expect, test } from "vitest";
import { baseUrl } from "./support/api";

// The test server's public URL is http://127.0.0.1:PORT. These requests reach it on 127.0.0.1
// and name another host in the Host header, as a browser does for http://localhost:PORT.

function getWithHost(path: string, host: string): Promise<{ status: number; location: string | undefined }> {
  const server = new URL(baseUrl());
  return new Promise((resolve, reject) => {
    const request = http.get({ hostname: server.hostname, port: server.port, path, headers: { host } }, (response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0, location: response.headers.location });
    });
    request.on("error", reject);
  });
}

describe("sign-in page on another host name", () => {
  test("moves from localhost to the public URL's loopback name", async () => {
    const { port } = new URL(baseUrl());

    const response = await getWithHost("/sign-in?callbackUrl=%2Fhistory", `localhost:${port}`);

    expect(response.status).toBe(307);
    expect(response.location).toBe(`${baseUrl()}/sign-in?callbackUrl=%2Fhistory`);
  });

  test("stays on the public URL's own host", async () => {
    const { host } = new URL(baseUrl());

    expect((await getWithHost("/sign-in", host)).status).toBe(200);
  });

  test("leaves a non-loopback host alone, as behind a reverse proxy", async () => {
    const { port } = new URL(baseUrl());

    expect((await getWithHost("/sign-in", `cordon.internal:${port}`)).status).toBe(200);
  });
});
