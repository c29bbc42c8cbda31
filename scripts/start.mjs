// `npm start`: loads the TypeScript server entry through tsx, so the same lib/ code runs in
// the server, the CLI and the tests without a separate compile step.
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

process.env.CORDON_ROOT ??= fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
register();
await import("../server/main.ts");
