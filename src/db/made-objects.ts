import { BOOKKEEPING_SCHEMA } from './bookkeeping';
import { listSchemaObjects, SchemaObject, tableContents } from './catalog';
import { queryRows, Queryable } from './sql';

/**
 * What the project's migrations made, recorded when they run through tenantseed (`migrate`,
 * `reset`): a diff of the catalog before and after. `ledger_id` is the highest id of Knex's
 * ledger at the time, so that migrations run later by another route (Knex's own CLI) are seen.
 */
// Functions, not constants: bookkeeping.ts imports this module (a cycle evaluated at call time).
const TABLE_NAME = () => `${BOOKKEEPING_SCHEMA}.made_objects`;
const LEDGER_NAME = () => `${BOOKKEEPING_SCHEMA}.knex_migrations`;

async function exists(q: Queryable, table: string): Promise<boolean> {
  return (await queryRows<{ t: string | null }>(q, 'SELECT to_regclass(?)::text AS t', [table]))[0].t !== null;
}

async function ledgerTop(q: Queryable): Promise<number> {
  if (!(await exists(q, LEDGER_NAME()))) return 0;
  return (await queryRows<{ n: number }>(q, `SELECT coalesce(max(id), 0)::int AS n FROM ${LEDGER_NAME()}`))[0].n;
}

const key = (o: SchemaObject) => `${o.kind} ${o.name}`;

/**
 * Creates tenantseed.made_objects if missing (ensureBookkeeping calls it, so that every database
 * tenantseed migrates has the same bookkeeping tables, recorded or not).
 */
export async function ensureMadeObjectsTable(q: Queryable): Promise<void> {
  await queryRows(q, `CREATE TABLE IF NOT EXISTS ${TABLE_NAME()} (
      kind text NOT NULL,
      name text NOT NULL,
      ledger_id integer NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (kind, name)
    )`);
}

/**
 * The objects of `schemas` now, to hand to {@link recordMadeObjects} after the migrations ran.
 *
 * @example
 * const before = await snapshotSchemaObjects(knex, ['public']);
 */
export async function snapshotSchemaObjects(q: Queryable, schemas: readonly string[]): Promise<ObjectSnapshot> {
  return { objects: await listSchemaObjects(q, schemas), ledgerTop: await ledgerTop(q) };
}

/** The objects of the schemas and the top of Knex's ledger, before migrations run. */
export interface ObjectSnapshot {
  readonly objects: readonly SchemaObject[];
  readonly ledgerTop: number;
}

/**
 * Records what migrations made between `before` and now: objects that appeared are added to
 * tenantseed.made_objects, objects that went (a down migration) are removed. The first record
 * of a database that Knex's ledger shows was migrated without one counts everything present as
 * made (there is no telling otherwise; see docs/your-schema.md).
 *
 * @example
 * const before = await snapshotSchemaObjects(knex, schemas);
 * await knex.migrate.latest(config);
 * await recordMadeObjects(knex, schemas, before);
 */
export async function recordMadeObjects(q: Queryable, schemas: readonly string[], snapshot: ObjectSnapshot): Promise<void> {
  const before = snapshot.objects;
  await ensureMadeObjectsTable(q);
  const firstRecord = (await queryRows(q, `SELECT 1 FROM ${TABLE_NAME()} LIMIT 1`)).length === 0;
  const after = await listSchemaObjects(q, schemas);
  const had = new Set(before.map(key));
  const now = new Set(after.map(key));
  const top = await ledgerTop(q);
  const made = firstRecord && snapshot.ledgerTop > 0 ? after : after.filter((o) => !had.has(key(o)));
  const gone = before.filter((o) => !now.has(key(o)));
  if (gone.length > 0) {
    await queryRows(q, `DELETE FROM ${TABLE_NAME()} WHERE (kind, name) IN (SELECT x->>0, x->>1 FROM jsonb_array_elements(?::jsonb) x)`,
      [JSON.stringify(gone.map((o) => [o.kind, o.name]))]);
  }
  await queryRows(q, `INSERT INTO ${TABLE_NAME()} (kind, name, ledger_id) SELECT x->>0, x->>1, ? FROM jsonb_array_elements(?::jsonb) x
      ON CONFLICT (kind, name) DO UPDATE SET ledger_id = EXCLUDED.ledger_id`, [top, JSON.stringify(made.map((o) => [o.kind, o.name]))]);
  // The record is as new as the ledger: later runs by another route are told apart by id.
  await queryRows(q, `UPDATE ${TABLE_NAME()} SET ledger_id = ?`, [top]);
}

/** An object in the project's schemas that neither the migrations nor tenantseed made. */
export interface ForeignObject {
  readonly kind: string;
  readonly name: string;
  /** Rows it holds (tables). */
  readonly rows?: number;
}

/** What {@link findForeignObjects} found: the foreign objects, and why some could not be told apart. */
export interface ForeignObjects {
  readonly objects: readonly ForeignObject[];
  /** Set when the record cannot tell (no record yet, or migrations ran outside tenantseed since). */
  readonly unrecorded?: string;
}

/**
 * The objects of `schemas` that the migrations did not make, by the record tenantseed.made_objects
 * holds. Without a record: a database whose Knex ledger shows migrations counts everything as
 * made (migrated before this record existed), one without a ledger counts everything as foreign
 * (no migration of ours ran there). When the ledger has migrations newer than the record (run
 * by Knex's own CLI), objects cannot be told apart and count as made; `unrecorded` says so.
 *
 * @example
 * (await findForeignObjects(trx, ['public'])).objects // [{ kind: 'TABLE', name: 'public.notes', rows: 500 }]
 */
export async function findForeignObjects(q: Queryable, schemas: readonly string[]): Promise<ForeignObjects> {
  const present = (await listSchemaObjects(q, schemas)).filter((o) => !o.name.startsWith(`${BOOKKEEPING_SCHEMA}.`));
  const top = await ledgerTop(q);
  const recorded = (await exists(q, TABLE_NAME()))
    ? await queryRows<{ kind: string; name: string; ledger_id: number }>(q, `SELECT kind, name, ledger_id FROM ${TABLE_NAME()}`)
    : [];
  if (recorded.length === 0) {
    if (top > 0) return { objects: [], unrecorded: 'this database was migrated before tenantseed recorded what migrations make, so every object in it counts as theirs' };
    return { objects: await withRows(q, schemas, present) };
  }
  const recordedTop = recorded.reduce((max, r) => Math.max(max, r.ledger_id), 0);
  if (top > recordedTop) return { objects: [], unrecorded: 'migrations ran outside tenantseed (Knex\'s own CLI) since it last recorded what they make, so every object counts as theirs' };
  const made = new Set(recorded.map((r) => `${r.kind} ${r.name}`));
  return { objects: await withRows(q, schemas, present.filter((o) => !made.has(key(o)))) };
}

async function withRows(q: Queryable, schemas: readonly string[], objects: readonly SchemaObject[]): Promise<ForeignObject[]> {
  if (objects.length === 0) return [];
  const counts = new Map((await tableContents(q, schemas)).map((c) => [c.table, c.rows]));
  return objects.map((o) => (counts.has(o.name) ? { ...o, rows: counts.get(o.name) } : { ...o }));
}

/** The foreign objects as a refusal or a notice lists them. */
export function describeForeignObjects(objects: readonly ForeignObject[]): string {
  const shown = objects.slice(0, 20).map((o) => `  ${o.kind.toLowerCase()} ${o.name}${o.rows !== undefined ? ` (${o.rows.toLocaleString('en-US')} rows)` : ''}`);
  if (objects.length > 20) shown.push(`  ... and ${objects.length - 20} more`);
  return shown.join('\n');
}
