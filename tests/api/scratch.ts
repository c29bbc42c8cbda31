import { startCordonServer } from "./support/cordon-server";
const started = Date.now();
const server = await startCordonServer();
console.log("up in", Date.now() - started, server.baseUrl, server.databaseUrl.replace(/:[^:@]+@/, ":***@"));
const r = await fetch(`${server.baseUrl}/api/v1/openapi.json`);
console.log(r.status, r.headers.get("content-type"), (await r.text()).length);
await server.stop();
console.log(server.output().slice(-3000));
