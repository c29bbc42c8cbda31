import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";

async function readSecretFile(file: string): Promise<string | null> {
  try {
    const value = (await fs.readFile(file, "utf8")).trim();
    return value || null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/**
 * Reads a generated secret from the data dir, creating it (0600) on first use, so sessions
 * survive restarts without the operator having to invent a secret. The file is created
 * exclusively, so when a server and a `cordon worker` start together, both end up with the
 * value that was written first.
 */
export async function readOrCreateSecretFile(dataDir: string, name: string): Promise<string> {
  const file = path.join(dataDir, name);
  const existing = await readSecretFile(file);
  if (existing) return existing;

  await fs.mkdir(dataDir, { recursive: true, mode: 0o711 });
  const value = randomBytes(32).toString("base64url");
  try {
    await fs.writeFile(file, `${value}\n`, { mode: 0o600, flag: "wx" });
    return value;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  // Another process created the file between the read and the write. It may not have written
  // the value yet, so read until it appears.
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const written = await readSecretFile(file);
    if (written) return written;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${file} exists but is empty; remove it so that Cordon can generate a new secret`);
}
