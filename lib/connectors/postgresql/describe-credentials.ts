import type { CredentialRequirement } from "@/lib/connectors/types";

/**
 * Lists the least privilege the connector role needs on PostgreSQL 16 or later, where CREATEROLE
 * alone no longer lets a role alter roles it was not given ADMIN OPTION on.
 */
export function describePostgresCredentials(): CredentialRequirement[] {
  return [
    {
      privilege: "LOGIN with a password, and CONNECT on the domain's database",
      reason: "the connector opens its own sessions to read the catalogue and make changes",
    },
    {
      privilege: "CREATEROLE",
      reason: "ALTER ROLE … LOGIN/NOLOGIN and ALTER ROLE … PASSWORD on the managed roles",
    },
    {
      privilege: "ADMIN OPTION on each managed role and on each role whose membership Cordon may revoke, granted WITH INHERIT FALSE, SET FALSE",
      reason:
        "PostgreSQL 16+ requires ADMIN OPTION to alter a role or to grant and revoke membership in it; without INHERIT and SET the connector gets none of the role's own privileges. The connector can revoke only membership grants made by itself (GRANTED BY the connector role).",
    },
    {
      privilege: "membership in pg_signal_backend",
      reason: "pg_terminate_backend on the sessions of a disabled role; it cannot signal superuser sessions",
    },
    {
      privilege: "optional: membership WITH INHERIT TRUE in the owner role of each table whose privileges Cordon may revoke",
      reason:
        "only for remove_entitlement of table privileges, because PostgreSQL lets only the owner revoke the owner's grants; leave it out and the connector cannot change any table",
    },
    {
      privilege: "no SUPERUSER, REPLICATION or BYPASSRLS attribute, and no role membership beyond the above",
      reason: "the connector rejects superuser targets and its own role, and needs nothing else",
    },
  ];
}
