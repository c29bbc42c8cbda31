import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { embeddedPaths, startEmbeddedPostgres } from "./embedded";

const logger = pino({ level: "silent" });
let dataDir: string;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "cordon-embedded-"));
});

afterAll(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
});

async function query(url: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

describe("startEmbeddedPostgres", () => {
  test("keeps data across a stop and a start", async () => {
    const first = await startEmbeddedPostgres({ dataDir, logger });
    await query(first.url, "CREATE TABLE kept (value text); INSERT INTO kept VALUES ('still here')");
    await first.stop();

    const second = await startEmbeddedPostgres({ dataDir, logger });
    const { rows } = await query(second.url, "SELECT value FROM kept");
    await second.stop();

    expect(rows).toEqual([{ value: "still here" }]);
    expect(second.port).toBe(first.port);
  });

  test("stores the generated password with mode 0600 and listens on loopback only", async () => {
    const server = await startEmbeddedPostgres({ dataDir, logger });
    const { rows } = await query(server.url, "SELECT current_setting('listen_addresses') AS listen, current_setting('unix_socket_directories') AS sockets");
    await server.stop();
    const stat = await fs.stat(embeddedPaths(dataDir).passwordFile);

    expect(stat.mode & 0o777).toBe(0o600);
    expect(rows).toEqual([{ listen: "127.0.0.1", sockets: "" }]);
  });

  test("starts cleanly over a stale postmaster.pid from a crash", async () => {
    const pidFile = path.join(embeddedPaths(dataDir).pgData, "postmaster.pid");
    // A pid that belongs to a live process which is not PostgreSQL: this test runner.
    await fs.writeFile(pidFile, `${process.pid}\n${embeddedPaths(dataDir).pgData}\n1700000000\n5432\n\n127.0.0.1\n  1234567   98765\nready\n`);

    const server = await startEmbeddedPostgres({ dataDir, logger });
    const { rows } = await query(server.url, "SELECT 1 AS ok");
    await server.stop();

    expect(server.started).toBe(true);
    expect(rows).toEqual([{ ok: 1 }]);
  });

  test("joins a server that another process started on the same data dir", async () => {
    const owner = await startEmbeddedPostgres({ dataDir, logger });
    const joiner = await startEmbeddedPostgres({ dataDir, logger });
    const { rows } = await query(joiner.url, "SELECT 2 AS ok");
    await joiner.stop();
    const stillUp = await query(owner.url, "SELECT 3 AS ok");
    await owner.stop();

    expect(joiner.started).toBe(false);
    expect(rows).toEqual([{ ok: 2 }]);
    expect(stillUp.rows).toEqual([{ ok: 3 }]);
  });

  test("recovers after the server was killed", async () => {
    const server = await startEmbeddedPostgres({ dataDir, logger });
    const pid = Number((await fs.readFile(path.join(embeddedPaths(dataDir).pgData, "postmaster.pid"), "utf8")).split("\n")[0]);
    process.kill(pid, "SIGKILL");
    await new Promise((resolve) => setTimeout(resolve, 500));

    const restarted = await startEmbeddedPostgres({ dataDir, logger });
    const { rows } = await query(restarted.url, "SELECT value FROM kept");
    await restarted.stop();

    expect(rows).toEqual([{ value: "still here" }]);
  });
});
