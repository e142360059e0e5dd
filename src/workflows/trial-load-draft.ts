import type { Knex } from 'knex';
import { queryRows, quoteIdentifier } from '../db';
import type { DefinitionSet, Profile } from '../definitions';
import { TenantseedError } from '../errors';
import { buildPlan, Fingerprint } from '../generate';
import { loadTables } from '../load';
import { transactionConnection } from './seed-database';

/** Options of {@link trialLoadDraft}. */
export interface TrialLoadDraftOptions {
  knex: Knex;
  /** The schema the tables are in (the one introspect read). */
  schema: string;
  /** Tables of other schemas (reference rows the schema's foreign keys point at): table -> its schema. */
  otherSchemas?: ReadonlyMap<string, string>;
  definitions: DefinitionSet;
  profile: Profile;
}

/** What a trial load loaded, or where it failed. */
export type TrialLoadOutcome =
  | { readonly ok: true; readonly rows: number }
  | { readonly ok: false; readonly table?: string; readonly error: TenantseedError | Error };

/** Why a trial load stops on purpose: to roll everything back once it has loaded. */
class RollBack extends Error {
  constructor(readonly rows: number) {
    super('trial load done: rolled back');
  }
}

interface ForeignKey {
  table: string;
  name: string;
  columns: string[];
  ref_table: string;
  ref_columns: string[];
  deferrable: boolean;
  deferred: boolean;
}

/**
 * Copies a table's keys, exclusion constraints and other indexes to its temporary copy under
 * their own names (LIKE ... INCLUDING INDEXES would rename them), so a failure names the
 * constraint the user finds in the schema.
 */
async function copyKeysAndIndexes(trx: Knex.Transaction, schema: string, table: string): Promise<void> {
  const qualified = `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`;
  const target = `pg_temp.${quoteIdentifier(table)}`;
  const constraints = await queryRows<{ name: string; definition: string }>(trx,
    `SELECT conname AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint
      WHERE conrelid = to_regclass(?) AND contype IN ('p', 'u', 'x') ORDER BY contype, conname`, [qualified]);
  for (const c of constraints) await trx.raw(`ALTER TABLE ${target} ADD CONSTRAINT ${quoteIdentifier(c.name)} ${c.definition}`);
  const indexes = await queryRows<{ name: string; unique: boolean; definition: string; printed_name: string; qualified: string; bare: string }>(trx,
    `SELECT c.relname AS name, i.indisunique AS unique, pg_get_indexdef(i.indexrelid) AS definition, quote_ident(c.relname) AS printed_name,
            format('%I.%I', ?::text, t.relname) AS qualified, quote_ident(t.relname) AS bare
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
      WHERE i.indrelid = to_regclass(?) AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid AND con.contype IN ('p', 'u', 'x'))
      ORDER BY c.relname`, [schema, qualified]);
  for (const index of indexes) {
    // pg_get_indexdef prints `CREATE [UNIQUE] INDEX name ON [ONLY] table USING ...`: keep what follows the table.
    let rest = index.definition.slice(`CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${index.printed_name} ON `.length).replace(/^ONLY /, '');
    const printed = [`${index.qualified} `, `${index.bare} `].find((p) => rest.startsWith(p));
    if (!printed) throw new Error(`trialLoadDraft: cannot read the index definition ${index.definition}`);
    rest = rest.slice(printed.length);
    await trx.raw(`CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdentifier(index.name)} ON ${target} ${rest}`);
  }
}

/**
 * Makes a temporary copy of each table (columns, defaults, NOT NULL, CHECKs, unique and other
 * indexes, identities; LIKE copies no foreign keys, so those between the copied tables are added)
 * that shadows the real one on the search_path (pg_temp comes first), so COPY into a table's
 * name goes into its copy. A serial column's default would draw on the real sequence, which no
 * rollback undoes: it gets a temporary sequence of its own.
 */
async function shadowTables(trx: Knex.Transaction, schemaOf: (table: string) => string, tables: readonly string[], keepRows: ReadonlySet<string>): Promise<void> {
  const qualified = (t: string) => `${quoteIdentifier(schemaOf(t))}.${quoteIdentifier(t)}`;
  for (const table of tables) {
    await trx.raw(`CREATE TEMP TABLE ${quoteIdentifier(table)} (LIKE ${qualified(table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY INCLUDING GENERATED) ON COMMIT DROP`);
    await copyKeysAndIndexes(trx, schemaOf(table), table);
    const serials = await queryRows<{ column: string }>(trx,
      `SELECT a.attname AS column FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
        WHERE d.adrelid = format('pg_temp.%I', ?::text)::regclass AND pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%'`, [table]);
    for (const { column } of serials) {
      const sequence = quoteIdentifier(`trial_${table}_${column}`.slice(0, 63));
      await trx.raw(`CREATE TEMP SEQUENCE ${sequence} OWNED BY pg_temp.${quoteIdentifier(table)}.${quoteIdentifier(column)}`);
      await trx.raw(`ALTER TABLE pg_temp.${quoteIdentifier(table)} ALTER COLUMN ${quoteIdentifier(column)} SET DEFAULT nextval('pg_temp.${sequence.replace(/'/g, "''")}')`);
    }
    if (keepRows.has(table)) {
      const columns = (await queryRows<{ name: string }>(trx,
        `SELECT attname AS name FROM pg_attribute WHERE attrelid = to_regclass(?) AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum`,
        [qualified(table)])).map((r) => quoteIdentifier(r.name)).join(', ');
      await trx.raw(`INSERT INTO pg_temp.${quoteIdentifier(table)} (${columns}) OVERRIDING SYSTEM VALUE SELECT ${columns} FROM ${qualified(table)}`);
    }
  }
  const keys = await queryRows<ForeignKey>(trx,
    `SELECT c.relname AS table, con.conname AS name, r.relname AS ref_table, con.condeferrable AS deferrable, con.condeferred AS deferred,
            ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i)::text[] AS columns,
            ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i)::text[] AS ref_columns
       FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_class r ON r.oid = con.confrelid
      WHERE con.contype = 'f' AND c.oid = ANY (?::regclass[]) AND r.oid = ANY (?::regclass[])
      ORDER BY c.relname, con.conname`, [tables.map(qualified), tables.map(qualified)]);
  const copied = new Set(tables);
  for (const key of keys.filter((k) => copied.has(k.table) && copied.has(k.ref_table))) {
    const list = (columns: string[]) => columns.map(quoteIdentifier).join(', ');
    await trx.raw(`ALTER TABLE pg_temp.${quoteIdentifier(key.table)} ADD CONSTRAINT ${quoteIdentifier(key.name)}
      FOREIGN KEY (${list(key.columns)}) REFERENCES pg_temp.${quoteIdentifier(key.ref_table)} (${list(key.ref_columns)})
      ${key.deferrable ? `DEFERRABLE INITIALLY ${key.deferred ? 'DEFERRED' : 'IMMEDIATE'}` : ''}`);
  }
}

/**
 * Loads a drafted dataset once, for real but out of sight, to prove that the draft loads and
 * not only that its rows fit their JSON Schema: every row of `profile` is copied into temporary
 * copies of the tables (their NOT NULLs, CHECKs, unique keys, indexes and the foreign keys
 * between them), in a transaction that is always rolled back. The real tables are only read
 * (their rows are copied for definitions that keep `x-existing-rows`): no lock beyond
 * ACCESS SHARE, no row, sequence or catalog change survives. A failure names the table, the
 * row's key and the constraint, as a load would.
 *
 * @example
 * const trial = await trialLoadDraft({ knex, schema: 'public', definitions, profile });
 * if (!trial.ok) console.error(trial.table, trial.error.message);
 */
export async function trialLoadDraft(options: TrialLoadDraftOptions): Promise<TrialLoadOutcome> {
  const { knex, definitions, profile } = options;
  const plan = buildPlan({ definitions, profile });
  const tables = definitions.tables.map((d) => d.table);
  const keepRows = new Set(definitions.tables.filter((d) => d.existingRows.length > 0).map((d) => d.table));
  try {
    await knex.transaction(async (trx) => {
      const others = options.otherSchemas ?? new Map<string, string>();
      const schemas = [...new Set([options.schema, ...others.values()])];
      await trx.raw(`SET LOCAL search_path TO ${schemas.map(quoteIdentifier).join(', ')}`);
      await shadowTables(trx, (table) => others.get(table) ?? options.schema, tables, keepRows);
      const client = await transactionConnection(trx);
      const loaded = await loadTables({
        client, tables: plan.tables, fingerprint: new Fingerprint(plan.generatorVersion), deferConstraints: false, strict: true,
      });
      await trx.raw('SET CONSTRAINTS ALL IMMEDIATE');
      throw new RollBack(loaded.rows);
    });
  } catch (error) {
    if (error instanceof RollBack) return { ok: true, rows: error.rows };
    return { ok: false, table: (error as { table?: string }).table, error: error as Error };
  }
  throw new Error('trialLoadDraft: the transaction was committed');
}
