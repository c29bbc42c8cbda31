import { getPrisma, type Db } from "@/lib/db/client";

/** Values the history filters suggest. */
export interface HistoryFilterOptions {
  domains: string[];
  /** Names of workload clients, the usual requesters. */
  requesters: string[];
}

/** Reads the domain and workload client names for the history filters, sorted by name. */
export async function historyFilterOptions(options: { db?: Db } = {}): Promise<HistoryFilterOptions> {
  const db = options.db ?? getPrisma();
  const [domains, clients] = await Promise.all([
    db.domain.findMany({ orderBy: { name: "asc" }, select: { name: true } }),
    db.workloadClient.findMany({ orderBy: { name: "asc" }, select: { name: true } }),
  ]);
  return { domains: domains.map((domain) => domain.name), requesters: clients.map((client) => client.name) };
}
