import type { z } from "zod";
import type { Domain } from "@/lib/db/client";
import { CredentialUnavailable, resolveCredential } from "@/lib/domains/credentials";
import { logger as rootLogger, type Logger } from "@/lib/log/logger";
import { createOAuth2Connector, ZOAuth2Credentials, ZOAuth2DomainSettings } from "./oauth2";
import { createPostgresConnector, ZPostgresDomainCredentials, ZPostgresDomainSettings } from "./postgresql";
import { createScimConnector, ZScimCredentials, ZScimDomainSettings } from "./scim";
import { ConnectorError, type Connector, type DomainKind } from "./types";

/** Factory of one domain kind: its settings and credential schemas and the connector constructor. */
interface ConnectorFactory {
  settings: z.ZodType;
  credentials: z.ZodType;
  /** The credential field that a plain secret (one that is not a JSON object) fills. */
  primarySecret: string;
  create(settings: never, credentials: never, logger: Logger): Connector;
}

const FACTORIES: Record<DomainKind, ConnectorFactory> = {
  scim: {
    settings: ZScimDomainSettings,
    credentials: ZScimCredentials,
    primarySecret: "bearerToken",
    create: (settings: z.output<typeof ZScimDomainSettings>, credentials: z.output<typeof ZScimCredentials>) => createScimConnector(settings, credentials),
  },
  oauth2: {
    settings: ZOAuth2DomainSettings,
    credentials: ZOAuth2Credentials,
    primarySecret: "clientSecret",
    create: (settings: z.output<typeof ZOAuth2DomainSettings>, credentials: z.output<typeof ZOAuth2Credentials>, logger: Logger) =>
      createOAuth2Connector(settings, credentials, { logger }),
  },
  postgresql: {
    settings: ZPostgresDomainSettings,
    credentials: ZPostgresDomainCredentials,
    primarySecret: "password",
    create: (settings: z.output<typeof ZPostgresDomainSettings>, credentials: z.output<typeof ZPostgresDomainCredentials>, logger: Logger) =>
      createPostgresConnector(settings, credentials, { logger }),
  },
};

/** Cached connectors live this long, so a credential rotated in its env or file is read again. */
export const CONNECTOR_CACHE_TTL_MS = 5 * 60 * 1000;

interface CacheEntry {
  version: number;
  createdAt: number;
  connector: Promise<Connector>;
}

const globalForConnectors = globalThis as unknown as { cordonConnectors?: Map<string, CacheEntry> };
const cache: Map<string, CacheEntry> = (globalForConnectors.cordonConnectors ??= new Map());

/**
 * Reads the domain's secret through the shared resolver. Its errors name the reference and
 * never the value, and become permanent connector errors: the operator has to fix the
 * reference, the variable or the file before a retry could succeed.
 */
async function resolveSecret(domain: Domain): Promise<string> {
  try {
    return await resolveCredential(domain.credentialRef);
  } catch (error) {
    if (error instanceof CredentialUnavailable) throw new ConnectorError(`domain ${domain.name}: ${error.message}`, false);
    throw error;
  }
}

/**
 * Turns the resolved secret into the kind's credential object. A JSON object is taken as is,
 * for kinds with several secrets such as oauth2's clientSecret and adminToken. Anything else
 * fills the kind's one primary secret.
 */
function credentialsFor(domain: Domain, factory: ConnectorFactory, secret: string): unknown {
  if (!secret.startsWith("{")) return { [factory.primarySecret]: secret };
  try {
    return JSON.parse(secret) as unknown;
  } catch {
    // JSON.parse quotes the input in its message, so its error must not travel further.
    throw new ConnectorError(`credential ${domain.credentialRef} of domain ${domain.name} starts with "{" but is not valid JSON`, false);
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join(".") || "value"}: ${issue.message}`).join("; ");
}

async function buildConnector(domain: Domain): Promise<Connector> {
  const factory = FACTORIES[domain.kind];
  const settings = factory.settings.safeParse(domain.settings);
  if (!settings.success) {
    throw new ConnectorError(`domain ${domain.name} has invalid ${domain.kind} settings: ${describeIssues(settings.error)}`, false);
  }

  const secret = await resolveSecret(domain);
  const credentials = factory.credentials.safeParse(credentialsFor(domain, factory, secret));
  if (!credentials.success) {
    // Only the field names are reported: a zod message may quote part of the value.
    const fields = [...new Set(credentials.error.issues.map((issue) => issue.path.join(".") || "credentials"))];
    throw new ConnectorError(`credential ${domain.credentialRef} of domain ${domain.name} is invalid for ${domain.kind}; check ${fields.join(", ")}`, false);
  }

  const logger = rootLogger.child({ component: "connector", domain: domain.name, domainKind: domain.kind });
  return factory.create(settings.data as never, credentials.data as never, logger);
}

/**
 * Returns the connector of a domain, built from its validated settings and its resolved
 * credential. Connectors are cached per domain id. A change of the domain row (its
 * `updatedAt`) or an entry older than CONNECTOR_CACHE_TTL_MS builds a new one.
 */
export async function connectorForDomain(domain: Domain): Promise<Connector> {
  const version = domain.updatedAt.getTime();
  const cached = cache.get(domain.id);
  if (cached && cached.version === version && Date.now() - cached.createdAt < CONNECTOR_CACHE_TTL_MS) return cached.connector;

  const connector = buildConnector(domain);
  cache.set(domain.id, { version, createdAt: Date.now(), connector });
  if (cached) closeLater(cached.connector, domain.name);
  connector.catch(() => {
    // A failed build is not cached, so fixing the settings or the credential takes effect at once.
    if (cache.get(domain.id)?.connector === connector) cache.delete(domain.id);
  });
  return connector;
}

function closeLater(connector: Promise<Connector>, domainName: string): void {
  connector
    .then((built) => built.close?.())
    .catch((error: unknown) => rootLogger.warn({ component: "connector", domain: domainName, err: error }, "closing a replaced connector failed"));
}

/** Closes every cached connector and empties the cache, for shutdown and tests. */
export async function clearConnectorCache(): Promise<void> {
  const entries = [...cache.values()];
  cache.clear();
  await Promise.allSettled(entries.map(async (entry) => (await entry.connector).close?.()));
}
