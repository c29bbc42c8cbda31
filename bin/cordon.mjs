#!/usr/bin/env node
// Operator CLI. Loads the TypeScript sources through tsx, like `npm start` does.
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

process.env.CORDON_ROOT ??= fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
register();
const { run } = await import("../cli/main.ts");
process.exitCode = await run(process.argv);
