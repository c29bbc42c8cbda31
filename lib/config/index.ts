import { VARIABLES, toConfig, type Config, type VariableName } from "./schema";

export type { Config } from "./schema";
export { VARIABLES } from "./schema";

/** A configuration value that is missing or invalid; the message is one line for the operator. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}

function describeValue(name: VariableName, raw: string): string {
  const spec = VARIABLES[name];
  if ("secret" in spec && spec.secret) return "the given value";
  return JSON.stringify(raw.length > 80 ? `${raw.slice(0, 80)}…` : raw);
}

/**
 * Parses Cordon's configuration from an environment. Empty strings count as unset, so
 * `VAR= npm start` behaves like leaving VAR out.
 */
export function parseConfig(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): Config {
  const values = {} as Record<VariableName, unknown>;
  for (const name of Object.keys(VARIABLES) as VariableName[]) {
    const spec = VARIABLES[name];
    const raw = env[name];
    const input = raw === undefined || raw === "" ? undefined : raw;
    const result = spec.schema.safeParse(input);
    if (!result.success) {
      const issue = result.error.issues[0];
      const problem = input === undefined ? "is required" : `has ${describeValue(name, input)}, which is invalid (${issue?.message ?? "invalid value"})`;
      throw new ConfigError(name, `${name} ${problem}; a valid value looks like ${spec.example}`);
    }
    values[name] = result.data;
  }
  if (values.CORDON_OIDC_ISSUER) {
    for (const name of ["CORDON_OIDC_CLIENT_ID", "CORDON_OIDC_CLIENT_SECRET"] as const) {
      if (!values[name]) throw new ConfigError(name, `${name} is required when CORDON_OIDC_ISSUER is set; a valid value looks like ${VARIABLES[name].example}`);
    }
  }
  return toConfig(values, cwd);
}

let cached: Config | undefined;

/** Returns the configuration of this process, parsed on first use. */
export function getConfig(): Config {
  cached ??= parseConfig();
  return cached;
}

/** Drops the cached configuration; for tests that change the environment. */
export function resetConfigForTests(): void {
  cached = undefined;
}
