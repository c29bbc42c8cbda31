// CSV as RFC 4180 describes it (CRLF line ends, fields quoted with doubled inner quotes),
// hardened against formula injection: a spreadsheet runs a cell that starts with `=`, `+`,
// `-` or `@` as a formula, and tab or CR can hide such a start. Following the OWASP "CSV
// Injection" guidance, those cells get a leading `'`, which spreadsheets read as "text".

const FORMULA_START = /^[=+\-@\t\r]/;

export type CsvValue = string | number | boolean | null | undefined;

/** One field: formula starts neutralised, then always quoted, so separators and line breaks stay inside it. */
export function csvCell(value: CsvValue): string {
  const text = value === null || value === undefined ? "" : String(value);
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return `"${safe.replaceAll('"', '""')}"`;
}

/** One record, terminated by CRLF. */
export function csvLine(values: readonly CsvValue[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}
