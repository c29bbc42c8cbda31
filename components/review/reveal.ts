// Makes a target name's suspicious characters visible. Names come from automation and from
// identity domains, so they may carry characters that render as nothing (zero-width joiners,
// bidi overrides) or look like Latin letters (Cyrillic "а"); Unicode TR #36 describes both.

/** Characters that render as nothing or reorder text: format (Cf), control (Cc) and filler characters. */
const HIDDEN = /[\p{Cf}\p{Cc}\u034F\u115F\u1160\u17B4\u17B5\u180B-\u180F\u3164\uFE00-\uFE0F\uFFA0\u{E0100}-\u{E01EF}]/u;

export type NameSegment = { kind: "text"; text: string } | { kind: "hidden"; codePoint: string } | { kind: "non_ascii"; text: string; codePoint: string };

function codePointLabel(character: string): string {
  return `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** Splits a name into plain ASCII runs, hidden characters and other non-ASCII characters. */
export function revealName(name: string): NameSegment[] {
  const segments: NameSegment[] = [];
  let run = "";
  for (const character of name) {
    const hidden = HIDDEN.test(character);
    if (!hidden && character.codePointAt(0)! < 0x80) {
      run += character;
      continue;
    }
    if (run) segments.push({ kind: "text", text: run });
    run = "";
    segments.push(hidden ? { kind: "hidden", codePoint: codePointLabel(character) } : { kind: "non_ascii", text: character, codePoint: codePointLabel(character) });
  }
  if (run) segments.push({ kind: "text", text: run });
  return segments;
}
