import type pg from 'pg';
import { quoteIdentifier } from '../db';

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
  const oids = (await client.query(
    `SELECT to_regclass(quote_ident(t))::oid AS oid FROM unnest($1::text[]) t WHERE to_regclass(quote_ident(t)) IS NOT NULL`,
    [tables],
  )).rows.map((r) => r.oid as number);
  const foreign = await client.query(
    `SELECT con.conname, con.conrelid::regclass::text AS rel, pg_get_constraintdef(con.oid) AS def
       FROM pg_constraint con
      WHERE con.contype = 'f' AND (con.conrelid = ANY($1) OR con.confrelid = ANY($1))
      ORDER BY con.conrelid, con.conname`,
    [oids],
  );
  const keys = await client.query(
    `SELECT con.conname, con.conrelid::regclass::text AS rel, pg_get_constraintdef(con.oid) AS def, con.contype
       FROM pg_constraint con
      WHERE con.contype IN ('p', 'u') AND con.conrelid = ANY($1)
      ORDER BY con.conrelid, con.contype, con.conname`,
    [oids],
  );
  const indexes = await client.query(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i
      WHERE i.indrelid = ANY($1) AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid)
      ORDER BY i.indexrelid`,
    [oids],
  );
  const ident = quoteIdentifier;
  for (const fk of foreign.rows) await client.query(`ALTER TABLE ${fk.rel} DROP CONSTRAINT ${ident(fk.conname)}`);
  for (const index of indexes.rows) await client.query(`DROP INDEX ${index.name}`);
  for (const key of keys.rows) await client.query(`ALTER TABLE ${key.rel} DROP CONSTRAINT ${ident(key.conname)}`);
  return {
    keys: keys.rows.map((k) => `ALTER TABLE ${k.rel} ADD CONSTRAINT ${ident(k.conname)} ${k.def}`),
    foreignKeys: foreign.rows.map((fk) => `ALTER TABLE ${fk.rel} ADD CONSTRAINT ${ident(fk.conname)} ${fk.def}`),
    indexes: indexes.rows.map((i) => i.def as string),
  };
}

/** Rebuilds what {@link dropConstraints} dropped: keys first, then indexes, then foreign keys. */
export async function restoreConstraints(client: pg.PoolClient | pg.Client, saved: SavedConstraints): Promise<void> {
  for (const sql of [...saved.keys, ...saved.indexes, ...saved.foreignKeys]) await client.query(sql);
}
