import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import type { ServiceContext } from "@/lib/actions/context";
import { auditedTransaction, recordAudit } from "@/lib/audit/trail";
import { getConfig } from "@/lib/config";
import { readOrCreateSecretFile } from "@/lib/config/secrets";
import type { DeliveredSecret } from "@/lib/connectors/types";
import type { PrismaClient } from "@/lib/db/client";
import { sqlOf, sqlTime, type Queryable } from "@/lib/db/sql";
import { addSeconds, systemClock, type Clock } from "@/lib/time/clock";
import { SECRET_PICKUP_WINDOW_SECONDS } from "./pickup-window";

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

/** Audit event of a secret whose pickup window ended before an approver viewed it. */
export const CREDENTIAL_DISCARDED_EVENT = "credential.discarded";

/** Name of the generated key file in the data dir, used when CORDON_DELIVERY_KEY is unset. */
export const DELIVERY_KEY_FILE = "delivery-key";

const SEALED_VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Supplies the 32-byte AES key; called on every seal and open, so it should cache. */
export type DeliveryKey = () => Promise<Buffer>;

/** Derives the AES-256 key from a configured or generated secret string with HKDF-SHA-256. */
export function deriveDeliveryKey(secret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", Buffer.from(secret, "utf8"), "cordon", "delivered-secret v1", 32));
}

let configuredKey: Promise<Buffer> | undefined;

/**
 * Returns the key from CORDON_DELIVERY_KEY, or from a file generated once in the data dir.
 * Every process that runs executions or serves the console must resolve the same key.
 */
export const configuredDeliveryKey: DeliveryKey = () => {
  if (!configuredKey) {
    configuredKey = (async () => {
      const config = getConfig();
      return deriveDeliveryKey(config.deliveryKey ?? (await readOrCreateSecretFile(config.dataDir, DELIVERY_KEY_FILE)));
    })();
    // A failed load (an unreadable data dir) is tried again on the next call instead of being kept.
    configuredKey.catch(() => {
      configuredKey = undefined;
    });
  }
  return configuredKey;
};

/** A sealed secret could not be opened: the processes do not share one delivery key, or the row was altered. */
export class DeliveredSecretUnreadable extends Error {
  override readonly name = "DeliveredSecretUnreadable";
}

// The label and both ids are authenticated with the value, so a sealed value copied to
// another row, or a row whose label was changed, fails to open.
function associatedData(actionId: string, executionId: string, label: string): Buffer {
  return Buffer.from(JSON.stringify([SEALED_VERSION, actionId, executionId, label]), "utf8");
}

function seal(key: Buffer, handover: SecretHandover): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(handover.actionId, handover.executionId, handover.secret.label));
  const ciphertext = Buffer.concat([cipher.update(handover.secret.value, "utf8"), cipher.final()]);
  return [SEALED_VERSION, iv, ciphertext, cipher.getAuthTag()].map((part) => (typeof part === "string" ? part : part.toString("base64url"))).join(".");
}

function open(key: Buffer, row: StoredSecret): string {
  const [version, iv, ciphertext, tag] = row.sealed.split(".");
  if (version !== SEALED_VERSION || !iv || ciphertext === undefined || !tag) {
    throw new DeliveredSecretUnreadable(`the delivered secret of execution ${row.executionId} is not in the ${SEALED_VERSION} format`);
  }
  try {
    // A fixed tag length: GCM would otherwise accept a tag cut down to 4 bytes, which is far easier to forge.
    const authTag = Buffer.from(tag, "base64url");
    if (authTag.length !== TAG_BYTES) throw new Error(`the tag has ${authTag.length} bytes`);
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"), { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(row.actionId, row.executionId, row.label));
    decipher.setAuthTag(authTag);
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new DeliveredSecretUnreadable(
      `the delivered secret of execution ${row.executionId} cannot be decrypted: set the same CORDON_DELIVERY_KEY on every Cordon process (or share the data dir), then rotate the credential again`,
    );
  }
}

/** The result of taking an action's secrets: the one handed over, and the ones deleted unseen. */
export interface TakenSecrets {
  delivered: { executionId: string; secret: DeliveredSecret } | null;
  discarded: { executionId: string; label: string; reason: string }[];
}

interface StoredSecret {
  executionId: string;
  actionId: string;
  label: string;
  sealed: string;
  expiresAt: Date;
  attempt: number;
}

const INSERT_SECRET = `
  INSERT INTO delivered_secrets ("executionId", "actionId", label, sealed, "expiresAt", "createdAt")
  VALUES ($1::uuid, $2::uuid, $3::text, $4::text, $5::timestamp(3), $6::timestamp(3))
  ON CONFLICT ("executionId") DO UPDATE SET label = EXCLUDED.label, sealed = EXCLUDED.sealed, "expiresAt" = EXCLUDED."expiresAt"`;

const TAKE_SECRETS = `
  DELETE FROM delivered_secrets s
   USING executions e
   WHERE s."actionId" = $1::uuid AND e.id = s."executionId"
  RETURNING s."executionId", s."actionId", s.label, s.sealed, s."expiresAt", e.attempt`;

/**
 * Keeps each delivered secret in PostgreSQL, encrypted with AES-256-GCM under a key that is
 * not in the database, until it is taken once or its pickup window passes. Any Cordon process
 * with the same key can hand it over, so a separate `cordon worker` may run the execution.
 */
export class DeliveredSecretStore {
  constructor(
    private readonly db: PrismaClient,
    private readonly key: DeliveryKey = configuredDeliveryKey,
    private readonly options: { pickupWindowSeconds?: number; clock?: Clock } = {},
  ) {}

  /** The SecretDelivery that seals secrets into this store. */
  readonly deliver: SecretDelivery = async (handover) => {
    const now = (this.options.clock ?? systemClock).now();
    const expiresAt = addSeconds(now, this.options.pickupWindowSeconds ?? SECRET_PICKUP_WINDOW_SECONDS);
    const sealed = seal(await this.key(), handover);
    await sqlOf(this.db).query(INSERT_SECRET, [handover.executionId, handover.actionId, handover.secret.label, sealed, sqlTime(expiresAt), sqlTime(now)]);
  };

  /** Whether a secret waits for pickup; never returns the value. */
  async has(executionId: string): Promise<boolean> {
    const now = (this.options.clock ?? systemClock).now();
    const rows = await sqlOf(this.db).query(`SELECT 1 FROM delivered_secrets WHERE "executionId" = $1::uuid AND "expiresAt" > $2::timestamp(3)`, [executionId, sqlTime(now)]);
    return rows.length > 0;
  }

  /**
   * Deletes every secret waiting for the action in `tx` and returns the newest unexpired one,
   * by execution attempt, plus the others it deleted. Older secrets are passwords that a later
   * rotation replaced, so they are discarded instead of being handed out by a second request.
   * If `tx` rolls back, the secrets stay. Throws DeliveredSecretUnreadable when the newest one
   * cannot be decrypted.
   */
  async take(tx: Queryable, actionId: string): Promise<TakenSecrets> {
    const now = (this.options.clock ?? systemClock).now();
    const rows = await sqlOf(tx).query<StoredSecret>(TAKE_SECRETS, [actionId]);
    const newest = rows.filter((row) => row.expiresAt.getTime() > now.getTime()).sort((a, b) => b.attempt - a.attempt)[0];
    const discarded = rows
      .filter((row) => row !== newest)
      .map((row) => ({ executionId: row.executionId, label: row.label, reason: row.expiresAt.getTime() > now.getTime() ? "a later rotation replaced it" : "its pickup window ended" }));
    if (!newest) return { delivered: null, discarded };
    return { delivered: { executionId: newest.executionId, secret: { label: newest.label, value: open(await this.key(), newest) } }, discarded };
  }
}

/**
 * Deletes the secrets whose pickup window has ended and records `credential.discarded` for
 * each, in the same transaction, so the incident shows that no approver received the new value.
 * Returns how many were discarded.
 */
export async function discardExpiredSecrets(context: ServiceContext): Promise<number> {
  return auditedTransaction(context.db, async (tx) => {
    const rows = await sqlOf(tx).query<{ executionId: string; actionId: string; label: string; incidentId: string; domain: string }>(
      `DELETE FROM delivered_secrets s
        USING actions a, domains d
        WHERE s."expiresAt" <= $1::timestamp(3) AND a.id = s."actionId" AND d.id = a."domainId"
       RETURNING s."executionId", s."actionId", s.label, a."incidentId", d.name AS domain`,
      [sqlTime(context.clock.now())],
    );
    for (const row of rows) {
      await recordAudit(tx, {
        occurredAt: context.clock.now(),
        actor: { type: "system", id: "cordon" },
        eventType: CREDENTIAL_DISCARDED_EVENT,
        actionId: row.actionId,
        incidentId: row.incidentId,
        domain: row.domain,
        correlationId: context.correlationId ?? context.requestId,
        payload: { executionId: row.executionId, label: row.label, reason: "the pickup window ended before an approver viewed the credential" },
      });
    }
    return rows.length;
  });
}
