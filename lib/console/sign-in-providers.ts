import { getConfig } from "@/lib/config";

/** Label of the single sign-on button, or null when no OIDC issuer is configured. */
export function oidcProviderName(): string | null {
  return getConfig().oidc?.name ?? null;
}
