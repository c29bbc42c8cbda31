import type { Db } from "@/lib/db/client";
import { verifyChain, type AuditChainReport } from "./verify-chain";

export type { AuditChainProblem, AuditChainReport, AuditProblemKind } from "./verify-chain";

export interface VerifyAuditOptions {
  /** Verify only this chain: an incident id, or `global`. */
  chain?: string;
  /** Rows read per query; the walk keeps at most one page of a chain in memory. */
  pageSize?: number;
}

export interface VerifyReport {
  /** True when every chain verified. */
  ok: boolean;
  chains: AuditChainReport[];
}

const DEFAULT_PAGE_SIZE = 500;

/**
 * Verifies audit chains: recomputes each event's hash, checks each link to the previous
 * event and compares each chain head with the chain's last event. Reports the first problem
 * of every chain. Chains are sorted by name in UTF-16 code unit order; a chain with neither
 * events nor a head is not reported.
 */
export async function verifyAuditChains(db: Db, options: VerifyAuditOptions = {}): Promise<VerifyReport> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);

  const chains: AuditChainReport[] = [];
  for await (const chain of listChains(db, options.chain, pageSize)) {
    chains.push(await verifyChain(db, chain, pageSize));
  }
  chains.sort(compareChains);
  return { ok: chains.every((chain) => chain.ok), chains };
}

/** Yields every chain with a head, then the chains that have events but no head row. */
async function* listChains(db: Db, only: string | undefined, pageSize: number): AsyncGenerator<string> {
  if (only !== undefined) {
    const head = await db.auditChainHead.findUnique({ where: { chain: only }, select: { chain: true } });
    const event = head ? null : await db.auditEvent.findFirst({ where: { chain: only }, select: { id: true } });
    if (head || event) yield only;
    return;
  }

  let after: string | null = null;
  for (;;) {
    const heads: { chain: string }[] = await db.auditChainHead.findMany({
      where: after === null ? {} : { chain: { gt: after } },
      orderBy: { chain: "asc" },
      take: pageSize,
      select: { chain: true },
    });
    for (const { chain } of heads) yield chain;
    const last = heads.at(-1);
    if (!last || heads.length < pageSize) break;
    after = last.chain;
  }

  const headless = await db.$queryRaw<{ chain: string }[]>`
    SELECT DISTINCT e.chain FROM audit_events e
    WHERE NOT EXISTS (SELECT 1 FROM audit_chain_heads h WHERE h.chain = e.chain)`;
  for (const { chain } of headless) yield chain;
}

function compareChains(a: AuditChainReport, b: AuditChainReport): number {
  if (a.chain < b.chain) return -1;
  if (a.chain > b.chain) return 1;
  return 0;
}
