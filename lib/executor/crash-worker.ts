/**
 * A worker process for the crash-recovery test: it runs an executor whose process kills
 * itself with SIGKILL right after apply returned, the moment a real crash hurts most.
 * Reads DATABASE_URL and CORDON_TEST_POLICY_DIR; prints `ready` once it takes jobs.
 */
import pino from "pino";
import { loadPolicySet } from "@/lib/policy/engine";
import { startExecutor } from "./start-executor";

const databaseUrl = process.env.DATABASE_URL;
const policyDir = process.env.CORDON_TEST_POLICY_DIR;
if (!databaseUrl || !policyDir) throw new Error("crash-worker needs DATABASE_URL and CORDON_TEST_POLICY_DIR");

const policies = await loadPolicySet(policyDir);
const executor = await startExecutor({
  databaseUrl,
  logger: pino({ level: "silent" }),
  concurrency: 1,
  policies: async () => policies,
  pollIntervalMs: 100,
  hooks: {
    afterApply: () => {
      process.kill(process.pid, "SIGKILL");
    },
  },
});
process.stdout.write(`ready ${executor.workerId}\n`);
