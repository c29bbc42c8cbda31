import type { Actor } from "@/lib/actions/context";
import type { ActionKind } from "@/lib/actions/catalogue";

/** Names of the demo's identity domains in Cordon. */
export const DEMO_DOMAINS = {
  oauth: "demo-oauth",
  scim: "demo-scim",
  postgres: "demo-postgres",
} as const;

export const DEMO_DOMAIN_NAMES: readonly string[] = Object.values(DEMO_DOMAINS);

/** Client ids at the demo authorization server. */
export const DEMO_OAUTH_CLIENTS = {
  /** The CI pipeline's client whose tokens leaked in the demo incident. */
  ciDeployer: "ci-deployer",
  /** Cordon's oauth2 connector: introspects and revokes every client's tokens. */
  connector: "cordon-connector",
  /** The demo automation; its client_credentials tokens are JWTs for Cordon's API audience. */
  automation: "demo-soar",
  /** Cordon's console, which signs people in through OpenID Connect when no other issuer is configured. */
  console: "cordon-console",
} as const;

/** Name of the demo automation's workload client in Cordon; equal to its client id at demo-oauth. */
export const DEMO_AUTOMATION_CLIENT = DEMO_OAUTH_CLIENTS.automation;

/** Kinds the demo automation may propose: the three its playbook uses. */
export const DEMO_AUTOMATION_KINDS: ActionKind[] = ["revoke_token", "disable_account", "remove_entitlement"];

/** External id of the demo incident, as the demo automation reports it. */
export const DEMO_INCIDENT_EXTERNAL_ID = "INC-2041";

/** Cordon's audit actor for changes the demo setup makes (people, domains, the client). */
export const DEMO_SETUP_ACTOR: Extract<Actor, { type: "system" }> = { type: "system", id: "demo-setup" };
