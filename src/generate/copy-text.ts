/**
 * PostgreSQL's COPY text format: the canonical form of a row, used to load it and to
 * fingerprint it. NULL is \N; backslash, tab, newline and carriage return are escaped; JSON
 * values are written as JSON.
 * https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.2
 */
export function copyTextValue(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'boolean') return value ? 't' : 'f';
  else if (typeof value === 'number') return String(value);
  else text = JSON.stringify(value);
  if (!/[\\\t\n\r]/.test(text)) return text;
  return text.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** One row as a COPY text line, newline included. */
export function copyTextLine(row: readonly unknown[]): string {
  let line = '';
  for (let i = 0; i < row.length; i++) {
    if (i > 0) line += '\t';
    line += copyTextValue(row[i]);
  }
  return line + '\n';
}
