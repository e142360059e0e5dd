import type { Knex } from 'knex';
import type pg from 'pg';

/** A Knex instance or transaction, or a pg client: what catalog queries run on. */
export type Queryable = Knex | Knex.Transaction | pg.ClientBase;

/**
 * Quotes an identifier for SQL (the one place this is done): `users` -> `"users"`,
 * `tenantId` -> `"tenantId"`, `a"b` -> `"a""b"`. Any identifier PostgreSQL can hold (reserved
 * words, spaces, non-ASCII) comes out as the catalog spells it. A name with a `?` is written as a
 * Unicode-escaped identifier (`U&"a\003Fb"`): Knex reads every `?` of a raw query as a bind
 * placeholder, even inside quotes, and so does {@link queryRows}.
 * https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS
 *
 * @example
 * quoteIdentifier('tenantId') // '"tenantId"'
 * quoteIdentifier('why?') // 'U&"why\003F"'
 */
export function quoteIdentifier(name: string): string {
  const text = String(name);
  if (!text.includes('?')) return quotedNameText(text);
  return `U&"${text.replace(/\\/g, '\\\\').replace(/"/g, '""').replace(/\?/g, '\\003F')}"`;
}

/**
 * A name double-quoted as text that PostgreSQL parses as a name (`'"User"'::regclass`,
 * `pg_get_serial_sequence('"User"', 'id')`): those parsers know no `U&"..."`. For SQL text, use
 * {@link quoteIdentifier}.
 */
export function quotedNameText(name: string): string {
  return `"${String(name).replace(/"/g, '""')}"`;
}

/** Quotes a schema-qualified name: `"schema"."table"`. */
export function quoteQualifiedName(schema: string, name: string): string {
  return `${quoteIdentifier(schema)}.${quoteIdentifier(name)}`;
}

/**
 * Re-quotes, with {@link quoteIdentifier}, the quoted identifiers in a name PostgreSQL formatted
 * (`format('%I.%I', ...)`, `regclass::text`), so that it can go into a Knex raw query whatever
 * the name holds: `public."why?"` -> `public.U&"why\003F"`. Unquoted parts cannot hold a `?`.
 */
export function requoteName(formatted: string): string {
  return formatted.replace(/"((?:[^"]|"")*)"/g, (_m, inner: string) => quoteIdentifier(inner.replace(/""/g, '"')));
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
