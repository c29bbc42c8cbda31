import path from "node:path";

/**
 * Folder Cordon is installed in (policies/, prisma/migrations/). `npm start` and the CLI set
 * CORDON_ROOT from their own location; code bundled by Next.js cannot use `__dirname`,
 * which Turbopack rewrites.
 */
export function projectRoot(): string {
  return process.env.CORDON_ROOT ?? process.cwd();
}

export function projectPath(...segments: string[]): string {
  return path.join(projectRoot(), ...segments);
}
