export { createPostgresConnector, type PostgresConnector } from "./connector";
export { describePostgresCredentials } from "./describe-credentials";
export { resolveRoleIdentity } from "./resolve-role-identity";
export {
  POSTGRES_SSL_MODES,
  ZPostgresDomainCredentials,
  ZPostgresDomainSettings,
  type PostgresConnectorOptions,
  type TPostgresDomainCredentials,
  type TPostgresDomainSettings,
} from "./settings";
