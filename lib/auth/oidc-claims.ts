/** Claims Cordon reads; when the ID token lacks one of them, the userinfo response is read too. */
export function claimsMissingFromIdToken(idClaims: Record<string, unknown>, groupsClaim: string): string[] {
  return ["email", groupsClaim].filter((claim) => idClaims[claim] === undefined);
}

/**
 * Merges a userinfo response into the claims of a validated ID token. The ID token's claims win,
 * because its signature was checked. A userinfo response about another subject is rejected
 * (OpenID Connect Core 1.0 §5.3.2), because its claims would describe someone else.
 */
export function mergeUserinfoClaims(idClaims: Record<string, unknown>, userinfo: Record<string, unknown>): Record<string, unknown> {
  if (userinfo.sub !== idClaims.sub) throw new Error("the userinfo response is about another subject than the ID token");
  const merged: Record<string, unknown> = { ...userinfo };
  for (const [claim, value] of Object.entries(idClaims)) if (value !== undefined) merged[claim] = value;
  return merged;
}
