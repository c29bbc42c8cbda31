import { generateApiKey } from "@/lib/auth/api-key";
import type { ApiKey, Db } from "@/lib/db/client";
import { addSeconds } from "@/lib/time/clock";

export interface IssuedApiKey {
  record: ApiKey;
  /** The full `cdn_…` key; shown to the operator once and never stored. */
  token: string;
}

/**
 * Stores a new API key for a client inside the caller's transaction: its public id and the
 * SHA-256 of its secret, never the secret. Without `lifetimeSeconds` the key does not expire.
 */
export async function issueApiKey(tx: Db, clientId: string, now: Date, lifetimeSeconds?: number): Promise<IssuedApiKey> {
  const generated = generateApiKey();
  const record = await tx.apiKey.create({
    data: {
      id: generated.id,
      clientId,
      secretHash: generated.secretHash,
      expiresAt: lifetimeSeconds === undefined ? null : addSeconds(now, lifetimeSeconds),
      createdAt: now,
    },
  });
  return { record, token: generated.token };
}
