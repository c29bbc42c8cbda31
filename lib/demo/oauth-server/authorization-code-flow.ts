import { createHash, randomBytes } from "node:crypto";

/** Maximum redirects followed after the login form before the flow gives up. */
const MAX_REDIRECTS = 10;

export interface AuthorizationCodeFlowInput {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  email: string;
  password: string;
  scope: string;
}

export interface AuthorizationCodeTokens {
  accessToken: string;
  refreshToken: string | undefined;
  idToken: string | undefined;
}

/** Cookies of one browser session; paths are ignored because the demo server's cookie names differ. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(";")[0] ?? "";
      const separator = pair.indexOf("=");
      if (separator > 0) this.cookies.set(pair.slice(0, separator), pair.slice(separator + 1));
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }
}

/** Sends a request with the jar's cookies without following redirects, and stores the cookies set. */
export async function sendWithCookies(jar: CookieJar, url: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(url, { ...init, redirect: "manual", headers: { ...init.headers, cookie: jar.header() } });
  jar.store(response);
  return response;
}

function locationOf(response: Response, base: string): string {
  const location = response.headers.get("location");
  if (location === null) throw new Error(`expected a redirect, got HTTP ${response.status} from ${response.url}`);
  return new URL(location, base).href;
}

/**
 * Signs a demo person in at the demo authorization server the way a browser would (authorization
 * request with PKCE, login form, redirects) and exchanges the code for tokens. Seeds person tokens
 * for tests and the demo; it works only against the demo server's login form.
 */
export async function signInWithAuthorizationCode(input: AuthorizationCodeFlowInput): Promise<AuthorizationCodeTokens> {
  const jar = new CookieJar();
  const verifier = randomBytes(32).toString("base64url");
  const state = randomBytes(16).toString("base64url");
  const query = new URLSearchParams({
    client_id: input.clientId,
    response_type: "code",
    redirect_uri: input.redirectUri,
    scope: input.scope,
    state,
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
  });

  const interactionUrl = locationOf(await sendWithCookies(jar, `${input.issuer}/auth?${query}`), input.issuer);
  await sendWithCookies(jar, interactionUrl);
  const login = await sendWithCookies(jar, `${interactionUrl}/login`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ email: input.email, password: input.password }),
  });
  if (login.status !== 303) throw new Error(`sign-in failed with HTTP ${login.status}`);

  let location = locationOf(login, input.issuer);
  for (let redirects = 0; !location.startsWith(input.redirectUri); redirects += 1) {
    if (redirects >= MAX_REDIRECTS) throw new Error(`no redirect to ${input.redirectUri} after ${MAX_REDIRECTS} redirects`);
    location = locationOf(await sendWithCookies(jar, location), input.issuer);
  }

  const callback = new URL(location);
  if (callback.searchParams.get("state") !== state) throw new Error("authorization response state does not match the request");
  const code = callback.searchParams.get("code");
  if (code === null) throw new Error(`authorization failed: ${callback.searchParams.get("error") ?? "no code in the response"}`);

  const response = await fetch(`${input.issuer}/token`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${input.clientId}:${input.clientSecret}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: input.redirectUri, code_verifier: verifier }),
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (response.status !== 200 || typeof body.access_token !== "string") {
    throw new Error(`token request failed with HTTP ${response.status} (${String(body.error)})`);
  }
  return {
    accessToken: body.access_token,
    refreshToken: typeof body.refresh_token === "string" ? body.refresh_token : undefined,
    idToken: typeof body.id_token === "string" ? body.id_token : undefined,
  };
}
