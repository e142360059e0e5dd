/**
 * The one module that reads PostgreSQL's catalog for tenantseed: tables, columns and their
 * types, sequences, keys, indexes, foreign keys, row-level security and its policies, roles as
 * RLS sees them, Citus metadata, and the objects of the schemas a project owns. Validate, load,
 * reset and introspect read it here. Tables are named as the definitions name them and resolved through
 * the connection's search_path (the project's `schemas`).
 */
import type { SnapshotFunction } from './read-policy';
import { queryRows, Queryable, quoteIdentifier, quoteLiteral, requoteName } from './sql';

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
  return (await readTables(q, [table])).get(table);
}

/**
 * {@link readTable} for many tables in one query (a project of 420 tables: one round trip, not
 * 420). The map holds the tables found on the search_path, under the names asked for.
 */
export async function readTables(q: Queryable, tables: readonly string[]): Promise<Map<string, CatalogTable>> {
  // Lists go in as JSON: Knex would spread a JavaScript array into a list of parameters.
  const rows = await queryRows<{ asked: string; schema: string; qualified: string; name: string; type: string; is_array: boolean; not_null: boolean; has_default: boolean; sequence: string | null }>(
    q,
    `SELECT w.asked, n.nspname AS schema, format('%I.%I', n.nspname, c.relname) AS qualified, a.attname AS name,
            format_type(a.atttypid, a.atttypmod) AS type, t.typcategory = 'A' AS is_array, a.attnotnull AS not_null,
            a.atthasdef OR a.attidentity <> '' AS has_default,
            pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname) AS sequence
       FROM jsonb_array_elements_text(?::jsonb) WITH ORDINALITY AS w(asked, k)
       JOIN pg_class c ON c.oid = to_regclass(quote_ident(w.asked))
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       JOIN pg_type t ON t.oid = a.atttypid
      ORDER BY w.k, a.attnum`,
    [JSON.stringify([...new Set(tables)])],
  );
  const found = new Map<string, CatalogTable & { columns: CatalogColumn[] }>();
  for (const r of rows) {
    let table = found.get(r.asked);
    if (!table) found.set(r.asked, table = { schema: r.schema, name: r.asked, qualified: r.qualified, columns: [] });
    table.columns.push({ name: r.name, type: r.type, isArray: r.is_array, notNull: r.not_null, hasDefault: r.has_default, sequence: r.sequence ?? undefined });
  }
  return found;
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
 * `only` (schema-qualified, quoted names) narrows it to some tables.
 *
 * @example
 * await tableContents(trx, ['public'], new Map([['templates', 4]])) // [{ table: 'public.customers', rows: 1200, estimated: false }]
 */
export async function tableContents(q: Queryable, schemas: readonly string[], made: ReadonlyMap<string, number> = new Map(), only?: readonly string[]): Promise<TableContents[]> {
  const tables = await queryRows<{ schema: string; name: string; qualified: string; reltuples: number }>(
    q,
    `SELECT n.nspname AS schema, c.relname AS name, format('%I.%I', n.nspname, c.relname) AS qualified, c.reltuples::float8 AS reltuples
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname IN (SELECT jsonb_array_elements_text(?::jsonb)) AND c.relkind IN ('r', 'p', 'm', 'f') AND NOT c.relispartition
        AND c.oid NOT IN (SELECT objid FROM pg_depend WHERE deptype = 'e')
      ORDER BY 1, 2`,
    [JSON.stringify(schemas)],
  );
  const counted = tables.filter((t) => !only || only.includes(t.qualified));
  // A hundred tables a statement: a project of 420 tables is counted in 5 round trips, not 420.
  const counts: number[] = [];
  for (let from = 0; from < counted.length; from += 100) {
    const union = counted.slice(from, from + 100).map((t, k) => `SELECT ${from + k} AS k, (SELECT count(*)::int FROM (SELECT 1 FROM ${requoteName(t.qualified)} LIMIT ${COUNT_LIMIT + 1}) x) AS n`).join(' UNION ALL ');
    for (const row of await queryRows<{ k: number; n: number }>(q, union)) counts[row.k] = row.n;
  }
  const out: TableContents[] = [];
  for (const [k, t] of counted.entries()) {
    const n = counts[k];
    const rows = n > COUNT_LIMIT ? Math.max(Math.round(t.reltuples), n) : n;
    if (rows > (made.get(t.name) ?? 0)) out.push({ table: `${t.schema}.${t.name}`, rows, estimated: n > COUNT_LIMIT });
  }
  return out;
}

/** A column as `tenantseed introspect` reads it: everything a definition can be drafted from. */
export interface SnapshotColumn {
  readonly name: string;
  /** `format_type`: `character varying(120)`, `numeric(5,2)`, `text[]`, `user_role_enum`. */
  readonly type: string;
  /** The base type's name (`varchar`, `int8`, `timestamptz`; the element's for an array). */
  readonly baseType: string;
  readonly isArray: boolean;
  readonly notNull: boolean;
  /** The default's SQL text (`now()`, `'draft'::text`), if any. */
  readonly default?: string;
  /** `GENERATED ... AS IDENTITY`: `always` or `by-default`. */
  readonly identity?: 'always' | 'by-default';
  /** `GENERATED ALWAYS AS (...) STORED`: never written. */
  readonly generated: boolean;
  /** The labels of an enum type (of the elements, for an array of enums), in order. */
  readonly enumLabels?: readonly string[];
  /** `varchar(n)` / `char(n)`: n. */
  readonly maxLength?: number;
  /** `numeric(p, s)`: p and s. */
  readonly precision?: number;
  readonly scale?: number;
  /** `COMMENT ON COLUMN`, if any: what the team says the column holds. */
  readonly comment?: string;
}

/** A primary key, unique or foreign key, or CHECK constraint. */
export interface SnapshotConstraint {
  readonly name: string;
  readonly kind: 'primary' | 'unique' | 'foreign' | 'check';
  readonly columns: readonly string[];
  /** Foreign keys: the referenced table (its name, as on the search_path) and columns. */
  readonly refTable?: string;
  /** Foreign keys: the referenced table's schema (another schema's reference rows, say). */
  readonly refSchema?: string;
  readonly refColumns?: readonly string[];
  /** `pg_get_constraintdef`: `CHECK ((qty > 0))`, `UNIQUE (tenant_id, email)`. */
  readonly definition: string;
}

/** A unique index that backs no constraint (an expression or a partial index, say). */
export interface SnapshotUniqueIndex {
  readonly name: string;
  /** Empty when the index is on an expression. */
  readonly columns: readonly string[];
  readonly partial: boolean;
  readonly definition: string;
}

/** A row-level-security policy. */
export interface SnapshotPolicy {
  readonly name: string;
  /** Role names; `public` for all. */
  readonly roles: readonly string[];
  readonly using?: string;
  readonly withCheck?: string;
}

/** One table of a schema, with what introspect needs. */
export interface SnapshotTable {
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly SnapshotColumn[];
  readonly constraints: readonly SnapshotConstraint[];
  readonly uniqueIndexes: readonly SnapshotUniqueIndex[];
  readonly policies: readonly SnapshotPolicy[];
  readonly rlsEnabled: boolean;
  readonly rlsForced: boolean;
  /** Rows it holds, counted up to 101 (more reads as 101); undefined when the role may not read it. */
  readonly rows?: number;
}

/** A role that holds privileges on a table of the schema. */
export interface SnapshotRole {
  readonly name: string;
  readonly superuser: boolean;
  readonly bypassRls: boolean;
  readonly canLogin: boolean;
  /** Tables it is granted DML on (`SELECT`, `INSERT`, `UPDATE` or `DELETE`), by name. */
  readonly tables: readonly string[];
}

/** Everything `tenantseed introspect` reads from one schema. */
export interface SchemaSnapshot {
  readonly schema: string;
  readonly tables: readonly SnapshotTable[];
  readonly roles: readonly SnapshotRole[];
  /** The SQL and PL/pgSQL functions of the database's own schemas, that policies may call. */
  readonly functions?: readonly SnapshotFunction[];
}

/**
 * The SQL and PL/pgSQL functions and procedures of every schema but the system's, without an
 * extension's: what a policy may call to read its tenant, and what an application calls to set it.
 *
 * @example
 * (await readFunctions(knex)).find((f) => f.name === 'set_org_context')?.body // "begin perform set_config(...); end"
 */
export async function readFunctions(q: Queryable): Promise<SnapshotFunction[]> {
  const rows = await queryRows<{ schema: string; name: string; language: string; body: string; args: number; identity: string; procedure: boolean }>(
    q,
    `SELECT n.nspname AS schema, p.proname AS name, l.lanname AS language, p.prosrc AS body, p.pronargs::int AS args,
            pg_get_function_identity_arguments(p.oid) AS identity, p.prokind = 'p' AS procedure
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
      WHERE l.lanname IN ('sql', 'plpgsql') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
        AND p.oid NOT IN (SELECT objid FROM pg_depend WHERE deptype = 'e' AND classid = 'pg_proc'::regclass)
      ORDER BY 1, 2, 6`,
  );
  return rows.map((r) => ({ schema: r.schema, name: r.name, language: r.language, body: r.body, args: r.args, identityArgs: r.identity, procedure: r.procedure }));
}

/** Whether a schema exists, and whether the connected role may use it. */
export async function schemaAccess(q: Queryable, schema: string): Promise<{ exists: boolean; usable: boolean; user: string }> {
  const [row] = await queryRows<{ exists: boolean; usable: boolean | null; user: string }>(
    q,
    `SELECT n.oid IS NOT NULL AS exists, has_schema_privilege(n.oid, 'USAGE') AS usable, current_user AS user
       FROM (SELECT 1) one LEFT JOIN pg_namespace n ON n.nspname = ?`,
    [schema],
  );
  return { exists: row.exists, usable: row.usable === true, user: row.user };
}

/**
 * Reads one schema's tables (not partitions, not an extension's) with their columns, keys,
 * CHECK constraints, unique indexes, policies and row-level-security flags, and the roles that
 * hold privileges on them: what `tenantseed introspect` drafts definitions from. Table and
 * column order is the catalog's (by name, then by column position), so the same database reads
 * the same.
 *
 * @example
 * const snapshot = await readSchemaSnapshot(knex, 'public');
 * snapshot.tables.map((t) => t.name) // ['companies', 'users', ...]
 */
export async function readSchemaSnapshot(q: Queryable, schema: string): Promise<SchemaSnapshot> {
  const tables = await queryRows<{ oid: number; name: string; rls: boolean; forced: boolean; readable: boolean }>(
    q,
    `SELECT c.oid::int8 AS oid, c.relname AS name, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
            has_table_privilege(c.oid, 'SELECT') AS readable
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ? AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND c.oid NOT IN (SELECT objid FROM pg_depend WHERE deptype = 'e' AND classid = 'pg_class'::regclass)
      ORDER BY c.relname`,
    [schema],
  );
  const oids = JSON.stringify(tables.map((t) => String(t.oid)));
  const columns = await queryRows<{
    table: number; name: string; type: string; base: string; is_array: boolean; not_null: boolean; default: string | null;
    identity: string; generated: string; labels: string[] | null; typmod: number; comment: string | null;
  }>(
    q,
    `SELECT a.attrelid::int8 AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            coalesce(e.typname, t.typname) AS base, t.typcategory = 'A' AS is_array, a.attnotnull AS not_null,
            pg_get_expr(d.adbin, d.adrelid) AS default, a.attidentity AS identity, a.attgenerated AS generated,
            (SELECT array_agg(l.enumlabel::text ORDER BY l.enumsortorder) FROM pg_enum l WHERE l.enumtypid = coalesce(e.oid, t.oid)) AS labels,
            a.atttypmod AS typmod, col_description(a.attrelid, a.attnum) AS comment
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid::text::int8 IN (SELECT jsonb_array_elements_text(?::jsonb)::int8) AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attrelid, a.attnum`,
    [oids],
  );
  const constraints = await queryRows<{ table: number; name: string; kind: string; columns: string[]; ref_table: string | null; ref_schema: string | null; ref_columns: string[] | null; definition: string }>(
    q,
    `SELECT con.conrelid::int8 AS table, con.conname AS name, con.contype::text AS kind,
            ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, pos) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.pos) AS columns,
            CASE WHEN con.contype = 'f' THEN (SELECT relname::text FROM pg_class WHERE oid = con.confrelid) END AS ref_table,
            CASE WHEN con.contype = 'f' THEN (SELECT n.nspname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = con.confrelid) END AS ref_schema,
            CASE WHEN con.contype = 'f' THEN ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, pos) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.pos) END AS ref_columns,
            pg_get_constraintdef(con.oid) AS definition
       FROM pg_constraint con
      WHERE con.conrelid::text::int8 IN (SELECT jsonb_array_elements_text(?::jsonb)::int8) AND con.contype IN ('p', 'u', 'f', 'c')
      ORDER BY con.conrelid, con.contype, con.conname`,
    [oids],
  );
  const indexes = await queryRows<{ table: number; name: string; columns: string[]; expression: boolean; partial: boolean; definition: string }>(
    q,
    `SELECT i.indrelid::int8 AS table, ic.relname AS name,
            ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(num, pos) JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.num ORDER BY k.pos) AS columns,
            i.indexprs IS NOT NULL OR 0 = ANY (i.indkey::int2[]) AS expression, i.indpred IS NOT NULL AS partial, pg_get_indexdef(i.indexrelid) AS definition
       FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
      WHERE i.indrelid::text::int8 IN (SELECT jsonb_array_elements_text(?::jsonb)::int8) AND i.indisunique
        AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid AND con.contype IN ('p', 'u'))
      ORDER BY i.indrelid, ic.relname`,
    [oids],
  );
  const policies = await queryRows<{ table: number; name: string; roles: string[]; using: string | null; with_check: string | null }>(
    q,
    `SELECT p.polrelid::int8 AS table, p.polname AS name,
            ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE (SELECT rolname::text FROM pg_roles WHERE oid = r) END FROM unnest(p.polroles) r ORDER BY 1) AS roles,
            pg_get_expr(p.polqual, p.polrelid) AS using, pg_get_expr(p.polwithcheck, p.polrelid) AS with_check
       FROM pg_policy p
      WHERE p.polrelid::text::int8 IN (SELECT jsonb_array_elements_text(?::jsonb)::int8)
      ORDER BY p.polrelid, p.polname`,
    [oids],
  );
  const grants = await queryRows<{ role: string; superuser: boolean; bypass: boolean; login: boolean; table: string }>(
    q,
    `SELECT DISTINCT r.rolname AS role, r.rolsuper AS superuser, r.rolbypassrls AS bypass, r.rolcanlogin AS login, c.relname AS table
       FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) acl JOIN pg_roles r ON r.oid = acl.grantee
      WHERE c.oid::text::int8 IN (SELECT jsonb_array_elements_text(?::jsonb)::int8) AND acl.grantee <> c.relowner
        AND acl.privilege_type IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE')
      ORDER BY 1, 5`,
    [oids],
  );
  const out: SnapshotTable[] = [];
  for (const t of tables) {
    const qualified = `${quoteIdentifier(schema)}.${quoteIdentifier(t.name)}`;
    const rows = t.readable ? (await queryRows<{ n: number }>(q, `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${qualified} LIMIT 101) x`))[0].n : undefined;
    const oid = Number(t.oid);
    out.push({
      schema,
      name: t.name,
      rlsEnabled: t.rls,
      rlsForced: t.forced,
      rows,
      columns: columns.filter((c) => Number(c.table) === oid).map((c) => {
        const numeric = /^numeric\((\d+),(\d+)\)/.exec(c.type);
        const length = /^(?:character varying|character|bit varying)\((\d+)\)/.exec(c.type);
        return {
          name: c.name, type: c.type, baseType: c.base, isArray: c.is_array, notNull: c.not_null, default: c.default ?? undefined,
          identity: c.identity === 'a' ? 'always' : c.identity === 'd' ? 'by-default' : undefined,
          generated: c.generated !== '', enumLabels: c.labels ?? undefined,
          maxLength: length ? Number(length[1]) : undefined,
          precision: numeric ? Number(numeric[1]) : undefined, scale: numeric ? Number(numeric[2]) : undefined,
          ...(c.comment ? { comment: c.comment } : {}),
        };
      }),
      constraints: constraints.filter((c) => Number(c.table) === oid).map((c) => ({
        name: c.name, kind: ({ p: 'primary', u: 'unique', f: 'foreign', c: 'check' } as const)[c.kind as 'p' | 'u' | 'f' | 'c'],
        columns: c.columns, refTable: c.ref_table ?? undefined, refSchema: c.ref_schema ?? undefined, refColumns: c.ref_columns ?? undefined, definition: c.definition,
      })),
      uniqueIndexes: indexes.filter((i) => Number(i.table) === oid).map((i) => ({ name: i.name, columns: i.expression ? [] : i.columns, partial: i.partial, definition: i.definition })),
      policies: policies.filter((p) => Number(p.table) === oid).map((p) => ({ name: p.name, roles: p.roles, using: p.using ?? undefined, withCheck: p.with_check ?? undefined })),
    });
  }
  const roles = new Map<string, SnapshotRole & { tables: string[] }>();
  for (const g of grants) {
    const role = roles.get(g.role) ?? { name: g.role, superuser: g.superuser, bypassRls: g.bypass, canLogin: g.login, tables: [] };
    role.tables.push(g.table);
    roles.set(g.role, role);
  }
  return { schema, tables: out, roles: [...roles.values()], functions: await readFunctions(q) };
}

/**
 * Up to `limit` rows of a table, every column but generated ones, ordered by `orderBy` (its
 * key): the rows a freshly migrated database already holds, which introspect records as made
 * by the migrations so that reset can put them back exactly. Integers and booleans are JSON
 * numbers and booleans; every other value is its text as PostgreSQL prints it (a numeric's
 * scale, a jsonb's digits, a timestamp's microseconds and offset), which casts back to the
 * very same value.
 */
export async function readMadeRows(q: Queryable, schema: string, table: string, orderBy: readonly string[], limit: number): Promise<Record<string, unknown>[]> {
  const qualified = `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`;
  const columns = await queryRows<{ name: string; exact_text: boolean }>(q,
    `SELECT a.attname AS name, a.atttypid NOT IN ('int2'::regtype, 'int4'::regtype, 'bool'::regtype) AS exact_text
       FROM pg_attribute a WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum`,
    [qualified]);
  const pairs = columns.map((c) => `${quoteLiteral(c.name)}, to_jsonb(${quoteIdentifier(c.name)}${c.exact_text ? '::text' : ''})`);
  // jsonb_build_object takes at most 100 arguments: 50 columns per object, merged.
  const objects = [];
  for (let i = 0; i < pairs.length; i += 50) objects.push(`jsonb_build_object(${pairs.slice(i, i + 50).join(', ')})`);
  const order = orderBy.map(quoteIdentifier).join(', ');
  const rows = await queryRows<{ row: Record<string, unknown> }>(q,
    `SELECT (${objects.join(' || ') || "'{}'::jsonb"})::text AS row FROM ${qualified}${order ? ` ORDER BY ${order}` : ''} LIMIT ${Number(limit)}`);
  return rows.map((r) => JSON.parse(r.row as unknown as string) as Record<string, unknown>);
}

/** A foreign key of another table that points into a set of tables. */
export interface IncomingReference {
  /** `schema.table` that holds the foreign key. */
  readonly table: string;
  readonly constraint: string;
  /** `schema.table` it references. */
  readonly references: string;
}

/**
 * Foreign keys of tables outside `tables` (schema-qualified, quoted names) that reference one
 * of them: what would stop emptying exactly those tables.
 *
 * @example
 * await referencesFromOutside(trx, ['"public"."users"']) // [{ table: 'public.sessions', constraint: 'sessions_user_id_fkey', references: 'public.users' }]
 */
export async function referencesFromOutside(q: Queryable, tables: readonly string[]): Promise<IncomingReference[]> {
  return queryRows<IncomingReference>(
    q,
    `WITH inside AS (SELECT t::regclass AS oid FROM jsonb_array_elements_text(?::jsonb) t)
     SELECT format('%s.%s', sn.nspname, s.relname) AS table, con.conname AS constraint, format('%s.%s', tn.nspname, t.relname) AS references
       FROM pg_constraint con
       JOIN pg_class s ON s.oid = con.conrelid JOIN pg_namespace sn ON sn.oid = s.relnamespace
       JOIN pg_class t ON t.oid = con.confrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
      WHERE con.contype = 'f' AND con.conparentid = 0 AND con.confrelid IN (SELECT oid FROM inside) AND con.conrelid NOT IN (SELECT oid FROM inside)
      ORDER BY 1, 2`,
    [JSON.stringify(tables)],
  );
}

/** Whether the database runs Citus, and as which node. */
export interface CitusStatus {
  /** The citus extension is installed in this database. */
  readonly installed: boolean;
  /** This node is the coordinator (where tables are distributed from). */
  readonly coordinator: boolean;
  readonly version?: string;
}

/**
 * Reads whether the connected database is a Citus node, and whether it is the coordinator.
 *
 * @example
 * if ((await citusStatus(knex)).coordinator) await distributeTables(...);
 */
export async function citusStatus(q: Queryable): Promise<CitusStatus> {
  const [row] = await queryRows<{ version: string | null }>(q, `SELECT extversion AS version FROM pg_extension WHERE extname = 'citus'`);
  if (!row) return { installed: false, coordinator: false };
  const [{ coordinator }] = await queryRows<{ coordinator: boolean }>(q, 'SELECT citus_is_coordinator() AS coordinator');
  return { installed: true, coordinator, version: row.version ?? undefined };
}

/** How Citus holds a table. */
export interface TableDistribution {
  /** `"schema"."table"`. */
  readonly qualified: string;
  readonly schema: string;
  readonly name: string;
  /** `distributed` (hash), `reference`, `citus-local` (on the coordinator, under Citus), `local` (plain). */
  readonly method: 'distributed' | 'reference' | 'citus-local' | 'local';
  /** The distribution column of a distributed table. */
  readonly column?: string;
  /** Its co-location group. */
  readonly colocationId?: number;
}

/**
 * How each table of `schemas` is held on a Citus coordinator (`pg_dist_partition`); every
 * table is `local` where Citus is not installed.
 */
export async function readDistribution(q: Queryable, schemas: readonly string[]): Promise<TableDistribution[]> {
  const [{ citus }] = await queryRows<{ citus: boolean }>(q, `SELECT to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL AS citus`);
  if (!citus) {
    return (await listSchemaObjects(q, schemas)).filter((o) => o.kind === 'TABLE').map((o) => {
      const [schema, name] = o.name.split('.').map((part) => part.replace(/^"|"$/g, '').replace(/""/g, '"'));
      return { qualified: o.name, schema, name, method: 'local' as const };
    });
  }
  const rows = await queryRows<{ qualified: string; schema: string; name: string; method: string | null; column: string | null; colocation: number | null; repmodel: string | null }>(
    q,
    `SELECT format('%I.%I', n.nspname, c.relname) AS qualified, n.nspname AS schema, c.relname AS name, p.partmethod::text AS method,
            CASE WHEN p.partmethod = 'h' THEN column_to_column_name(p.logicalrelid, p.partkey) END AS column, p.colocationid AS colocation, p.repmodel::text AS repmodel
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_dist_partition p ON p.logicalrelid = c.oid
      WHERE n.nspname IN (SELECT jsonb_array_elements_text(?::jsonb)) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND c.oid NOT IN (SELECT objid FROM pg_depend WHERE deptype = 'e' AND classid = 'pg_class'::regclass)
      ORDER BY 1`,
    [JSON.stringify(schemas)],
  );
  return rows.map((r) => ({
    qualified: r.qualified, schema: r.schema, name: r.name,
    method: r.method === 'h' ? 'distributed' : r.method === 'n' && r.repmodel === 't' ? 'reference' : r.method === 'n' ? 'citus-local' : 'local',
    column: r.column ?? undefined,
    colocationId: r.colocation ?? undefined,
  }));
}

/** A foreign key as distribution needs it: where, what, and how it behaves on delete. */
export interface ForeignKeyInfo {
  readonly name: string;
  /** `"schema"."table"` that holds it. */
  readonly table: string;
  /** The schema and the name of the table that holds it (the name as on the search_path). */
  readonly tableSchema: string;
  readonly tableName: string;
  readonly columns: readonly string[];
  /** `"schema"."table"` it references. */
  readonly references: string;
  /** The name of the table it references. */
  readonly referencesName: string;
  readonly refColumns: readonly string[];
  /** `pg_get_constraintdef`, to add it again as it was. */
  readonly definition: string;
  /** ON DELETE or ON UPDATE is SET NULL or SET DEFAULT. */
  readonly setsNullOrDefault: boolean;
}

/** Every foreign key held by or pointing at a table of `schemas` (NOT VALID ones and ones whose triggers are disabled included). */
export async function readForeignKeys(q: Queryable, schemas: readonly string[]): Promise<ForeignKeyInfo[]> {
  return queryRows<ForeignKeyInfo>(
    q,
    `SELECT con.conname AS name, format('%I.%I', sn.nspname, s.relname) AS table, sn.nspname AS "tableSchema", s.relname AS "tableName", t.relname AS "referencesName",
            ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, pos) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.pos) AS columns,
            format('%I.%I', tn.nspname, t.relname) AS references,
            ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, pos) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.pos) AS "refColumns",
            pg_get_constraintdef(con.oid) AS definition,
            con.confdeltype IN ('n', 'd') OR con.confupdtype IN ('n', 'd') AS "setsNullOrDefault"
       FROM pg_constraint con
       JOIN pg_class s ON s.oid = con.conrelid JOIN pg_namespace sn ON sn.oid = s.relnamespace
       JOIN pg_class t ON t.oid = con.confrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
      WHERE con.contype = 'f' AND con.conparentid = 0 AND (sn.nspname IN (SELECT jsonb_array_elements_text(?::jsonb)) OR tn.nspname IN (SELECT jsonb_array_elements_text(?::jsonb)))
      ORDER BY 2, 1`,
    [JSON.stringify(schemas), JSON.stringify(schemas)],
  );
}

/** Unique constraints and unique indexes of a table, with their columns (empty for an expression index). */
export async function readUniqueKeys(q: Queryable, qualified: string): Promise<Array<{ name: string; primary: boolean; columns: string[]; expression: boolean }>> {
  return (await readUniqueKeysOf(q, [qualified])).get(qualified) ?? [];
}

/** {@link readUniqueKeys} of many tables (schema-qualified) in one query, under the names asked for. */
export async function readUniqueKeysOf(q: Queryable, qualified: readonly string[]): Promise<Map<string, Array<{ name: string; primary: boolean; columns: string[]; expression: boolean }>>> {
  const rows = await queryRows<{ asked: string; name: string; primary: boolean; columns: string[]; expression: boolean }>(
    q,
    `SELECT w.asked, ic.relname AS name, i.indisprimary AS primary,
            ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(num, pos) JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.num ORDER BY k.pos) AS columns,
            i.indexprs IS NOT NULL OR 0 = ANY (i.indkey::int2[]) AS expression
       FROM jsonb_array_elements_text(?::jsonb) AS w(asked)
       JOIN pg_index i ON i.indrelid = w.asked::regclass JOIN pg_class ic ON ic.oid = i.indexrelid
      WHERE i.indisunique ORDER BY 1, 2`,
    [JSON.stringify([...new Set(qualified)])],
  );
  const keys = new Map(qualified.map((t) => [t, [] as Array<{ name: string; primary: boolean; columns: string[]; expression: boolean }>]));
  for (const { asked, ...key } of rows) keys.get(asked)!.push(key);
  return keys;
}

/** Whether a table (schema-qualified) has a column of that name. */
export async function columnExists(q: Queryable, qualified: string, column: string): Promise<boolean> {
  return (await readColumnNamesOf(q, [qualified])).get(qualified)!.has(column);
}

/** The column names of many tables (schema-qualified) in one query, under the names asked for. */
export async function readColumnNamesOf(q: Queryable, qualified: readonly string[]): Promise<Map<string, Set<string>>> {
  const rows = await queryRows<{ asked: string; name: string }>(
    q,
    `SELECT w.asked, a.attname AS name FROM jsonb_array_elements_text(?::jsonb) AS w(asked)
       JOIN pg_attribute a ON a.attrelid = w.asked::regclass AND a.attnum > 0 AND NOT a.attisdropped`,
    [JSON.stringify([...new Set(qualified)])],
  );
  const columns = new Map(qualified.map((t) => [t, new Set<string>()]));
  for (const row of rows) columns.get(row.asked)!.add(row.name);
  return columns;
}

/**
 * On a Citus coordinator, makes the caller's transaction use one connection per node
 * (`citus.multi_shard_modify_mode = sequential`): a transaction that reads distributed tables
 * and then changes their schema (reset drops them, the loader rebuilds keys) is refused in
 * Citus' default parallel mode. Call it first in the transaction. Nothing on PostgreSQL.
 */
export async function useSequentialShardAccess(q: Queryable): Promise<boolean> {
  if (!(await citusStatus(q)).coordinator) return false;
  await queryRows(q, `SET LOCAL citus.multi_shard_modify_mode TO 'sequential'`);
  return true;
}

/** A table of the owned schemas with one of the given columns (tables by name, as on the search_path). */
export async function tablesWithColumns(q: Queryable, schemas: readonly string[], columns: readonly string[]): Promise<Array<{ table: string; column: string }>> {
  // Partitions are left out: their rows are read through their parent, under its policies
  // ({@link partitionsReadableWithoutSecurity} finds those a role may read directly).
  return queryRows(
    q,
    `SELECT c.relname AS table, a.attname AS column FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND n.nspname IN (SELECT jsonb_array_elements_text(?::jsonb)) AND a.attname IN (SELECT jsonb_array_elements_text(?::jsonb)) ORDER BY 1`,
    [JSON.stringify(schemas), JSON.stringify(columns)],
  );
}

/**
 * Partitions of the tables that `role` may read or write directly (granted to it, to PUBLIC or
 * to a role it belongs to) and that have no row-level security of their own: a query that names
 * the partition skips its parent's policies and sees every tenant's rows in it.
 */
export async function partitionsReadableWithoutSecurity(
  q: Queryable, tables: readonly string[], role: string,
): Promise<Array<{ partition: string; parent: string }>> {
  return queryRows(
    q,
    `WITH RECURSIVE parts AS (
       SELECT i.inhrelid AS oid, p.relname::text AS parent FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
        WHERE i.inhparent IN (SELECT to_regclass(quote_ident(t)) FROM jsonb_array_elements_text(?::jsonb) t)
       UNION ALL
       SELECT i.inhrelid, parts.parent FROM pg_inherits i JOIN parts ON i.inhparent = parts.oid)
     SELECT c.relname AS partition, parts.parent FROM parts JOIN pg_class c ON c.oid = parts.oid
      WHERE c.relispartition AND NOT c.relrowsecurity AND EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = ?)
        AND has_table_privilege(?, c.oid, 'SELECT, INSERT, UPDATE, DELETE')
      ORDER BY 2, 1`,
    [JSON.stringify(tables), role, role],
  );
}

/** A row-level security policy, as `pg_policies` shows it. */
export interface TablePolicy {
  readonly name: string;
  /** `ALL`, `SELECT`, `INSERT`, `UPDATE` or `DELETE`. */
  readonly command: string;
  /** `PERMISSIVE` or `RESTRICTIVE`. */
  readonly permissive: string;
  /** The USING expression. */
  readonly using: string | null;
  readonly withCheck: string | null;
}

/** The policies on a table of that name in the owned schemas. */
export async function readPolicies(q: Queryable, schemas: readonly string[], table: string): Promise<TablePolicy[]> {
  return queryRows<TablePolicy>(
    q,
    `SELECT policyname AS name, cmd AS command, permissive, qual AS using, with_check AS "withCheck"
       FROM pg_policies WHERE schemaname IN (SELECT jsonb_array_elements_text(?::jsonb)) AND tablename = ?`,
    [JSON.stringify(schemas), table],
  );
}

/** A primary key (`p`), unique constraint (`u`) or foreign key (`f`) of a table, with its columns in order. */
export interface TableKey {
  readonly name: string;
  readonly kind: 'p' | 'u' | 'f';
  readonly columns: readonly string[];
  /** A foreign key's referenced table (its name, as the search_path finds it); null for other keys. */
  readonly references?: string | null;
}

/** What the schema check reads of one tenant table: {@link readTenantTablesCatalog}. */
export interface TenantTableCatalog {
  readonly security: { readonly enabled: boolean; readonly forced: boolean };
  /** Whether the role owns the table (or is a member of its owner). */
  readonly ownedByRole: boolean;
  readonly policies: readonly TablePolicy[];
  readonly keys: readonly TableKey[];
  /** Unique indexes (not constraints) without the tenant column. */
  readonly uniqueIndexesWithoutTenant: readonly string[];
  readonly indexLedByTenant: boolean;
}

/**
 * The row security, ownership by `role`, policies, keys and tenant indexes of many tables at
 * once: five queries whatever the number of tables, where one table at a time took seven round
 * trips a table (about 3,000 on a schema of 420 tables). Tables are found through the
 * search_path, as {@link readRowSecurity} and the others find them one by one.
 */
export async function readTenantTablesCatalog(
  q: Queryable, schemas: readonly string[], tables: ReadonlyArray<{ table: string; tenantColumn: string }>, role: string,
): Promise<Map<string, TenantTableCatalog>> {
  const list = JSON.stringify(tables.map((t) => ({ name: t.table, col: t.tenantColumn })));
  const base = await queryRows<{ name: string; enabled: boolean | null; forced: boolean | null; owned: boolean }>(
    q,
    `SELECT t.name, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
            COALESCE(pg_has_role(r.oid, c.relowner, 'MEMBER'), false) AS owned
       FROM jsonb_to_recordset(?::jsonb) AS t(name text, col text)
       LEFT JOIN pg_class c ON c.oid = to_regclass(quote_ident(t.name))
       LEFT JOIN pg_roles r ON r.rolname = ?`,
    [list, role],
  );
  const policies = await queryRows<TablePolicy & { table: string }>(
    q,
    `SELECT tablename AS table, policyname AS name, cmd AS command, permissive, qual AS using, with_check AS "withCheck"
       FROM pg_policies WHERE schemaname IN (SELECT jsonb_array_elements_text(?::jsonb))
        AND tablename IN (SELECT t.name FROM jsonb_to_recordset(?::jsonb) AS t(name text, col text))`,
    [JSON.stringify(schemas), list],
  );
  const keys = await queryRows<TableKey & { table: string }>(
    q,
    `SELECT t.name AS table, con.conname AS name, con.contype AS kind,
            ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i)::text[] AS columns,
            CASE WHEN con.contype = 'f' THEN (SELECT relname::text FROM pg_class WHERE oid = con.confrelid) END AS references
       FROM jsonb_to_recordset(?::jsonb) AS t(name text, col text)
       JOIN pg_constraint con ON con.conrelid = to_regclass(quote_ident(t.name)) AND con.contype IN ('p', 'u', 'f')`,
    [list],
  );
  const unique = await queryRows<{ table: string; name: string }>(
    q,
    `SELECT t.name AS table, i.indexrelid::regclass::text AS name
       FROM jsonb_to_recordset(?::jsonb) AS t(name text, col text)
       JOIN pg_index i ON i.indrelid = to_regclass(quote_ident(t.name))
      WHERE i.indisunique AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid AND con.contype IN ('p', 'u', 'x'))
        AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) AND a.attname = t.col)`,
    [list],
  );
  const led = await queryRows<{ table: string }>(
    q,
    `SELECT DISTINCT t.name AS table
       FROM jsonb_to_recordset(?::jsonb) AS t(name text, col text)
       JOIN pg_index i ON i.indrelid = to_regclass(quote_ident(t.name))
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] AND a.attname = t.col`,
    [list],
  );
  const out = new Map<string, TenantTableCatalog>();
  for (const row of base) {
    out.set(row.name, {
      security: { enabled: row.enabled ?? false, forced: row.forced ?? false },
      ownedByRole: row.owned,
      policies: policies.filter((p) => p.table === row.name).map(({ table: _table, ...policy }) => policy),
      keys: keys.filter((k) => k.table === row.name).map(({ table: _table, ...key }) => key),
      uniqueIndexesWithoutTenant: unique.filter((u) => u.table === row.name).map((u) => u.name),
      indexLedByTenant: led.some((l) => l.table === row.name),
    });
  }
  return out;
}

/** What row-level security needs to know of a role: whether it escapes it. Undefined when there is no such role. */
export async function readRole(q: Queryable, role: string): Promise<{ superuser: boolean; bypassRls: boolean } | undefined> {
  const [row] = await queryRows<{ superuser: boolean; bypassRls: boolean }>(
    q,
    'SELECT rolsuper AS superuser, rolbypassrls AS "bypassRls" FROM pg_roles WHERE rolname = ?',
    [role],
  );
  return row;
}

/**
 * The settings a role gets when it logs in to this database (`ALTER ROLE ... SET`, then
 * `ALTER ROLE ... IN DATABASE ... SET`, which wins), as name and value, in the order to apply them.
 */
export async function readRoleLoginSettings(q: Queryable, role: string): Promise<Array<{ name: string; value: string }>> {
  const rows = await queryRows<{ setting: string }>(
    q,
    `SELECT unnest(s.setconfig) AS setting FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
      WHERE r.rolname = ? AND s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
      ORDER BY s.setdatabase <> 0`,
    [role],
  );
  return rows.map(({ setting }) => ({ name: setting.slice(0, setting.indexOf('=')), value: setting.slice(setting.indexOf('=') + 1) }));
}

/** Up to `limit` tables the role owns, by name. */
export async function tablesOwnedBy(q: Queryable, role: string, limit: number): Promise<string[]> {
  const rows = await queryRows<{ name: string }>(q, `SELECT tablename AS name FROM pg_tables WHERE tableowner = ? ORDER BY 1 LIMIT ${Math.max(0, Math.floor(limit))}`, [role]);
  return rows.map((r) => r.name);
}

/** The definitions of a table's keys, plain indexes and foreign keys, to drop them and add them again as they were. */
export interface RebuildableConstraints {
  /** Foreign keys held by or pointing at the tables. */
  readonly foreignKeys: ReadonlyArray<{ readonly name: string; readonly table: string; readonly definition: string }>;
  /** Primary keys and unique constraints, primary keys first per table. */
  readonly keys: ReadonlyArray<{ readonly name: string; readonly table: string; readonly definition: string }>;
  /** `CREATE INDEX ...` of indexes that back no constraint. */
  readonly indexes: ReadonlyArray<{ readonly name: string; readonly definition: string }>;
}

/** The keys, indexes and foreign keys of the tables (by name, through the search_path; those that do not exist are left out). */
export async function readRebuildableConstraints(q: Queryable, tables: readonly string[]): Promise<RebuildableConstraints> {
  // Lists go in as JSON: Knex would spread a JavaScript array into a list of parameters.
  const oids = JSON.stringify((await queryRows<{ oid: number }>(
    q,
    'SELECT to_regclass(quote_ident(t))::oid AS oid FROM jsonb_array_elements_text(?::jsonb) t WHERE to_regclass(quote_ident(t)) IS NOT NULL',
    [JSON.stringify(tables)],
  )).map((r) => Number(r.oid)));
  const among = (column: string) => `${column} IN (SELECT jsonb_array_elements_text(?::jsonb)::oid)`;
  const foreignKeys = await queryRows<{ name: string; table: string; definition: string }>(
    q,
    `SELECT con.conname AS name, con.conrelid::regclass::text AS table, pg_get_constraintdef(con.oid) AS definition
       FROM pg_constraint con
      WHERE con.contype = 'f' AND con.conparentid = 0 AND (${among('con.conrelid')} OR ${among('con.confrelid')})
      ORDER BY con.conrelid, con.conname`,
    [oids, oids],
  );
  const keys = await queryRows<{ name: string; table: string; definition: string }>(
    q,
    `SELECT con.conname AS name, con.conrelid::regclass::text AS table, pg_get_constraintdef(con.oid) AS definition
       FROM pg_constraint con
      WHERE con.contype IN ('p', 'u') AND ${among('con.conrelid')}
      ORDER BY con.conrelid, con.contype, con.conname`,
    [oids],
  );
  const indexes = await queryRows<{ name: string; definition: string }>(
    q,
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
       FROM pg_index i
      WHERE ${among('i.indrelid')} AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid)
      ORDER BY i.indexrelid`,
    [oids],
  );
  return { foreignKeys, keys, indexes };
}

