import { z } from "zod";

const ZScope = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/, "must be space-separated scope tokens");
const ZAbsoluteUri = z.string().refine((value) => URL.canParse(value), "must be an absolute URI");

export const ZDemoClient = z
  .object({
    clientId: z.string().min(1).max(128),
    /** Omitted for a public client, which authenticates with PKCE only. */
    clientSecret: z.string().min(16).max(512).optional(),
    clientName: z.string().min(1).max(128).optional(),
    grantTypes: z.array(z.enum(["client_credentials", "authorization_code", "refresh_token"])).min(1),
    redirectUris: z.array(ZAbsoluteUri).default([]),
    postLogoutRedirectUris: z.array(ZAbsoluteUri).default([]),
    /** Scopes the client may request, space-separated. */
    scope: ZScope.optional(),
    /** Resource indicator (RFC 8707) used when a client_credentials request names none. */
    defaultResource: ZAbsoluteUri.optional(),
    /** Lets the client introspect and revoke tokens issued to other clients, as Cordon's connector must. */
    manageAllTokens: z.boolean().default(false),
  })
  .strict();
export type DemoClient = z.input<typeof ZDemoClient>;
export type TDemoClient = z.output<typeof ZDemoClient>;

export const ZDemoPerson = z
  .object({
    /** The `sub` claim; defaults to the email address. */
    subject: z.string().min(1).max(256).optional(),
    email: z.email(),
    password: z.string().min(8).max(256),
    name: z.string().min(1).max(128),
    groups: z.array(z.string().min(1).max(128)).default([]),
  })
  .strict();
export type DemoPerson = z.input<typeof ZDemoPerson>;
export type TDemoPerson = z.output<typeof ZDemoPerson>;

export const ZDemoResourceServer = z
  .object({
    /** The resource indicator (RFC 8707) clients send; also the token audience unless `audience` is set. */
    identifier: ZAbsoluteUri,
    /** The `aud` of issued tokens when it is not the identifier, such as an API audience that is not a URI. */
    audience: z.string().min(1).max(2048).optional(),
    scope: ZScope,
    /** `jwt` issues self-contained access tokens signed with the server's JWKS; they cannot be revoked. */
    accessTokenFormat: z.enum(["opaque", "jwt"]),
    accessTokenTtlSeconds: z.number().int().min(1).max(24 * 60 * 60).default(600),
  })
  .strict();
export type DemoResourceServer = z.input<typeof ZDemoResourceServer>;
export type TDemoResourceServer = z.output<typeof ZDemoResourceServer>;

export const ZOAuthServerOptions = z
  .object({
    /** TCP port on 127.0.0.1; 0 picks a free port. */
    port: z.number().int().min(0).max(65_535).default(0),
    issuerHost: z.literal("127.0.0.1").default("127.0.0.1"),
    clients: z.array(ZDemoClient).min(1),
    persons: z.array(ZDemoPerson).default([]),
    resourceServers: z.array(ZDemoResourceServer).default([]),
    /** Bearer token for the `/admin` API. */
    adminToken: z.string().min(16).max(512),
  })
  .strict()
  .superRefine((options, context) => {
    const clientIds = new Set<string>();
    for (const client of options.clients) {
      if (clientIds.has(client.clientId)) {
        context.addIssue({ code: "custom", message: `client ${client.clientId} is listed twice`, path: ["clients"] });
      }
      clientIds.add(client.clientId);
    }

    const resources = new Set(options.resourceServers.map((server) => server.identifier));
    for (const client of options.clients) {
      if (client.defaultResource !== undefined && !resources.has(client.defaultResource)) {
        context.addIssue({
          code: "custom",
          message: `defaultResource of client ${client.clientId} is not a configured resource server`,
          path: ["clients"],
        });
      }
    }

    const subjects = new Set<string>();
    for (const person of options.persons) {
      const subject = person.subject ?? person.email;
      if (subjects.has(subject)) {
        context.addIssue({ code: "custom", message: `person ${subject} is listed twice`, path: ["persons"] });
      }
      subjects.add(subject);
    }
  });
export type TOAuthServerOptions = z.output<typeof ZOAuthServerOptions>;
