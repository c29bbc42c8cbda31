import { unknownApiPath } from "@/lib/http/fallback-handlers";

export const dynamic = "force-dynamic";

// Next.js prefers static and dynamic segments over a catch-all, so this file serves only paths
// under /api that no other route file matches, next-auth's /api/auth/* included.
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = unknownApiPath;
