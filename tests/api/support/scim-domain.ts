import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import type { Domain, PrismaClient } from "@/lib/db/client";
import { startScimServer } from "@/lib/demo/scim-server";
import { unique } from "@/tests/support/factories";

/**
 * A SCIM 2.0 domain the Cordon server can plan against: the demo SCIM server on 127.0.0.1,
 * seeded with `users` accounts, registered with its bearer token in a file that only this
 * user can read. The server's connector planner fetches each target while a proposal is made,
 * so a target must be one of the seeded identities.
 */
export interface ScimDomain {
  domain: Domain;
  /** SCIM id of the seeded user number `index`. */
  identity(index: number): string;
  close(): Promise<void>;
}

export async function startScimDomain(prisma: PrismaClient, users: number): Promise<ScimDomain> {
  const bearerToken = randomBytes(24).toString("base64url");
  const identity = (index: number) => `user-${index}`;
  const scim = await startScimServer({
    bearerToken,
    seed: { users: Array.from({ length: users }, (_, index) => ({ id: identity(index), userName: `user${index}@example.com`, displayName: `User ${index}` })) },
    logger: pino({ level: "silent" }),
  });

  const folder = await fs.mkdtemp(path.join(os.tmpdir(), "cordon-scim-credential-"));
  const credentialFile = path.join(folder, "bearer-token");
  await fs.writeFile(credentialFile, bearerToken, { mode: 0o600 });
  const domain = await prisma.domain.create({
    data: { name: unique("scim"), kind: "scim", settings: { baseUrl: scim.url }, credentialRef: `file:${credentialFile}` },
  });

  return {
    domain,
    identity,
    async close() {
      await scim.close();
      await fs.rm(folder, { recursive: true, force: true });
    },
  };
}
