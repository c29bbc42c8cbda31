/** The one message for every failed password sign-in, so the page reveals nothing about the account (ASVS 2.2.1). */
export const SIGN_IN_FAILED = "Email or password is incorrect, or the account is locked.";
