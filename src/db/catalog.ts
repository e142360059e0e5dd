/**
 * The one module that reads PostgreSQL's catalog for tenantseed: tables, columns and their
 * types, sequences, and the objects of the schemas a project owns. Validate, load, reset and
 * introspect read it here. Tables are named as the definitions name them and resolved through
 * the connection's search_path (the project's `schemas`).
 */
import { queryRows, Queryable } from './sql';

/** One column of a table, as the catalog describes it. */
export interface CatalogColumn {
  readonly name: string;
  /** `format_type`: `text`, `character varying(20)`, `numeric(12,2)`, `text[]`, `user_role`. */
  readonly type: string;
  /** A PostgreSQL array (`text[]`), written as an array literal rather than JSON. */
  readonly isArray: boolean;
  readonly notNull: boolean;
  readonly hasDefault: boolean;
  /** The sequence behind a serial or identity column, schema-qualified. */
  readonly sequence?: string;
}

/** A table, resolved through the search_path. */
export interface CatalogTable {
  readonly schema: string;
  readonly name: string;
  /** `"schema"."name"`. */
  readonly qualified: string;
  readonly columns: readonly CatalogColumn[];
}

/**
 * A table's columns in their order, or undefined when no table of that name is on the
 * search_path.
 *
 * @example
 * (await readTable(knex, 'users'))?.columns.map((c) => c.type) // ['uuid', 'text', 'text[]', ...]
 */
export async function readTable(q: Queryable, table: string): Promise<CatalogTable | undefined> {
  const rows = await queryRows<{ schema: string; qualified: string; name: string; type: string; is_array: boolean; not_null: boolean; has_default: boolean; sequence: string | null }>(
    q,
    `SELECT n.nspname AS schema, format('%I.%I', n.nspname, c.relname) AS qualified, a.attname AS name,
            format_type(a.atttypid, a.atttypmod) AS type, t.typcategory = 'A' AS is_array, a.attnotnull AS not_null,
            a.atthasdef OR a.attidentity <> '' AS has_default,
            pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname) AS sequence
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       JOIN pg_type t ON t.oid = a.atttypid
      WHERE c.oid = to_regclass(quote_ident(?))
      ORDER BY a.attnum`,
    [table],
  );
  if (rows.length === 0) return undefined;
  return {
    schema: rows[0].schema,
    name: table,
    qualified: rows[0].qualified,
    columns: rows.map((r) => ({ name: r.name, type: r.type, isArray: r.is_array, notNull: r.not_null, hasDefault: r.has_default, sequence: r.sequence ?? undefined })),
  };
}

/** Whether a table of that name is on the search_path. */
export async function tableExists(q: Queryable, table: string): Promise<boolean> {
  return (await queryRows<{ t: string | null }>(q, 'SELECT to_regclass(quote_ident(?))::text AS t', [table]))[0].t !== null;
}

/** An object of an owned schema, in the order it can be dropped. */
export interface SchemaObject {
  /** `TABLE`, `VIEW`, `MATERIALIZED VIEW`, `SEQUENCE`, `FOREIGN TABLE`, `FUNCTION`, `PROCEDURE`, `AGGREGATE`, `TYPE`, `DOMAIN`. */
  readonly kind: string;
  /** Schema-qualified and quoted; functions with their argument types. */
  readonly name: string;
}

/**
 * Everything in `schemas` that a migration can have made: relations, routines, types and
 * domains, in an order that drops dependants first (views, tables, sequences, routines, then
 * types). Objects that belong to an extension are left out: they are the extension's.
 *
 * @example
 * for (const o of await listSchemaObjects(trx, ['public'])) await trx.raw(`DROP ${o.kind} IF EXISTS ${o.name} CASCADE`);
 */
export async function listSchemaObjects(q: Queryable, schemas: readonly string[]): Promise<SchemaObject[]> {
  return queryRows<SchemaObject>(
    q,
    `WITH owned AS (SELECT oid FROM pg_namespace WHERE nspname IN (SELECT jsonb_array_elements_text(?::jsonb))),
     extension_members AS (SELECT objid FROM pg_depend WHERE deptype = 'e')
     SELECT kind, name FROM (
       SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END AS kind,
              format('%I.%I', n.nspname, c.relname) AS name,
              CASE c.relkind WHEN 'v' THEN 1 WHEN 'm' THEN 1 WHEN 'S' THEN 3 ELSE 2 END AS step
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relnamespace IN (SELECT oid FROM owned) AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
          AND NOT c.relispartition AND c.oid NOT IN (SELECT objid FROM extension_members)
       UNION ALL
       SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
              format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)), 4
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE p.pronamespace IN (SELECT oid FROM owned) AND p.oid NOT IN (SELECT objid FROM extension_members)
       UNION ALL
       SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, format('%I.%I', n.nspname, t.typname), 5
         FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE t.typnamespace IN (SELECT oid FROM owned) AND t.typtype IN ('e', 'd', 'r', 'c', 'm')
          AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
          AND t.oid NOT IN (SELECT objid FROM extension_members)
          AND NOT EXISTS (SELECT 1 FROM pg_range r WHERE r.rngmultitypid = t.oid)
     ) objects ORDER BY step, name`,
    [JSON.stringify(schemas)],
  );
}

/** A table that holds rows: what a destructive command would destroy. */
export interface TableContents {
  /** `schema.table`. */
  readonly table: string;
  /** Exact up to {@link COUNT_LIMIT}; above it, the planner's estimate. */
  readonly rows: number;
  readonly estimated: boolean;
}

/** Tables are counted exactly up to this many rows; beyond, the planner's estimate is given. */
export const COUNT_LIMIT = 100_000;

/**
 * The tables of `schemas` that hold rows, with their row counts: what a reset or a rollback
 * would destroy. `made` gives, per table name, rows the migrations themselves insert (the
 * reference schema's default tenant and built-in templates), which are not counted as data.
 * Run it after locking the tables, so that nothing is committed between this and the change.
 *
 * @example
 * await tableContents(trx, ['public'], new Map([['templates', 4]])) // [{ table: 'public.customers', rows: 1200, estimated: false }]
 */
export async function tableContents(q: Queryable, schemas: readonly string[], made: ReadonlyMap<string, number> = new Map()): Promise<TableContents[]> {
  const tables = await queryRows<{ schema: string; name: string; qualified: string; reltuples: number }>(
    q,
    `SELECT n.nspname AS schema, c.relname AS name, format('%I.%I', n.nspname, c.relname) AS qualified, c.reltuples::float8 AS reltuples
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname IN (SELECT jsonb_array_elements_text(?::jsonb)) AND c.relkind IN ('r', 'p', 'm', 'f') AND NOT c.relispartition
        AND c.oid NOT IN (SELECT objid FROM pg_depend WHERE deptype = 'e')
      ORDER BY 1, 2`,
    [JSON.stringify(schemas)],
  );
  const out: TableContents[] = [];
  for (const t of tables) {
    const [{ n }] = await queryRows<{ n: number }>(q, `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${t.qualified} LIMIT ${COUNT_LIMIT + 1}) x`);
    const rows = n > COUNT_LIMIT ? Math.max(Math.round(t.reltuples), n) : n;
    if (rows > (made.get(t.name) ?? 0)) out.push({ table: `${t.schema}.${t.name}`, rows, estimated: n > COUNT_LIMIT });
  }
  return out;
}
