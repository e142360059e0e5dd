import type pg from 'pg';
import { quoteIdentifier, readRebuildableConstraints } from '../db';

/** The keys, indexes and foreign keys of some tables, saved from the catalog to be rebuilt. */
export interface SavedConstraints {
  /** `ALTER TABLE ... ADD CONSTRAINT ...` for primary keys and unique constraints, then foreign keys. */
  readonly keys: readonly string[];
  readonly foreignKeys: readonly string[];
  /** `CREATE INDEX ...` for indexes that back no constraint. */
  readonly indexes: readonly string[];
}

/**
 * Drops the primary keys, unique constraints, plain indexes and foreign keys of `tables` (and
 * foreign keys of other tables that reference them), returning their definitions. Loading
 * into bare tables and building these afterwards is far faster than maintaining them row by
 * row, and rebuilding them checks every row: a row that breaks one fails the rebuild, and the
 * transaction with it. Must run inside the transaction that loads and rebuilds. Tables are
 * resolved through the connection's search_path.
 */
export async function dropConstraints(client: pg.PoolClient | pg.Client, tables: readonly string[]): Promise<SavedConstraints> {
  const { foreignKeys, keys, indexes } = await readRebuildableConstraints(client, tables);
  const ident = quoteIdentifier;
  for (const fk of foreignKeys) await client.query(`ALTER TABLE ${fk.table} DROP CONSTRAINT ${ident(fk.name)}`);
  for (const index of indexes) await client.query(`DROP INDEX ${index.name}`);
  for (const key of keys) await client.query(`ALTER TABLE ${key.table} DROP CONSTRAINT ${ident(key.name)}`);
  return {
    keys: keys.map((k) => `ALTER TABLE ${k.table} ADD CONSTRAINT ${ident(k.name)} ${k.definition}`),
    foreignKeys: foreignKeys.map((fk) => `ALTER TABLE ${fk.table} ADD CONSTRAINT ${ident(fk.name)} ${fk.definition}`),
    indexes: indexes.map((i) => i.definition),
  };
}

/**
 * Rebuilds what {@link dropConstraints} dropped: keys first, then indexes, then foreign keys.
 * `onStep` is told before the first and after each one (done, all).
 */
export async function restoreConstraints(
  client: pg.PoolClient | pg.Client,
  saved: SavedConstraints,
  onStep?: (done: number, all: number) => void,
): Promise<void> {
  const statements = [...saved.keys, ...saved.indexes, ...saved.foreignKeys];
  onStep?.(0, statements.length);
  for (const [i, sql] of statements.entries()) {
    await client.query(sql);
    onStep?.(i + 1, statements.length);
  }
}
