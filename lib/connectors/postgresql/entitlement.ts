/** PostgreSQL's table privileges (MAINTAIN since version 17), spelled as `aclexplode` returns them. */
export const TABLE_PRIVILEGES = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "MAINTAIN"] as const;
export type TablePrivilege = (typeof TABLE_PRIVILEGES)[number];

export type Entitlement =
  | {
      kind: "role_membership";
      roleName: string;
      /** Set when the text looked like a table grant but could not be parsed as one. */
      grantSyntaxError?: string;
    }
  | {
      kind: "table_privileges";
      /** Null for `ALL [PRIVILEGES]`: every privilege granted to the target on the table. */
      privileges: TablePrivilege[] | null;
      schema: string;
      table: string;
    };

const GRANT_PATTERN = /^\s*(.+?)\s+ON\s+TABLE\s+(.+?)\s*$/isu;
/** One SQL identifier: double-quoted with "" as an escaped quote, or unquoted and folded to lower case. */
const IDENTIFIER_PATTERN = /^(?:"((?:[^"]|"")+)"|([\p{L}_][\p{L}\p{N}_$]*))/u;

function parseIdentifier(text: string): { name: string; rest: string } | null {
  const match = IDENTIFIER_PATTERN.exec(text);
  if (!match) return null;
  const name = match[1] !== undefined ? match[1].replace(/""/g, '"') : (match[2] ?? "").toLowerCase();
  return { name, rest: text.slice(match[0].length) };
}

/** Parses `schema.table`, each part quoted or unquoted as in SQL. */
export function parseQualifiedTable(text: string): { schema: string; table: string } | string {
  const schema = parseIdentifier(text);
  if (!schema || !schema.rest.startsWith(".")) return `expected a schema-qualified table name such as public.orders, got ${JSON.stringify(text)}`;
  const table = parseIdentifier(schema.rest.slice(1));
  if (!table || table.rest !== "") return `expected a schema-qualified table name such as public.orders, got ${JSON.stringify(text)}`;
  return { schema: schema.name, table: table.name };
}

function parsePrivileges(text: string): TablePrivilege[] | null | string {
  if (/^ALL(\s+PRIVILEGES)?$/i.test(text)) return null;
  const privileges: TablePrivilege[] = [];
  for (const part of text.split(",")) {
    const name = part.trim().toUpperCase();
    const privilege = TABLE_PRIVILEGES.find((known) => known === name);
    if (!privilege) return `${JSON.stringify(part.trim())} is not a table privilege; use ${TABLE_PRIVILEGES.join(", ")} or ALL`;
    if (!privileges.includes(privilege)) privileges.push(privilege);
  }
  return privileges;
}

/**
 * Reads a `remove_entitlement` parameter. Text of the form `PRIVILEGES ON TABLE schema.table`
 * names table privileges (`SELECT, UPDATE ON TABLE public.orders`); any other text is the exact
 * name of a role whose membership to revoke.
 */
export function parseEntitlement(text: string): Entitlement {
  const grant = GRANT_PATTERN.exec(text);
  if (!grant) return { kind: "role_membership", roleName: text };

  const privileges = parsePrivileges(grant[1] ?? "");
  const table = parseQualifiedTable(grant[2] ?? "");
  if (typeof privileges === "string") return { kind: "role_membership", roleName: text, grantSyntaxError: privileges };
  if (typeof table === "string") return { kind: "role_membership", roleName: text, grantSyntaxError: table };
  return { kind: "table_privileges", privileges, ...table };
}
