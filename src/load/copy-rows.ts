import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { quoteIdentifier } from '../db';
import { copyTextLine, Fingerprint, Row } from '../generate';

const CHUNK_CHARS = 256 * 1024;

/** Options of {@link copyRows}. */
export interface CopyRowsOptions {
  client: pg.PoolClient | pg.Client;
  table: string;
  columns: readonly string[];
  rows: Iterable<Row>;
  /** COPY ... FREEZE: only for a table created or truncated in this transaction. */
  freeze?: boolean;
  /** Fingerprinted as generated (JSON for every array), whatever `encode` sends. */
  fingerprint?: Fingerprint;
  /** Turns a row into the values COPY sends (array columns as array literals), if any differ. */
  encode?: (row: Row) => Row;
  /** Called after each chunk with the rows sent so far. */
  onRows?: (rows: number) => void;
}

/**
 * Streams rows into a table with COPY (text format), making the COPY text as PostgreSQL reads
 * it: generation in this process overlaps parsing in the server's. Resolves to the row count.
 *
 * @example
 * await copyRows({ client, table: 'users', columns: table.columns, rows: table.rows() });
 */
export async function copyRows(options: CopyRowsOptions): Promise<number> {
  const { client, fingerprint, onRows, encode } = options;
  let count = 0;
  function* chunks(): Generator<string> {
    let chunk = '';
    for (const row of options.rows) {
      const line = copyTextLine(row);
      fingerprint?.row(line);
      chunk += encode ? copyTextLine(encode(row)) : line;
      count++;
      if (chunk.length >= CHUNK_CHARS) {
        yield chunk;
        chunk = '';
        onRows?.(count);
      }
    }
    if (chunk) yield chunk;
    onRows?.(count);
  }
  const sql = `COPY ${quoteIdentifier(options.table)} (${options.columns.map(quoteIdentifier).join(', ')}) FROM STDIN${options.freeze ? ' WITH (FREEZE)' : ''}`;
  const stream = client.query(copyFrom(sql));
  await pipeline(Readable.from(chunks(), { objectMode: false }), stream);
  return count;
}
