import type { Adapter, AdapterPayload, ClientMetadata } from "oidc-provider";
import {
  TOKEN_MODELS,
  type TokenModel,
  type TokenRecord,
  compareTokenIds,
  isTokenModel,
  jwtTokenRecord,
  opaqueTokenId,
  opaqueTokenRecord,
} from "./token-records";

export { opaqueTokenId, type TokenRecord } from "./token-records";

/** Revoked token values kept for RFC 7662 verification; the oldest are dropped beyond this count. */
const MAX_TOMBSTONES = 10_000;
/** Writes between two sweeps of expired records. */
const SWEEP_INTERVAL_WRITES = 500;
/** How long a tombstone of a token without expiry is kept, in milliseconds. */
const TOMBSTONE_FALLBACK_TTL_MS = 24 * 60 * 60 * 1000;

export interface TokenFilter {
  clientId?: string;
  subject?: string;
  includeRevoked: boolean;
}

export interface RegisteredClient {
  metadata: ClientMetadata;
  enabled: boolean;
}

interface Entry {
  payload: AdapterPayload;
  /** Epoch milliseconds; undefined when oidc-provider stored the record without expiry. */
  expiresAt: number | undefined;
}

interface Tombstone {
  model: TokenModel;
  value: string;
  payload: AdapterPayload;
  revokedAt: number;
  expiresAt: number;
}

interface JwtRecord {
  kind: TokenModel;
  claims: Record<string, unknown>;
  expiresAt: number;
}

/**
 * In-memory storage for oidc-provider models, with the listing, revocation history and
 * client registry that the demo admin API needs. State lives for the life of the process.
 */
export class DemoStore {
  private readonly models = new Map<string, Map<string, Entry>>();
  private readonly sessionIdByUid = new Map<string, string>();
  private readonly tokenKeyById = new Map<string, { model: TokenModel; id: string }>();
  private readonly tombstones = new Map<string, Tombstone>();
  private readonly jwtRecords = new Map<string, JwtRecord>();
  private readonly clients = new Map<string, RegisteredClient>();
  private writesSinceSweep = 0;

  /** Returns the adapter oidc-provider uses for one model (`AccessToken`, `Session`, `Client`, …). */
  adapterFor(model: string): Adapter {
    if (model === "Client") return this.clientAdapter();
    return new ModelAdapter(model, this);
  }

  registerClient(metadata: ClientMetadata): void {
    if (this.clients.has(metadata.client_id)) {
      throw new Error(`client ${metadata.client_id} is registered twice`);
    }
    this.clients.set(metadata.client_id, { metadata, enabled: true });
  }

  getClient(clientId: string): RegisteredClient | undefined {
    return this.clients.get(clientId);
  }

  /** Sets the client's enabled flag and returns whether it changed. */
  setClientEnabled(clientId: string, enabled: boolean): boolean {
    const client = this.clients.get(clientId);
    if (!client) throw new Error(`client ${clientId} is not registered`);
    if (client.enabled === enabled) return false;

    client.enabled = enabled;
    return true;
  }

  isClientEnabled(clientId: string): boolean {
    return this.clients.get(clientId)?.enabled === true;
  }

  /** Records a JWT access token, which oidc-provider issues without storing it. */
  recordJwtAccessToken(kind: string, payload: Record<string, unknown>): void {
    if (!isTokenModel(kind) || typeof payload.jti !== "string") return;

    const expiresAt = typeof payload.exp === "number" ? payload.exp * 1000 : Date.now();
    this.jwtRecords.set(payload.jti, { kind, claims: { ...payload }, expiresAt });
    this.countWrite();
  }

  /** Lists unexpired tokens matching the filter, sorted by token id. */
  listTokens(filter: TokenFilter): TokenRecord[] {
    this.sweepExpired();
    const records: TokenRecord[] = [];

    for (const model of TOKEN_MODELS) {
      for (const [id, entry] of this.entries(model)) {
        if (entry.payload.consumed !== undefined) continue;
        records.push(opaqueTokenRecord(model, id, entry.payload, entry.expiresAt, null));
      }
    }
    if (filter.includeRevoked) {
      for (const tombstone of this.tombstones.values()) {
        records.push(opaqueTokenRecord(tombstone.model, tombstone.value, tombstone.payload, tombstone.expiresAt, tombstone.revokedAt));
      }
    }
    for (const record of this.jwtRecords.values()) {
      records.push(jwtTokenRecord(record.kind, record.claims, record.expiresAt));
    }

    return records
      .filter((record) => filter.clientId === undefined || record.clientId === filter.clientId)
      .filter((record) => filter.subject === undefined || record.subject === filter.subject)
      .sort(compareTokenIds);
  }

  /** Returns the values of known opaque tokens, active or revoked, by token id. */
  revealTokens(tokenIds: readonly string[]): { tokenId: string; value: string }[] {
    this.sweepExpired();
    const revealed: { tokenId: string; value: string }[] = [];

    for (const tokenId of new Set(tokenIds)) {
      const key = this.tokenKeyById.get(tokenId);
      const value = key?.id ?? this.tombstones.get(tokenId)?.value;
      if (value !== undefined) revealed.push({ tokenId, value });
    }
    return revealed;
  }

  entries(model: string): Map<string, Entry> {
    let entries = this.models.get(model);
    if (!entries) {
      entries = new Map();
      this.models.set(model, entries);
    }
    return entries;
  }

  findEntry(model: string, id: string): Entry | undefined {
    const entry = this.entries(model).get(id);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.removeEntry(model, id, entry);
      return undefined;
    }
    return entry;
  }

  upsertEntry(model: string, id: string, payload: AdapterPayload, expiresIn: number | undefined): void {
    const expiresAt = typeof expiresIn === "number" ? Date.now() + expiresIn * 1000 : undefined;
    this.entries(model).set(id, { payload, expiresAt });

    if (model === "Session" && typeof payload.uid === "string") this.sessionIdByUid.set(payload.uid, id);
    if (isTokenModel(model)) this.tokenKeyById.set(opaqueTokenId(id), { model, id });
    this.countWrite();
  }

  findSessionByUid(uid: string): AdapterPayload | undefined {
    const id = this.sessionIdByUid.get(uid);
    return id === undefined ? undefined : this.findEntry("Session", id)?.payload;
  }

  /** Deletes a record; a deleted token leaves a tombstone because deletion is how oidc-provider revokes. */
  destroyEntry(model: string, id: string): void {
    const entry = this.entries(model).get(id);
    if (!entry) return;

    this.removeEntry(model, id, entry);
    if (isTokenModel(model)) this.addTombstone(model, id, entry);
  }

  destroyByGrantId(model: string, grantId: string): void {
    for (const [id, entry] of [...this.entries(model)]) {
      if (entry.payload.grantId === grantId) this.destroyEntry(model, id);
    }
  }

  private removeEntry(model: string, id: string, entry: Entry): void {
    this.entries(model).delete(id);
    if (model === "Session" && typeof entry.payload.uid === "string") this.sessionIdByUid.delete(entry.payload.uid);
    if (isTokenModel(model)) this.tokenKeyById.delete(opaqueTokenId(id));
  }

  private addTombstone(model: TokenModel, id: string, entry: Entry): void {
    const now = Date.now();
    const tokenId = opaqueTokenId(id);
    this.tombstones.set(tokenId, {
      model,
      value: id,
      payload: entry.payload,
      revokedAt: now,
      expiresAt: entry.expiresAt ?? now + TOMBSTONE_FALLBACK_TTL_MS,
    });

    while (this.tombstones.size > MAX_TOMBSTONES) {
      const oldest = this.tombstones.keys().next();
      if (oldest.done === true) break;
      this.tombstones.delete(oldest.value);
    }
  }

  /** Sweeps expired records every SWEEP_INTERVAL_WRITES writes, because `findEntry` removes only the expired records that are read again. */
  private countWrite(): void {
    this.writesSinceSweep += 1;
    if (this.writesSinceSweep >= SWEEP_INTERVAL_WRITES) this.sweepExpired();
  }

  private sweepExpired(): void {
    const now = Date.now();
    this.writesSinceSweep = 0;
    for (const [model, entries] of this.models) {
      for (const [id, entry] of [...entries]) {
        if (entry.expiresAt !== undefined && entry.expiresAt <= now) this.removeEntry(model, id, entry);
      }
    }
    for (const [tokenId, tombstone] of [...this.tombstones]) {
      if (tombstone.expiresAt <= now) this.tombstones.delete(tokenId);
    }
    for (const [jti, record] of [...this.jwtRecords]) {
      if (record.expiresAt <= now) this.jwtRecords.delete(jti);
    }
  }

  private clientAdapter(): Adapter {
    const unsupported = async (): Promise<never> => {
      throw new Error("the demo authorization server registers clients only at start");
    };
    return {
      // A disabled client is reported as unknown, so every grant and client authentication fails for it.
      find: async (id) => {
        const client = this.clients.get(id);
        return client?.enabled === true ? { ...client.metadata } : undefined;
      },
      upsert: unsupported,
      destroy: unsupported,
      consume: unsupported,
      findByUid: async () => undefined,
      findByUserCode: async () => undefined,
      revokeByGrantId: async () => undefined,
    };
  }
}

class ModelAdapter implements Adapter {
  constructor(
    private readonly model: string,
    private readonly store: DemoStore,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    this.store.upsertEntry(this.model, id, payload, expiresIn);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.store.findEntry(this.model, id)?.payload;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.store.findSessionByUid(uid);
  }

  // NOTE: the device flow, the only user of user codes, is not enabled on the demo server.
  async findByUserCode(): Promise<AdapterPayload | undefined> {
    return undefined;
  }

  async consume(id: string): Promise<void> {
    const entry = this.store.findEntry(this.model, id);
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.store.destroyEntry(this.model, id);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    this.store.destroyByGrantId(this.model, grantId);
  }
}
