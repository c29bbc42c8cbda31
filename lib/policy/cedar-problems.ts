import type { DetailedError } from "@cedar-policy/cedar-wasm/nodejs";

import type { PolicyLoadProblem } from "./types";

/**
 * Converts a UTF-8 byte offset into a 1-based line and column (in UTF-16 code units).
 * cedar-wasm 4.13 reports source locations as byte offsets into the text it parsed.
 */
export function locateByteOffset(text: string, byteOffset: number): { line: number; column: number } {
  const prefix = Buffer.from(text, "utf8").subarray(0, Math.max(0, byteOffset)).toString("utf8");
  const lastNewline = prefix.lastIndexOf("\n");
  let line = 1;
  for (let index = prefix.indexOf("\n"); index !== -1; index = prefix.indexOf("\n", index + 1)) line += 1;
  return { line, column: prefix.length - lastNewline };
}

/** Converts a character offset into a 1-based line and column. */
export function locateCharOffset(text: string, offset: number): { line: number; column: number } {
  return locateByteOffset(text, Buffer.byteLength(text.slice(0, offset), "utf8"));
}

/** Collapses a multi-line message into one line. */
export function toOneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, " ").trim();
}

/**
 * Turns one Cedar error about `text` (the content of `file`) into a load problem. Cedar
 * prefixes validation messages with its internal policy id (`for policy \`policy3\`, `),
 * which means nothing to the reader, so the prefix is dropped: the line points at the policy.
 */
export function problemFromCedarError(file: string, text: string, error: DetailedError): PolicyLoadProblem {
  const message = error.message.replace(/^for policy `[^`]*`, /, "");
  const help = error.help ? ` (help: ${error.help})` : "";
  const location = error.sourceLocations?.[0];
  const position = location === undefined ? undefined : locateByteOffset(text, location.start);
  return {
    file,
    line: position?.line,
    column: position?.column,
    message: toOneLine(`${message}${help}`),
  };
}
