import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";

/**
 * Reads a generated secret from the data dir, creating it (0600) on first use, so sessions
 * survive restarts without the operator having to invent a secret.
 */
export async function readOrCreateSecretFile(dataDir: string, name: string): Promise<string> {
  const file = path.join(dataDir, name);
  try {
    const value = (await fs.readFile(file, "utf8")).trim();
    if (value) return value;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await fs.mkdir(dataDir, { recursive: true, mode: 0o711 });
  const value = randomBytes(32).toString("base64url");
  await fs.writeFile(file, `${value}\n`, { mode: 0o600 });
  return value;
}
