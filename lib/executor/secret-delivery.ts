import type { DeliveredSecret } from "@/lib/connectors/types";

/** A secret that apply produced (a rotated password), with the ids it belongs to. */
export interface SecretHandover {
  actionId: string;
  executionId: string;
  secret: DeliveredSecret;
}

/**
 * Receives the secret an apply produced. The executor stores and logs only that a secret was
 * handed over, never its value, so this callback is the secret's only way out.
 */
export type SecretDelivery = (handover: SecretHandover) => void | Promise<void>;

/** How long a delivered secret waits for the approver's console to fetch it. */
export const SECRET_PICKUP_WINDOW_MS = 10 * 60 * 1000;

interface StoredSecret {
  actionId: string;
  secret: DeliveredSecret;
  expiresAt: number;
  timer: NodeJS.Timeout;
}

/**
 * Keeps each delivered secret in memory, keyed by execution id, until it is taken once or its
 * pickup window passes.
 * NOTE: the store lives in the process that ran the execution. A console served by another
 * process (a separate `cordon worker`) cannot fetch from it, and a restart loses the secret,
 * so the rotated credential must then be rotated again.
 */
export class OneTimeSecretStore {
  readonly #secrets = new Map<string, StoredSecret>();

  constructor(private readonly pickupWindowMs = SECRET_PICKUP_WINDOW_MS) {}

  /** The SecretDelivery that puts secrets into this store. */
  readonly deliver: SecretDelivery = (handover) => {
    this.#forget(handover.executionId);
    const timer = setTimeout(() => this.#forget(handover.executionId), this.pickupWindowMs);
    // The timer must not keep a worker process alive that is otherwise done.
    timer.unref();
    this.#secrets.set(handover.executionId, {
      actionId: handover.actionId,
      secret: { label: handover.secret.label, value: handover.secret.value },
      expiresAt: Date.now() + this.pickupWindowMs,
      timer,
    });
  };

  /**
   * Returns the secret of an execution and removes it, so a second call returns null. The
   * caller must check that the person requesting it is the approver entitled to it. `actionId`
   * must match too, so an execution id of another action returns nothing.
   */
  take(executionId: string, actionId: string): DeliveredSecret | null {
    const stored = this.#secrets.get(executionId);
    if (!stored || stored.actionId !== actionId) return null;
    this.#forget(executionId);
    if (Date.now() >= stored.expiresAt) return null;
    return stored.secret;
  }

  /** Whether a secret waits for pickup; never returns the value. */
  has(executionId: string): boolean {
    const stored = this.#secrets.get(executionId);
    return stored !== undefined && Date.now() < stored.expiresAt;
  }

  #forget(executionId: string): void {
    const stored = this.#secrets.get(executionId);
    if (!stored) return;
    clearTimeout(stored.timer);
    this.#secrets.delete(executionId);
  }
}

const globalForSecrets = globalThis as unknown as { cordonSecretStore?: OneTimeSecretStore };

/** Returns the process-wide store that the in-process executor delivers to and the console reads from. */
export function secretStore(): OneTimeSecretStore {
  globalForSecrets.cordonSecretStore ??= new OneTimeSecretStore();
  return globalForSecrets.cordonSecretStore;
}
