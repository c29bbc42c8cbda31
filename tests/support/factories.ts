import { randomBytes } from "node:crypto";
import path from "node:path";
import pino from "pino";
import type { Actor, Planner, ServiceContext } from "@/lib/actions/context";
import type { PrismaClient, User, WorkloadClient } from "@/lib/db/client";
import type { ActionKind, DomainKind, Role, Severity } from "@/lib/db/generated/enums";
import { loadPolicySet, type PolicySet } from "@/lib/policy/engine";
import { ManualClock, type Clock } from "@/lib/time/clock";

export const POLICY_DIR = path.resolve(import.meta.dirname, "../../policies");
const silent = pino({ level: "silent" });

let policies: Promise<PolicySet> | undefined;
export function defaultPolicies(): Promise<PolicySet> {
  policies ??= loadPolicySet(POLICY_DIR);
  return policies;
}

export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString("hex")}`;
}

export async function createDomain(prisma: PrismaClient, options: { name?: string; kind?: DomainKind } = {}) {
  return prisma.domain.create({
    data: { name: options.name ?? unique("domain"), kind: options.kind ?? "postgresql", settings: {}, credentialRef: "env:TEST_DOMAIN_SECRET" },
  });
}

export async function createIncident(prisma: PrismaClient, options: { severity?: Severity } = {}) {
  return prisma.incident.create({
    data: { externalId: unique("INC"), title: "Leaked deploy token", severity: options.severity ?? "high", summary: "A CI deploy token was found in a public log." },
  });
}

export async function createUser(prisma: PrismaClient, options: { roles?: Role[]; email?: string } = {}): Promise<User> {
  const email = options.email ?? `${unique("person")}@example.com`;
  return prisma.user.create({ data: { email, displayName: email.split("@")[0]!, roles: options.roles ?? ["approver"] } });
}

export async function createClient(
  prisma: PrismaClient,
  options: { owner?: string; kinds?: ActionKind[]; domains?: string[]; rateLimitPerMinute?: number } = {},
): Promise<WorkloadClient> {
  return prisma.workloadClient.create({
    data: {
      name: unique("soar"),
      ownerEmail: options.owner ?? "owner@example.com",
      allowedKinds: options.kinds ?? ["revoke_token", "disable_account", "rotate_credential", "remove_entitlement", "quarantine_workload"],
      allowedDomains: options.domains ?? [],
      rateLimitPerMinute: options.rateLimitPerMinute ?? 60,
    },
  });
}

export async function serviceContext(
  prisma: PrismaClient,
  actor: Actor,
  options: { clock?: Clock; policies?: PolicySet; planner?: Planner } = {},
): Promise<ServiceContext> {
  return {
    db: prisma,
    clock: options.clock ?? new ManualClock(),
    actor,
    requestId: unique("req"),
    logger: silent,
    policies: options.policies ?? (await defaultPolicies()),
    ...(options.planner ? { planner: options.planner } : {}),
  };
}

export function workload(client: WorkloadClient): Actor {
  return { type: "workload", client };
}

export function person(user: User): Actor {
  return { type: "person", user, via: "session" };
}
