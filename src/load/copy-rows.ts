import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { quoteIdentifier } from '../db';
import type { CopyChunk } from './copy-chunks';

/** Options of {@link copyRows}. */
export interface CopyRowsOptions {
  client: pg.PoolClient | pg.Client;
  table: string;
  columns: readonly string[];
  /** The rows as COPY text (see `copyTextChunks`), made as they are sent (or ahead, by an async iterable). */
  chunks: Iterable<CopyChunk> | AsyncIterable<CopyChunk>;
  /** COPY ... FREEZE: only for a table created or truncated in this transaction. */
  freeze?: boolean;
  /** Called after each chunk with the rows sent so far. */
  onRows?: (rows: number) => void;
}

/**
 * Streams COPY text into a table (COPY ... FROM STDIN, text format): chunks made in this
 * process while the server parses the ones before. Resolves to the row count.
 *
 * @example
 * await copyRows({ client, table: 'users', columns: table.columns, chunks: copyTextChunks(table.rows()) });
 */
export async function copyRows(options: CopyRowsOptions): Promise<number> {
  const { client, onRows } = options;
  let count = 0;
  async function* bytes(): AsyncGenerator<Buffer> {
    for await (const chunk of options.chunks) {
      yield chunk.bytes;
      count += chunk.rows;
      onRows?.(count);
    }
  }
  const sql = `COPY ${quoteIdentifier(options.table)} (${options.columns.map(quoteIdentifier).join(', ')}) FROM STDIN${options.freeze ? ' WITH (FREEZE)' : ''}`;
  const stream = client.query(copyFrom(sql));
  await pipeline(Readable.from(bytes(), { objectMode: false }), stream);
  return count;
}
