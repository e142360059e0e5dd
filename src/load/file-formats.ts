import { stringify } from 'csv-stringify/sync';
import type { Row } from '../generate';

/** The formats `generate` writes. */
export type FileFormat = 'json' | 'csv' | 'sql';
export const FILE_FORMATS: readonly FileFormat[] = ['json', 'csv', 'sql'];

/** Turns batches of rows of one table into the text of a file, piece by piece. */
export interface FileEncoder {
  readonly extension: string;
  header(): string;
  /** The text for a batch of rows; `first` tells whether it is the file's first batch. */
  rows(rows: readonly Row[], first: boolean): string;
  footer(wroteAny: boolean): string;
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A SQL literal: strings quoted (standard_conforming_strings), JSON as a quoted string. */
export function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return String(value);
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `'${text.replace(/'/g, "''")}'`;
}

const CSV_OPTIONS = {
  cast: {
    // COPY ... CSV reads an unquoted empty field as NULL, so a real empty string is quoted.
    string: (v: string) => (v === '' ? { value: '', quoted_empty: true } : v),
    boolean: (v: boolean) => (v ? 't' : 'f'),
    object: (v: object) => JSON.stringify(v),
  },
};

/**
 * The encoder of a format for one table.
 * - csv: a header row, then RFC 4180 rows; loadable with `COPY t FROM ... (FORMAT csv, HEADER true)`.
 * - sql: INSERT statements of 500 rows; loadable with `psql -1 -f` in file-name order.
 * - json: a JSON array of row objects, one per line.
 */
export function fileEncoder(format: FileFormat, table: string, columns: readonly string[]): FileEncoder {
  switch (format) {
    case 'csv':
      return {
        extension: 'csv',
        header: () => stringify([columns as string[]]),
        rows: (rows) => stringify(rows as unknown[][], CSV_OPTIONS),
        footer: () => '',
      };
    case 'sql': {
      const insert = `INSERT INTO ${quoteIdentifier(table)} (${columns.map(quoteIdentifier).join(', ')}) VALUES\n`;
      return {
        extension: 'sql',
        header: () => `-- tenantseed: rows of ${table}\n`,
        rows: (rows) => {
          let text = '';
          for (let start = 0; start < rows.length; start += 500) {
            const batch = rows.slice(start, start + 500);
            text += insert + batch.map((row) => `  (${row.map(sqlLiteral).join(', ')})`).join(',\n') + ';\n';
          }
          return text;
        },
        footer: () => '',
      };
    }
    case 'json':
      return {
        extension: 'json',
        header: () => '[',
        rows: (rows, first) =>
          rows.map((row, i) => `${first && i === 0 ? '\n' : ',\n'}${JSON.stringify(Object.fromEntries(columns.map((c, k) => [c, row[k]])))}`).join(''),
        footer: (wroteAny) => (wroteAny ? '\n]\n' : ']\n'),
      };
  }
}
