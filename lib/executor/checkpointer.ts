import type { Logger } from "pino";
import { writeCheckpoint } from "@/lib/audit/checkpoint";
import type { AuditSigner } from "@/lib/audit/checkpoint-key";
import type { PrismaClient } from "@/lib/db/client";
import type { Clock } from "@/lib/time/clock";

export interface CheckpointOptions {
  signer: () => Promise<AuditSigner>;
  /** Milliseconds between checkpoints; default 60 000. A checkpoint is written only when a chain head moved. */
  intervalMs?: number;
}

/**
 * Writes a signed audit checkpoint now and then every interval, never two at once. Each new
 * checkpoint is logged with its sequence and hash: shipped off the host with the logs, those
 * lines are the anchors that `cordon audit verify --checkpoint` compares against.
 */
export function startCheckpointer(db: PrismaClient, clock: Clock, logger: Logger, options: CheckpointOptions): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running) return;
    running = (async () => {
      try {
        const checkpoint = await writeCheckpoint(db, await options.signer(), clock);
        if (checkpoint) {
          logger.info({ checkpoint: checkpoint.sequence, hash: checkpoint.hash, chains: checkpoint.heads.length, keyId: checkpoint.keyId }, "audit checkpoint written");
        }
      } catch (error) {
        logger.error({ err: error }, "writing the audit checkpoint failed; it is tried again at the next interval");
      }
    })().finally(() => {
      running = null;
    });
  };
  const timer = setInterval(tick, options.intervalMs ?? 60_000);
  timer.unref();
  tick();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
