import { type ScimServer, type TScimSeed, startScimServer } from "@/lib/demo/scim-server";
import type { Logger } from "@/lib/log/logger";
import { generateSecret } from "./demo-files";

/**
 * SCIM ids of the demo tenant's service accounts. They are fixed, so the ids in proposals and
 * ingested events stay valid although the tenant is seeded again, in memory, on every start.
 */
export const DEMO_SCIM_USERS = {
  ciDeployer: { id: "5f0c2d7e-1b4a-4c8e-9e21-7a3d6b0c4e11", userName: "ci-deployer@svc.example.com", displayName: "CI deployer" },
  svcReporting: { id: "9b6e1f3a-2c7d-4e5f-8a90-1c2d3e4f5a61", userName: "svc-reporting@svc.example.com", displayName: "Reporting service" },
  svcEtl: { id: "c4d8a2b6-3e1f-4a7c-b5d9-0e2f4a6c8b71", userName: "svc-etl@svc.example.com", displayName: "ETL service" },
} as const;

export const DEMO_SCIM_GROUPS = {
  deployers: { id: "e1a3c5b7-4d6f-4b8a-9c0e-2f4a6b8c0d21", displayName: "deployers" },
  dataPlatformAdmins: { id: "f2b4d6c8-5e7a-4c9b-8d1f-3a5b7c9d1e31", displayName: "data-platform-admins" },
  reportingReaders: { id: "0a2c4e6b-6f8b-4dac-9e2a-4b6c8d0e2f41", displayName: "reporting-readers" },
} as const;

const SEED: TScimSeed = {
  users: Object.values(DEMO_SCIM_USERS).map((user) => ({ ...user, active: true })),
  groups: [
    { ...DEMO_SCIM_GROUPS.deployers, members: [DEMO_SCIM_USERS.ciDeployer.id] },
    { ...DEMO_SCIM_GROUPS.dataPlatformAdmins, members: [DEMO_SCIM_USERS.svcEtl.id] },
    { ...DEMO_SCIM_GROUPS.reportingReaders, members: [DEMO_SCIM_USERS.svcReporting.id, DEMO_SCIM_USERS.svcEtl.id] },
  ],
};

export interface DemoScim {
  server: ScimServer;
  bearerToken: string;
}

/** Starts the demo SCIM tenant, seeded with the demo's service accounts and groups, with a new bearer token. */
export async function startDemoScim(logger: Logger): Promise<DemoScim> {
  const bearerToken = generateSecret();
  const server = await startScimServer({ bearerToken, seed: SEED, logger: logger.child({ component: "demo-scim-server" }) });
  return { server, bearerToken };
}
