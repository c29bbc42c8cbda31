import path from "node:path";
import { z } from "zod";

/** One environment variable: its schema, an example of a valid value, and whether to echo bad values. */
export interface VariableSpec {
  schema: z.ZodType;
  example: string;
  description: string;
  /** Secret values are never echoed in an error message. */
  secret?: boolean;
}

const postgresUrl = z
  .string()
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === "postgres:" || url.protocol === "postgresql:") && url.hostname !== "";
    } catch {
      return false;
    }
  }, "expected a postgres:// or postgresql:// URL with a host");

const port = z.coerce.number().int().min(1).max(65535);
const seconds = z.coerce.number().int().positive();
const onOff = z.enum(["on", "off"]);

export const VARIABLES = {
  DATABASE_URL: {
    schema: postgresUrl.optional(),
    example: "postgresql://cordon:secret@db.internal:5432/cordon",
    description: "PostgreSQL to use. Unset: start the embedded PostgreSQL in CORDON_DATA_DIR.",
    secret: true,
  },
  CORDON_DATA_DIR: {
    schema: z.string().min(1).default(".cordon"),
    example: "/var/lib/cordon",
    description: "Folder for the embedded database, its generated password, the session secret and the delivery key.",
  },
  HOST: {
    schema: z.string().min(1).default("127.0.0.1"),
    example: "0.0.0.0",
    description: "Address the web server listens on.",
  },
  PORT: {
    schema: port.default(3000),
    example: "3000",
    description: "Port the web server listens on.",
  },
  CORDON_PUBLIC_URL: {
    schema: z.url({ protocol: /^https?$/ }).optional(),
    example: "https://cordon.example.com",
    description: "External URL of the console, for sign-in redirects. Default http://localhost:PORT.",
  },
  CORDON_LOG_LEVEL: {
    schema: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    example: "info",
    description: "pino log level.",
  },
  CORDON_DB_CONNECT_TIMEOUT_SECONDS: {
    schema: seconds.max(600).default(30),
    example: "30",
    description: "How long start-up retries an unreachable database before it gives up.",
  },
  CORDON_EMBEDDED_PG_PORT: {
    schema: port.optional(),
    example: "54329",
    description: "Port of the embedded PostgreSQL. Default: a free port chosen once and kept in the data dir.",
  },
  CORDON_POLICY_DIR: {
    schema: z.string().min(1).optional(),
    example: "/etc/cordon/policies",
    description: "Folder of Cedar policies and schema that replaces the built-in policies/.",
  },
  CORDON_API_AUDIENCE: {
    schema: z.string().min(1).default("cordon"),
    example: "https://cordon.example.com/api",
    description: "The `aud` value workload JWTs must carry.",
  },
  CORDON_DEMO: {
    schema: z.enum(["auto", "on", "off"]).default("auto"),
    example: "off",
    description: "auto: run the demo on the embedded database when no domain is configured; on: always; off: never.",
  },
  CORDON_WORKER: {
    schema: onOff.default("on"),
    example: "off",
    description: "Run the executor inside the web server. Set off when separate `cordon worker` processes run.",
  },
  NEXTAUTH_SECRET: {
    schema: z.string().min(32).optional(),
    example: "a random string of at least 32 characters (openssl rand -base64 32)",
    description: "Key that signs console sessions. Default: generated once and kept in the data dir.",
    secret: true,
  },
  CORDON_DELIVERY_KEY: {
    schema: z.string().min(32).optional(),
    example: "a random string of at least 32 characters (openssl rand -base64 32)",
    description:
      "Key that encrypts a rotated credential while it waits for an approver to view it. Every Cordon process, `cordon worker` included, needs the same value. Default: generated once and kept in the data dir.",
    secret: true,
  },
  CORDON_AUDIT_SIGNING_KEY_FILE: {
    schema: z.string().min(1).optional(),
    example: "/etc/cordon/audit-signing-key.pem",
    description:
      "Ed25519 private key (PKCS#8 PEM) that signs audit checkpoints; create one with `openssl genpkey -algorithm ed25519`. Default: generated once as audit-signing-key.pem in the data dir.",
  },
  CORDON_OIDC_ISSUER: {
    schema: z.url({ protocol: /^https?$/ }).optional(),
    example: "https://login.example.com/realms/security",
    description: "OpenID Connect issuer for console sign-in (Okta, Entra ID, Keycloak, Google). Unset: local accounts only.",
  },
  CORDON_OIDC_CLIENT_ID: {
    schema: z.string().min(1).optional(),
    example: "cordon-console",
    description: "Client id registered at the OIDC issuer.",
  },
  CORDON_OIDC_CLIENT_SECRET: {
    schema: z.string().min(1).optional(),
    example: "the client secret from the issuer",
    description: "Client secret registered at the OIDC issuer.",
    secret: true,
  },
  CORDON_OIDC_NAME: {
    schema: z.string().min(1).max(60).default("Single sign-on"),
    example: "Okta",
    description: "Label of the sign-in button for the OIDC issuer.",
  },
  CORDON_OIDC_GROUPS_CLAIM: {
    schema: z.string().min(1).default("groups"),
    example: "groups",
    description: "ID token claim that lists the person's groups.",
  },
  CORDON_OIDC_ROLE_MAP: {
    schema: z
      .string()
      .regex(/^\s*[^=,]+=(approver|analyst|admin)\s*(,\s*[^=,]+=(approver|analyst|admin)\s*)*$/, "expected group=role pairs separated by commas, with roles approver, analyst or admin")
      .default("cordon-approvers=approver,cordon-analysts=analyst,cordon-admins=admin"),
    example: "sec-oncall=approver,soc=analyst,iam-admins=admin",
    description: "Which groups grant which Cordon role.",
  },
} satisfies Record<string, VariableSpec>;

export type VariableName = keyof typeof VARIABLES;

export interface Config {
  databaseUrl: string | undefined;
  dataDir: string;
  host: string;
  port: number;
  publicUrl: string;
  logLevel: string;
  dbConnectTimeoutSeconds: number;
  embeddedPgPort: number | undefined;
  policyDir: string | undefined;
  apiAudience: string;
  demo: "auto" | "on" | "off";
  worker: "on" | "off";
  deliveryKey: string | undefined;
  auditSigningKeyFile: string | undefined;
  oidc: { issuer: string; clientId: string; clientSecret: string; name: string; groupsClaim: string; roleMap: string } | undefined;
}

export function toConfig(values: Record<VariableName, unknown>, cwd: string): Config {
  const port = values.PORT as number;
  return {
    databaseUrl: values.DATABASE_URL as string | undefined,
    dataDir: path.resolve(cwd, values.CORDON_DATA_DIR as string),
    host: values.HOST as string,
    port,
    publicUrl: (values.CORDON_PUBLIC_URL as string | undefined) ?? `http://localhost:${port}`,
    logLevel: values.CORDON_LOG_LEVEL as string,
    dbConnectTimeoutSeconds: values.CORDON_DB_CONNECT_TIMEOUT_SECONDS as number,
    embeddedPgPort: values.CORDON_EMBEDDED_PG_PORT as number | undefined,
    policyDir: values.CORDON_POLICY_DIR ? path.resolve(cwd, values.CORDON_POLICY_DIR as string) : undefined,
    apiAudience: values.CORDON_API_AUDIENCE as string,
    demo: values.CORDON_DEMO as Config["demo"],
    worker: values.CORDON_WORKER as Config["worker"],
    deliveryKey: values.CORDON_DELIVERY_KEY as string | undefined,
    auditSigningKeyFile: values.CORDON_AUDIT_SIGNING_KEY_FILE ? path.resolve(cwd, values.CORDON_AUDIT_SIGNING_KEY_FILE as string) : undefined,
    oidc: values.CORDON_OIDC_ISSUER
      ? {
          issuer: values.CORDON_OIDC_ISSUER as string,
          clientId: values.CORDON_OIDC_CLIENT_ID as string,
          clientSecret: values.CORDON_OIDC_CLIENT_SECRET as string,
          name: values.CORDON_OIDC_NAME as string,
          groupsClaim: values.CORDON_OIDC_GROUPS_CLAIM as string,
          roleMap: values.CORDON_OIDC_ROLE_MAP as string,
        }
      : undefined,
  };
}
