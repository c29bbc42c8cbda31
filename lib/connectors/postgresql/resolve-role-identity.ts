import type { ConnectorCallContext } from "@/lib/connectors/types";
import type { PostgresConnector } from "./connector";
import { permanent } from "./errors";
import { quoteName } from "./role";

/**
 * Returns the OID of the role with exactly this name, which is what a PostgreSQL target's
 * `identity` holds: OIDs survive a rename, names do not.
 */
export async function resolveRoleIdentity(connector: PostgresConnector, roleName: string, context: Partial<ConnectorCallContext> = {}): Promise<string> {
  const role = await connector.findRole(roleName, context);
  if (!role) throw permanent(`no role named ${quoteName(roleName)} exists in the PostgreSQL domain`);
  return role.oid;
}
