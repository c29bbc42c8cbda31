import type { Db, WorkloadClient } from "@/lib/db/client";
import { NotFound } from "@/lib/errors";
import { quoteValue } from "@/lib/users/parse-admin-input";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Finds a client by id or name and locks its row until the caller's transaction ends, so two
 * changes to one client (two key rotations) run one after the other. Client names never have
 * the form of a UUID, so a UUID is always read as an id. Throws NotFound.
 */
export async function lockClient(tx: Db, nameOrId: string): Promise<WorkloadClient> {
  const rows = UUID.test(nameOrId)
    ? await tx.$queryRaw<{ id: string }[]>`SELECT id FROM workload_clients WHERE id = ${nameOrId.toLowerCase()}::uuid FOR UPDATE`
    : await tx.$queryRaw<{ id: string }[]>`SELECT id FROM workload_clients WHERE name = ${nameOrId} FOR UPDATE`;
  const id = rows[0]?.id;
  if (id === undefined) throw new NotFound(`no workload client has the name or id ${quoteValue(nameOrId)}`);
  return tx.workloadClient.findUniqueOrThrow({ where: { id } });
}
