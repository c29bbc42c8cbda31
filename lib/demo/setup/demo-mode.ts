import type { Config } from "@/lib/config";
import type { Db } from "@/lib/db/client";
import { demoSecretsDir } from "./demo-files";
import { DEMO_DOMAIN_NAMES } from "./demo-names";

/**
 * Returns whether a domain row is one the demo registered: a demo name whose credential is a
 * file in the demo-secrets folder of this data dir. A domain an operator registered under a
 * demo name with a credential of their own does not count.
 */
export function isDemoDomain(domain: { name: string; credentialRef: string }, dataDir: string): boolean {
  return DEMO_DOMAIN_NAMES.includes(domain.name) && domain.credentialRef.startsWith(`file:${demoSecretsDir(dataDir)}/`);
}

/**
 * Decides whether this start runs the demo. `CORDON_DEMO=on` always does and `off` never does.
 * `auto` runs it only on the embedded database (no DATABASE_URL) while no domain other than the
 * demo's is registered, so a Cordon that an operator has connected to real identity systems
 * never gets demo domains, people or proposals.
 */
export async function isDemoEnabled(config: Pick<Config, "demo" | "databaseUrl" | "dataDir">, db: Db): Promise<boolean> {
  if (config.demo === "on") return true;
  if (config.demo === "off") return false;
  if (config.databaseUrl !== undefined) return false;

  const domains = await db.domain.findMany({ select: { name: true, credentialRef: true } });
  return domains.every((domain) => isDemoDomain(domain, config.dataDir));
}
