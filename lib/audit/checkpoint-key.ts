import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { calculateJwkThumbprint, type JWK } from "jose";
import { getConfig } from "@/lib/config";

/** Name of the generated signing key in the data dir, used when CORDON_AUDIT_SIGNING_KEY_FILE is unset. */
export const SIGNING_KEY_FILE = "audit-signing-key.pem";

/** The Ed25519 key pair that signs audit checkpoints. */
export interface AuditSigner {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** RFC 7638 JWK thumbprint (SHA-256) of the public key. */
  keyId: string;
}

/** The public half, which is all `cordon audit verify` needs. */
export interface AuditVerifier {
  publicKey: KeyObject;
  keyId: string;
}

/** Returns the RFC 7638 thumbprint of an Ed25519 public key, which names it in each checkpoint. */
export async function keyIdOf(publicKey: KeyObject): Promise<string> {
  return calculateJwkThumbprint(publicKey.export({ format: "jwk" }) as JWK, "sha256");
}

function assertEd25519(key: KeyObject, source: string): void {
  if (key.asymmetricKeyType !== "ed25519") {
    throw new Error(`${source} contains a ${key.asymmetricKeyType ?? "symmetric"} key, which is not supported; audit checkpoints need an Ed25519 key (openssl genpkey -algorithm ed25519)`);
  }
}

/** Reads an Ed25519 public key (SPKI PEM), or the public half of a private key file. */
export async function readVerifier(file: string): Promise<AuditVerifier> {
  const text = await fs.readFile(file, "utf8");
  const publicKey = text.includes("PRIVATE KEY") ? createPublicKey(createPrivateKey(text)) : createPublicKey(text);
  assertEd25519(publicKey, file);
  return { publicKey, keyId: await keyIdOf(publicKey) };
}

async function readSigner(file: string): Promise<AuditSigner> {
  const privateKey = createPrivateKey(await fs.readFile(file, "utf8"));
  assertEd25519(privateKey, file);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: await keyIdOf(publicKey) };
}

/**
 * Reads the signing key from `file`, generating it (0600) when `generate` is true and the file
 * does not exist. The key is written to a temporary file and then linked into place, which
 * fails if the file appeared meanwhile, so concurrent starts agree on one whole key.
 */
export async function loadSigner(file: string, generate: boolean): Promise<AuditSigner> {
  try {
    return await readSigner(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    if (!generate) throw new Error(`the audit signing key ${file} does not exist; create one with: openssl genpkey -algorithm ed25519 -out ${file}`);
  }

  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o711 });
  const pem = generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  await fs.writeFile(temporary, pem, { mode: 0o600, flag: "wx" });
  try {
    await fs.link(temporary, file);
  } catch (error) {
    // EEXIST: another process linked its key first, and that key is the one to use.
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    await fs.rm(temporary, { force: true });
  }
  return readSigner(file);
}

/** Returns the key file this process signs with: CORDON_AUDIT_SIGNING_KEY_FILE, or the generated one in the data dir. */
export function configuredSigningKeyFile(): { file: string; generated: boolean } {
  const config = getConfig();
  return config.auditSigningKeyFile ? { file: config.auditSigningKeyFile, generated: false } : { file: path.join(config.dataDir, SIGNING_KEY_FILE), generated: true };
}

let configuredSigner: Promise<AuditSigner> | undefined;

/** Returns the configured signer, loading it once per process. */
export function configuredAuditSigner(): Promise<AuditSigner> {
  if (!configuredSigner) {
    const { file, generated } = configuredSigningKeyFile();
    configuredSigner = loadSigner(file, generated);
    // A failed load is retried on the next call instead of being cached.
    configuredSigner.catch(() => {
      configuredSigner = undefined;
    });
  }
  return configuredSigner;
}
