/**
 * Display names of targets come from automation and from identity domains, so they may be
 * crafted to look like another identity (homoglyphs from another script, invisible joiners,
 * right-to-left overrides that reorder text). Names are NFKC-normalised and flagged so the
 * console can warn approvers (Unicode TR #36 and TR #39).
 */
export type TargetNameFlag = "mixed_scripts" | "invisible_characters" | "bidi_controls" | "control_characters" | "changed_by_normalisation";

const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
const INVISIBLE = /[\u00AD\u034F\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200D\u2060-\u2064\u206A-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\u{1D173}-\u{1D17A}\u{E0000}-\u{E007F}\u{E0100}-\u{E01EF}]/u;
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/u;

// Scripts are detected by the Unicode Script property; Common and Inherited (digits,
// punctuation, combining marks) mix with any script and are not counted.
const SCRIPT_PATTERNS: [string, RegExp][] = [
  ["Latin", /\p{Script=Latin}/u],
  ["Cyrillic", /\p{Script=Cyrillic}/u],
  ["Greek", /\p{Script=Greek}/u],
  ["Armenian", /\p{Script=Armenian}/u],
  ["Hebrew", /\p{Script=Hebrew}/u],
  ["Arabic", /\p{Script=Arabic}/u],
  ["Cherokee", /\p{Script=Cherokee}/u],
  ["Han", /\p{Script=Han}/u],
  ["Hiragana", /\p{Script=Hiragana}/u],
  ["Katakana", /\p{Script=Katakana}/u],
  ["Hangul", /\p{Script=Hangul}/u],
  ["Devanagari", /\p{Script=Devanagari}/u],
  ["Thai", /\p{Script=Thai}/u],
  ["Georgian", /\p{Script=Georgian}/u],
];

// Scripts that are commonly written together and do not indicate spoofing (TR #39 §5.1).
const COMPATIBLE_SETS = [new Set(["Han", "Hiragana", "Katakana", "Latin"]), new Set(["Han", "Hangul", "Latin"])];

export function scriptsOf(text: string): Set<string> {
  const scripts = new Set<string>();
  for (const character of text) {
    for (const [script, pattern] of SCRIPT_PATTERNS) {
      if (pattern.test(character)) {
        scripts.add(script);
        break;
      }
    }
    if (/\p{L}/u.test(character) && ![...SCRIPT_PATTERNS].some(([, pattern]) => pattern.test(character))) scripts.add("Other");
  }
  return scripts;
}

function isMixed(scripts: Set<string>): boolean {
  if (scripts.size <= 1) return false;
  return !COMPATIBLE_SETS.some((allowed) => [...scripts].every((script) => allowed.has(script)));
}

export interface NormalisedName {
  name: string;
  flags: TargetNameFlag[];
}

/** NFKC-normalises a target's display name and lists what an approver should be warned about. */
export function normaliseTargetName(raw: string): NormalisedName {
  const name = raw.normalize("NFKC");
  const flags: TargetNameFlag[] = [];
  if (name !== raw) flags.push("changed_by_normalisation");
  if (isMixed(scriptsOf(name))) flags.push("mixed_scripts");
  if (INVISIBLE.test(name)) flags.push("invisible_characters");
  if (BIDI_CONTROLS.test(name)) flags.push("bidi_controls");
  if (CONTROL.test(name)) flags.push("control_characters");
  return { name, flags };
}
