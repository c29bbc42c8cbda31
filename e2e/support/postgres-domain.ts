import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { e2eDatabaseUrl } from "./database";

export interface PostgresRunDomain<Key extends string> {
  /** Settings of the Cordon domain row for the PostgreSQL connector. */
  settings: { host: string; port: number; database: string; user: string; sslmode: "disable" };
  /** 0600 file with the connector role's password, for a `file:` credentialRef. */
  credentialFile: string;
  /** Name and OID of each service role; the OID is the identity the connector expects. */
  roles: Record<Key, { name: string; oid: string }>;
  /** NOLOGIN group role that the connector may remove members from. */
  group: string;
  /** Removes the folder of the credential file. */
  removeCredential(): void;
}

/**
 * Creates a PostgreSQL domain on the e2e server's embedded PostgreSQL. It consists of a
 * database `<prefix>_domain`, one login role per entry of `roles` (names without the prefix)
 * and a group role `<prefix>_writers` whose members are the roles of `groupMembers`. A
 * connector role gets CREATEROLE and ADMIN OPTION on those roles only. The roles are left in
 * place afterwards, because the data dir is a throwaway temp folder.
 */
export async function createPostgresRunDomain<Key extends string>(prefix: string, roles: Record<Key, string>, groupMembers: readonly NoInfer<Key>[] = []): Promise<PostgresRunDomain<Key>> {
  const q = (name: string) => pg.escapeIdentifier(name);
  const database = `${prefix}_domain`;
  const connector = `${prefix}_connector`;
  const group = `${prefix}_writers`;
  const keys = Object.keys(roles) as Key[];
  const names = Object.fromEntries(keys.map((key) => [key, `${prefix}_${roles[key]}`])) as Record<Key, string>;
  const password = randomBytes(24).toString("base64url");

  const admin = new pg.Client({ connectionString: e2eDatabaseUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${q(database)}`);
    await admin.query(`CREATE ROLE ${q(group)} NOLOGIN`);
    for (const key of keys) await admin.query(`CREATE ROLE ${q(names[key])} LOGIN`);
    await admin.query(`CREATE ROLE ${q(connector)} LOGIN CREATEROLE PASSWORD ${admin.escapeLiteral(password)}`);
    for (const managed of [...Object.values<string>(names), group]) await admin.query(`GRANT ${q(managed)} TO ${q(connector)} WITH ADMIN TRUE, INHERIT FALSE, SET FALSE`);
    await admin.query(`GRANT pg_signal_backend TO ${q(connector)}`);
    await admin.query(`GRANT CONNECT ON DATABASE ${q(database)} TO ${q(connector)}`);
    // GRANTED BY the connector, because PostgreSQL 16+ lets a role revoke only the grants it made.
    for (const member of groupMembers) await admin.query(`GRANT ${q(group)} TO ${q(names[member])} GRANTED BY ${q(connector)}`);

    const { rows } = await admin.query<{ rolname: string; oid: string }>("SELECT rolname, oid::text AS oid FROM pg_roles WHERE rolname = ANY($1)", [Object.values(names)]);
    const oid = (name: string) => rows.find((row) => row.rolname === name)!.oid;
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "cordon-e2e-credential-"));
    const credentialFile = path.join(folder, "connector-password");
    fs.writeFileSync(credentialFile, password, { mode: 0o600 });

    const url = new URL(e2eDatabaseUrl());
    return {
      settings: { host: "127.0.0.1", port: Number(url.port), database, user: connector, sslmode: "disable" },
      credentialFile,
      roles: Object.fromEntries(keys.map((key) => [key, { name: names[key], oid: oid(names[key]) }])) as Record<Key, { name: string; oid: string }>,
      group,
      removeCredential: () => fs.rmSync(folder, { recursive: true, force: true }),
    };
  } finally {
    await admin.end();
  }
}
