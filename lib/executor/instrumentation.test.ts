import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { register } from "@/instrumentation";
import { resetConfigForTests } from "@/lib/config";
import { currentPlanner, setPlanner } from "@/lib/connectors/planner";
import { disconnectPrisma } from "@/lib/db/client";
import { stopBackgroundServices } from "@/lib/runtime/background";
import { createTestDatabase, type TestDatabase } from "@/tests/support/database";
import { createLifecycle, startScimDomain, waitForState, type ScimDomain } from "./testing";

let db: TestDatabase;
let scim: ScimDomain;
const saved = { NEXT_RUNTIME: process.env.NEXT_RUNTIME, DATABASE_URL: process.env.DATABASE_URL, CORDON_WORKER: process.env.CORDON_WORKER };

beforeAll(async () => {
  db = await createTestDatabase();
  scim = await startScimDomain(db.prisma, ["u-instrumented", "u-idle"]);
});

afterEach(async () => {
  await stopBackgroundServices();
  await disconnectPrisma();
  setPlanner(undefined);
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  resetConfigForTests();
});

afterAll(async () => {
  await scim?.close();
  await db?.drop();
});

async function queueSchemaExists(): Promise<boolean> {
  const { rows } = await db.query<{ present: boolean }>("SELECT to_regprocedure('graphile_worker.add_job(text,json,text,timestamptz,integer,text,integer,text[],text)') IS NOT NULL AS present");
  return rows[0]?.present === true;
}

test("register does nothing outside the Node.js runtime", async () => {
  process.env.NEXT_RUNTIME = "edge";

  await register();

  expect(currentPlanner()).toBeUndefined();
});

test("register with CORDON_WORKER=on executes actions", async () => {
  Object.assign(process.env, { NEXT_RUNTIME: "nodejs", DATABASE_URL: db.url, CORDON_WORKER: "on" });
  resetConfigForTests();

  await register();

  expect(currentPlanner()).toBeTypeOf("function");
  expect(await queueSchemaExists()).toBe(true);
  const lifecycle = await createLifecycle(db.prisma, scim.domain);
  const proposed = await lifecycle.propose("u-instrumented");
  await lifecycle.approve(proposed.id);
  await lifecycle.enqueue(proposed.id);
  expect((await waitForState(db.prisma, proposed.id, ["succeeded", "failed"])).state).toBe("succeeded");
});

test("register with CORDON_WORKER=off executes nothing", async () => {
  Object.assign(process.env, { NEXT_RUNTIME: "nodejs", DATABASE_URL: db.url, CORDON_WORKER: "off" });
  resetConfigForTests();
  const lifecycle = await createLifecycle(db.prisma, scim.domain);
  const proposed = await lifecycle.propose("u-idle");

  await register();
  await lifecycle.approve(proposed.id);
  await lifecycle.enqueue(proposed.id);
  // Long enough for an executor to have run the job (it takes well under a second here).
  await new Promise((resolve) => setTimeout(resolve, 1_500));

  expect(currentPlanner()).toBeTypeOf("function");
  expect(scim.patchesOf("u-idle")).toBe(0);
  expect((await db.prisma.action.findUniqueOrThrow({ where: { id: proposed.id } })).state).toBe("approved");
});
