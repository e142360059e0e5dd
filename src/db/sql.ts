import type { Knex } from 'knex';
import type pg from 'pg';

/** A Knex instance or transaction, or a pg client: what catalog queries run on. */
export type Queryable = Knex | Knex.Transaction | pg.ClientBase;

/**
 * Quotes an identifier for SQL (the one place this is done): `users` -> `"users"`,
 * `a"b` -> `"a""b"`.
 */
export function quoteIdentifier(name: string): string {
  return `"${String(name).replace(/"/g, '""')}"`;
}

/**
 * Quotes a string literal for SQL where no bind parameter can go (`SET LOCAL x TO '...'`):
 * `it's` -> `'it''s'`; with a backslash, an escape string (`E'a\\b'`) whatever
 * standard_conforming_strings says.
 */
export function quoteLiteral(value: string): string {
  const quoted = value.replace(/'/g, "''");
  return value.includes('\\') ? `E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}

/** Quotes a setting's name part by part: `app.current_tenant_id` -> `"app"."current_tenant_id"`. */
export function quoteSettingName(name: string): string {
  return name.split('.').map(quoteIdentifier).join('.');
}

function isKnex(q: Queryable): q is Knex | Knex.Transaction {
  return typeof (q as Knex).raw === 'function';
}

/**
 * Runs a query written with `?` placeholders on a Knex or a pg client and returns its rows.
 *
 * @example
 * await queryRows(client, 'SELECT to_regclass(?) AS t', ['users']);
 */
export async function queryRows<T = Record<string, unknown>>(q: Queryable, sql: string, params: readonly unknown[] = []): Promise<T[]> {
  if (isKnex(q)) return (await q.raw(sql, params as Knex.RawBinding[])).rows as T[];
  let n = 0;
  return (await q.query(sql.replace(/\?/g, () => `$${++n}`), params as unknown[])).rows as T[];
}
