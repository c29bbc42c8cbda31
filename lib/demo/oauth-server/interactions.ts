import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Provider } from "oidc-provider";
import type { Logger } from "@/lib/log/logger";
import { BodyTooLargeError, escapeHtml, htmlPage, readBody, sendHtml } from "./http-io";
import type { TDemoPerson } from "./options";

const MAX_FORM_BYTES = 8 * 1024;
const INTERACTION_PATH = /^\/interaction\/([A-Za-z0-9_-]{1,64})(\/login)?$/;

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/** Compares two secrets in time independent of where they differ; digests make the lengths equal. */
function secretsEqual(expected: string, presented: string): boolean {
  return timingSafeEqual(digest(expected), digest(presented));
}

function loginForm(uid: string, email: string, error: string | undefined): string {
  const message = error === undefined ? "" : `<p class="error" role="alert">${escapeHtml(error)}</p>\n`;
  return htmlPage(
    "Sign in",
    `<h1>Sign in</h1>
${message}<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(email)}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`,
  );
}

const expiredPage = htmlPage(
  "Sign-in request expired",
  "<h1>Sign-in request expired</h1>\n<p>The sign-in request is unknown or has expired. Start again from the application.</p>",
);

export interface InteractionHandlerDeps {
  provider: Provider;
  persons: readonly TDemoPerson[];
  logger: Logger;
}

/**
 * Serves the login step of the authorization code flow: `GET /interaction/:uid` shows an
 * email and password form, `POST /interaction/:uid/login` checks it against the demo persons.
 * Returns false when the path is not an interaction path.
 */
export function createInteractionHandler(deps: InteractionHandlerDeps) {
  const personsByEmail = new Map(deps.persons.map((person) => [person.email.toLowerCase(), person]));
  // Compared against when the email is unknown, so the response time does not reveal which emails exist.
  const decoyPassword = "decoy-password-for-unknown-emails";

  async function showLogin(req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> {
    const details = await deps.provider.interactionDetails(req, res);
    if (details.uid !== uid) {
      sendHtml(res, 400, expiredPage);
      return;
    }
    if (details.prompt.name === "login") {
      const hint = typeof details.params.login_hint === "string" ? details.params.login_hint : "";
      sendHtml(res, 200, loginForm(uid, hint, undefined));
      return;
    }

    // Consent is granted by loadExistingGrant; any other prompt means the request cannot proceed here.
    deps.logger.warn({ prompt: details.prompt.name, reasons: details.prompt.reasons }, "unsupported interaction prompt");
    sendHtml(res, 400, htmlPage("Sign-in failed", "<h1>Sign-in failed</h1>\n<p>This sign-in step is not supported.</p>"));
  }

  async function submitLogin(req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> {
    const details = await deps.provider.interactionDetails(req, res);
    if (details.uid !== uid || details.prompt.name !== "login") {
      sendHtml(res, 400, expiredPage);
      return;
    }

    const form = new URLSearchParams((await readBody(req, MAX_FORM_BYTES)).toString("utf8"));
    const email = (form.get("email") ?? "").trim();
    const password = form.get("password") ?? "";
    const person = personsByEmail.get(email.toLowerCase());
    const passwordMatches = secretsEqual(person?.password ?? decoyPassword, password);

    if (!person || !passwordMatches) {
      deps.logger.info({ uid }, "sign-in rejected: invalid email or password");
      sendHtml(res, 401, loginForm(uid, email, "Invalid email or password."));
      return;
    }

    const accountId = person.subject ?? person.email;
    deps.logger.info({ uid, accountId }, "person signed in");
    await deps.provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
  }

  return async function handleInteraction(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
    const match = INTERACTION_PATH.exec(pathname);
    if (!match?.[1]) return false;
    const uid = match[1];
    const isLogin = match[2] !== undefined;

    try {
      if (!isLogin && req.method === "GET") await showLogin(req, res, uid);
      else if (isLogin && req.method === "POST") await submitLogin(req, res, uid);
      else sendHtml(res, 405, htmlPage("Method not allowed", "<h1>Method not allowed</h1>"));
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        sendHtml(res, 413, htmlPage("Request too large", "<h1>Request too large</h1>"));
      } else if (error instanceof Error && error.name === "SessionNotFound") {
        sendHtml(res, 400, expiredPage);
      } else {
        deps.logger.error({ err: error, uid }, "interaction failed");
        if (!res.headersSent) sendHtml(res, 500, htmlPage("Sign-in failed", "<h1>Sign-in failed</h1>"));
      }
    }
    return true;
  };
}
