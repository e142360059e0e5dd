import { stringify } from 'csv-stringify/sync';
import { quotedNameText, quoteIdentifier } from '../db';
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

/** Characters a file name cannot hold on some system (and `%`, the escape itself). */
const UNSAFE_IN_FILE_NAME = /[\u0000-\u001f\u007f/\\:*?"<>|%]/g;

/**
 * A table's name as part of a file name: as the catalog spells it (`"User"` -> `User`,
 * `größe` -> `größe`), with the characters a file name cannot hold written as `%XX` (the
 * bytes of their UTF-8), so that no name can reach outside the folder (`../x` -> `..%2Fx`).
 *
 * @example
 * fileNamePart('a/b') // 'a%2Fb'
 */
export function fileNamePart(table: string): string {
  return table.replace(UNSAFE_IN_FILE_NAME, (c) => [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}

/** What an encoder needs to know beyond the columns. */
export interface FileEncoderOptions {
  /** The integer id column: the SQL file moves its serial or identity sequence past the ids it inserts. */
  readonly integerId?: string;
  /**
   * Some column holds arrays: rows go in as JSON through `json_populate_recordset(NULL::table,
   * ...)`, which turns a JSON array into the column's type, a PostgreSQL array (`text[]`,
   * `"AgentRole"[]`) or JSON (`jsonb`), as the table says. A literal cannot be both.
   */
  readonly arrays?: boolean;
}

/**
 * `setval` of the sequence behind a serial or identity column to its largest value, as the
 * loader does after COPY. On a column without a sequence, pg_get_serial_sequence gives NULL and
 * setval (strict) does nothing.
 */
function advanceSequenceStatement(table: string, column: string): string {
  return `SELECT setval(pg_get_serial_sequence(${sqlLiteral(quotedNameText(table))}, ${sqlLiteral(column)}), max(${quoteIdentifier(column)})) `
    + `FROM ${quoteIdentifier(table)} HAVING max(${quoteIdentifier(column)}) IS NOT NULL;\n`;
}

/**
 * The encoder of a format for one table.
 * - csv: a header row, then RFC 4180 rows; loadable with `COPY t FROM ... (FORMAT csv, HEADER true)`.
 * - sql: INSERT statements of 500 rows (names quoted); loadable with `psql -1 -f` in file-name order.
 *   After the rows, the sequence of an integer id column is moved past them.
 * - json: a JSON array of row objects, one per line.
 */
export function fileEncoder(format: FileFormat, table: string, columns: readonly string[], options: FileEncoderOptions = {}): FileEncoder {
  switch (format) {
    case 'csv':
      return {
        extension: 'csv',
        header: () => stringify([columns as string[]]),
        rows: (rows) => stringify(rows as unknown[][], CSV_OPTIONS),
        footer: () => '',
      };
    case 'sql': {
      // OVERRIDING SYSTEM VALUE: ids are generated, also for GENERATED ALWAYS identity columns
      // (COPY writes them too); on a table without identity columns it changes nothing.
      const list = columns.map(quoteIdentifier).join(', ');
      const insert = `INSERT INTO ${quoteIdentifier(table)} (${list}) OVERRIDING SYSTEM VALUE VALUES\n`;
      const asRecords = (batch: readonly Row[]) => `INSERT INTO ${quoteIdentifier(table)} (${list}) OVERRIDING SYSTEM VALUE\n`
        + `SELECT ${list} FROM json_populate_recordset(NULL::${quoteIdentifier(table)}, ${sqlLiteral(JSON.stringify(batch.map((row) => Object.fromEntries(columns.map((c, k) => [c, row[k]])))))});\n`;
      return {
        extension: 'sql',
        // The name as a JSON string: a newline in a name cannot end the comment.
        header: () => `-- tenantseed: rows of ${JSON.stringify(table)}\n`,
        rows: (rows) => {
          let text = '';
          for (let start = 0; start < rows.length; start += 500) {
            const batch = rows.slice(start, start + 500);
            if (options.arrays) {
              text += asRecords(batch);
              continue;
            }
            text += insert + batch.map((row) => `  (${row.map(sqlLiteral).join(', ')})`).join(',\n') + ';\n';
          }
          return text;
        },
        footer: (wroteAny) => (wroteAny && options.integerId ? advanceSequenceStatement(table, options.integerId) : ''),
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
