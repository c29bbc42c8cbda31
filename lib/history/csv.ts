// CSV as RFC 4180 describes it: CRLF line ends, fields quoted, inner quotes doubled. It is
// hardened against formula injection, because a spreadsheet runs a cell that starts with `=`,
// `+`, `-` or `@` as a formula, and a leading tab or CR can hide such a start. Following the
// OWASP "CSV Injection" guidance, those cells get a leading `'`, which marks them as text.

const FORMULA_START = /^[=+\-@\t\r]/;

export type CsvValue = string | number | boolean | null | undefined;

/** Formats one field: a formula start gets `'`, and the field is always quoted, so separators and line breaks stay inside it. */
export function csvCell(value: CsvValue): string {
  const text = value === null || value === undefined ? "" : String(value);
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return `"${safe.replaceAll('"', '""')}"`;
}

/** Formats one record, terminated by CRLF. */
export function csvLine(values: readonly CsvValue[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}
