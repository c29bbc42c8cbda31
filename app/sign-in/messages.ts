/** The one message for every failed password sign-in, so the page reveals nothing about the account (ASVS 2.2.1). */
export const SIGN_IN_FAILED = "Email or password is incorrect, or the account is locked.";

/**
 * Messages for the single sign-on rejections, keyed by the `?error=` code that the OIDC sign-in
 * callback sets. The person has already proved who they are at the issuer, so naming the reason
 * reveals nothing to a stranger.
 */
export const OIDC_SIGN_IN_MESSAGES: Record<string, string> = {
  OidcNoRole: "Your single sign-on account is in no group that has a Cordon role. Ask an administrator to add you to an approver, analyst or admin group.",
  OidcAccountDisabled: "Your Cordon account is disabled. Ask an administrator to enable it.",
  OidcEmailUnverified: "Your identity provider has not verified your email address, so Cordon cannot match it to an account. Verify it there and try again.",
  OidcClaimsMissing: "Your identity provider sent no email address for your account. Ask an administrator to release the email claim to Cordon.",
  OidcLinkedToOtherSubject: "A Cordon account with your email address belongs to another identity at your identity provider. Ask an administrator.",
};

/** Message for every other single sign-on failure; the server log records the cause. */
export const OIDC_SIGN_IN_FAILED = "Single sign-on did not sign you in. Try again, or ask an administrator to check the server log.";
