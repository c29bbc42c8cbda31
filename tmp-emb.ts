import pino from "pino";
import { startEmbeddedPostgres } from "@/lib/db/embedded";
import pg from "pg";
const logger = pino({ level: "info" });
const dir = process.argv[2]!;
const s = await startEmbeddedPostgres({ dataDir: dir, logger });
const c = new pg.Client(s.url); await c.connect(); console.log((await c.query("select version(), current_user, inet_server_addr()")).rows); await c.end();
await s.stop();
