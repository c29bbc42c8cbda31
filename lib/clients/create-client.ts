import { actorRef } from "@/lib/actions/context";
import { appendAuditEvent } from "@/lib/audit/append";
import { invalidateIssuerCache } from "@/lib/auth/authenticate-bearer";
import type { Db, WorkloadClient } from "@/lib/db/client";
import { ValidationFailed } from "@/lib/errors";
import { requireAdministrator, type AdminContext } from "@/lib/users/admin-context";
import { isUniqueViolation } from "@/lib/users/is-unique-violation";
import { parseAdminInput, quoteValue } from "@/lib/users/parse-admin-input";
import { issueApiKey, type IssuedApiKey } from "./issue-api-key";
import { ZCreateClientInput, type CreateClientInput } from "./schemas";

type ParsedInput = ReturnType<typeof ZCreateClientInput.parse>;

export interface CreateClientResult {
  client: WorkloadClient;
  /** The client's first API key; null for a client that authenticates with workload JWTs. */
  apiKey: IssuedApiKey | null;
}

/**
 * Registers a workload client, with the `workload_client.created` audit event in the same
 * transaction. A client without JWT settings gets an API key whose secret is returned once and
 * stored only as a hash. Throws ValidationFailed for an invalid input, an unknown domain, a
 * name or issuer and subject already registered, or an issuer registered with another key source.
 */
export async function createClient(context: AdminContext, input: CreateClientInput): Promise<CreateClientResult> {
  requireAdministrator(context.actor, "registering a workload client");
  const data = parseAdminInput(ZCreateClientInput, input, "workload client");
  const now = context.clock.now();

  let result: CreateClientResult;
  try {
    result = await context.db.$transaction(async (tx) => {
      await assertDomainsExist(tx, data.allowedDomains);
      await assertUnregistered(tx, data);

      const client = await tx.workloadClient.create({
        data: {
          name: data.name,
          ownerEmail: data.ownerEmail,
          allowedKinds: data.allowedKinds,
          allowedDomains: data.allowedDomains,
          rateLimitPerMinute: data.rateLimitPerMinute,
          jwtIssuer: data.jwt?.issuer ?? null,
          jwtSubject: data.jwt?.subject ?? null,
          jwksUrl: data.jwt?.jwksUrl ?? null,
          createdAt: now,
          updatedAt: now,
        },
      });
      const apiKey = data.jwt ? null : await issueApiKey(tx, client.id, now);

      await appendAuditEvent(tx, {
        occurredAt: now,
        actor: actorRef(context.actor),
        eventType: "workload_client.created",
        correlationId: context.requestId,
        payload: {
          clientId: client.id,
          name: client.name,
          ownerEmail: client.ownerEmail,
          allowedKinds: client.allowedKinds,
          allowedDomains: client.allowedDomains,
          rateLimitPerMinute: client.rateLimitPerMinute,
          authentication: apiKey ? "api_key" : "jwt",
          apiKeyId: apiKey?.record.id ?? null,
          jwtIssuer: client.jwtIssuer,
          jwtSubject: client.jwtSubject,
          jwksUrl: client.jwksUrl,
        },
      });
      return { client, apiKey };
    });
  } catch (error) {
    // Two concurrent registrations can both pass the checks above; the unique constraints decide.
    if (isUniqueViolation(error)) throw new ValidationFailed(`a workload client named ${data.name}, or with this JWT issuer and subject, already exists`);
    throw error;
  }

  if (data.jwt) invalidateIssuerCache();
  context.logger.info({ clientId: result.client.id, authentication: result.apiKey ? "api_key" : "jwt" }, "workload client registered");
  return result;
}

async function assertDomainsExist(tx: Db, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  const found = await tx.domain.findMany({ where: { name: { in: [...names] } }, select: { name: true } });
  const known = new Set(found.map((domain) => domain.name));
  const errors = names.flatMap((name, index) => (known.has(name) ? [] : [{ pointer: `/allowedDomains/${index}`, message: `must name registered domains; no domain is named ${quoteValue(name)}` }]));
  if (errors.length > 0) throw new ValidationFailed(`invalid workload client: ${errors.map((error) => `${error.pointer} ${error.message}`).join("; ")}`, errors);
}

async function assertUnregistered(tx: Db, data: ParsedInput): Promise<void> {
  if (await tx.workloadClient.findUnique({ where: { name: data.name }, select: { id: true } })) {
    throw new ValidationFailed(`a workload client named ${data.name} already exists`, [{ pointer: "/name", message: `is already registered: ${data.name}` }]);
  }
  if (!data.jwt) return;

  const { issuer, subject } = data.jwt;
  const sameSubject = await tx.workloadClient.findUnique({ where: { jwtIssuer_jwtSubject: { jwtIssuer: issuer, jwtSubject: subject } }, select: { name: true } });
  if (sameSubject) {
    throw new ValidationFailed(`client ${sameSubject.name} already uses issuer ${quoteValue(issuer)} with subject ${quoteValue(subject)}`, [
      { pointer: "/jwt/subject", message: `is already registered for this issuer on client ${sameSubject.name}: ${quoteValue(subject)}` },
    ]);
  }

  // The verifier keeps one key source per issuer, so clients of one issuer must agree on it.
  const jwksUrl = data.jwt.jwksUrl ?? null;
  const sameIssuer = await tx.workloadClient.findMany({ where: { jwtIssuer: issuer }, select: { name: true, jwksUrl: true } });
  const conflict = sameIssuer.find((client) => client.jwksUrl !== jwksUrl);
  if (conflict) {
    const source = conflict.jwksUrl === null ? "OIDC discovery" : quoteValue(conflict.jwksUrl);
    throw new ValidationFailed(`issuer ${quoteValue(issuer)} is registered on client ${conflict.name} with key source ${source}; use the same JWKS URL`, [
      { pointer: "/jwt/jwksUrl", message: `must match the key source of client ${conflict.name} for this issuer: ${source}` },
    ]);
  }
}
