/**
 * Rows as CSV (RFC 4180), for the reports a ministry opens in a spreadsheet: every cell quoted
 * when it holds a comma, quote or line break, and a cell a spreadsheet would run as a formula
 * (= + - @ at its start) prefixed with an apostrophe, so a service or office name never runs.
 */
export function toCsv<T extends object>(columns: readonly (keyof T & string)[], rows: readonly T[]): string {
  const cell = (value: unknown): string => {
    const text = value === null || value === undefined ? '' : String(value);
    const safe = typeof value === 'string' && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  return [columns.join(','), ...rows.map((row) => columns.map((column) => cell(row[column])).join(','))].join('\r\n') + '\r\n';
}
