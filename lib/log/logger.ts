import pino, { type Logger } from "pino";

export type { Logger } from "pino";

/**
 * Paths redacted from every log line. Cordon logs ids, not bodies, so these are a second
 * line of defence against a secret slipping into a log call (ASVS 7.1.1).
 */
export const REDACTED_PATHS = [
  "password",
  "*.password",
  "secret",
  "*.secret",
  "token",
  "*.token",
  "apiKey",
  "*.apiKey",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "req.headers.authorization",
  "req.headers.cookie",
  "connectionString",
  "*.connectionString",
  "databaseUrl",
  "*.databaseUrl",
  "clientSecret",
  "*.clientSecret",
];

function createRootLogger(): Logger {
  return pino({
    name: "cordon",
    level: process.env.CORDON_LOG_LEVEL || (process.env.NODE_ENV === "test" ? "silent" : "info"),
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

const globalForLogger = globalThis as unknown as { cordonLogger?: Logger };

/** The process-wide logger; components take `logger.child({ component })`. */
export const logger: Logger = globalForLogger.cordonLogger ?? createRootLogger();
globalForLogger.cordonLogger = logger;
