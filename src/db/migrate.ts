import type { Knex } from 'knex';
import { shippedProjectConfig } from '../config';
import { MigrationError, TenantseedError } from '../errors';
import { withAdvisoryLock } from './advisory-lock';
import { DirectoryMigrationSource } from './migration-source';
import { BOOKKEEPING_SCHEMA, ensureBookkeeping } from './bookkeeping';
import { recordMadeObjects, snapshotSchemaObjects } from './made-objects';

/** What `tenantseed migrate` can do. */
export type MigrateAction = 'latest' | 'up' | 'down' | 'rollback-all' | 'status';

/** Knex's migrator settings for a migrations folder (a project's `migrations`; the shipped ones by default). */
export function migratorConfig(directory: string = shippedProjectConfig().migrations!): Knex.MigratorConfig {
  return {
    migrationSource: new DirectoryMigrationSource(directory),
    schemaName: BOOKKEEPING_SCHEMA,
    tableName: 'knex_migrations',
  };
}

/** Options of {@link migrate}. */
export interface MigrateOptions {
  knex: Knex;
  action: MigrateAction;
  /** The migrations folder (the project's `migrations`); the shipped one by default. */
  directory?: string;
  /** How long to wait for another migrate on the same database. Default 60 s. */
  lockWaitMs?: number;
  onLockWait?: (holder: string) => void;
  /**
   * Runs under the migrate lock before any migration: where a caller decides whether it may
   * go on (the CLI's destructive-operation rule for down and rollback). Throwing stops it.
   */
  beforeRun?: () => Promise<void>;
  /** Runs under the migrate lock after the migrations (distribution on a Citus coordinator). */
  afterRun?: (result: MigrateResult) => Promise<void>;
  /** Told what the run did besides migrating (a stale Knex lock row freed). */
  onNotice?: (message: string) => void;
  /**
   * The project's schemas: what the migrations make in them is recorded (tenantseed.made_objects),
   * so that reset later tells it from objects someone else added. Without it nothing is recorded.
   */
  schemas?: readonly string[];
}

/** What {@link migrate} did: the migrations it ran, and where the database stands now. */
export interface MigrateResult {
  readonly action: MigrateAction;
  /** The migrations applied (latest, up) or reverted (down, rollback-all), in order. */
  readonly ran: readonly string[];
  readonly applied: readonly string[];
  readonly pending: readonly string[];
}

/**
 * Frees Knex's lock row (`knex_migrations_lock.is_locked`) when a run that ended without
 * releasing it left it set: a run killed (SIGKILL, lost connection) while a batch with
 * `transaction: false` migrations ran, where Knex commits the row before the migrations and
 * clears it after. Called under the migrate advisory lock, so no other tenantseed run is
 * migrating; a run of Knex's own CLI (which takes only the row) is recognised by a session on
 * this database, other than ours, that is running a statement or sits in a transaction, and its
 * row is left alone (Knex then says the table is locked).
 */
async function freeStaleKnexLock(knex: Knex, config: Knex.MigratorConfig): Promise<boolean> {
  const table = `${BOOKKEEPING_SCHEMA}.${config.tableName}_lock`;
  const locked = async () => (await knex.raw(`SELECT count(*)::int AS n FROM ${table} WHERE is_locked = 1`)).rows[0].n > 0;
  if (!(await locked())) return false;
  const busy = async () => (await knex.raw(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
        AND application_name <> current_setting('application_name') AND state IS DISTINCT FROM 'idle'`,
  )).rows[0].n > 0;
  // Two looks a moment apart: a Knex run between two migrations is idle only briefly.
  if (await busy()) return false;
  await new Promise((resolve) => setTimeout(resolve, 300));
  if (await busy()) return false;
  const freed = await knex.raw(`UPDATE ${table} SET is_locked = 0 WHERE is_locked = 1`);
  return (freed.rowCount ?? 0) > 0;
}

function nameOf(entry: unknown): string {
  const e = entry as { name?: string; file?: string };
  const name = typeof entry === 'string' ? entry : e.name ?? e.file ?? String(entry);
  return name.replace(/\.(ts|js)$/, '');
}

/**
 * Runs Knex's migrator while holding an advisory lock, so that two runs at once on one
 * database apply each migration once (Knex's own lock row cannot stop two first runs from
 * both creating its tables). A failed migration is rolled back by Knex and reported as a
 * MigrationError; nothing is half-applied.
 *
 * @example
 * const result = await migrate({ knex, action: 'latest', directory: project.migrations! });
 * console.log(result.ran); // ['20260101000000_legacy_baseline', ...]
 */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const { knex, action } = options;
  const config = migratorConfig(options.directory);
  return withAdvisoryLock(knex, 'tenantseed:migrate', { waitMs: options.lockWaitMs, onWait: options.onLockWait }, async () => {
    await ensureBookkeeping(knex);
    if (action !== 'status' && (await knex.schema.withSchema(BOOKKEEPING_SCHEMA).hasTable(`${config.tableName}_lock`)) && (await freeStaleKnexLock(knex, config))) {
      options.onNotice?.('Freed Knex\'s migration lock row, left set by a run that ended without releasing it (killed, or its connection lost); no other migration runs on this database.');
    }
    await options.beforeRun?.();
    // What was applied before, to say what a failing run left (a corrupt folder fails in the run below).
    const applied = async () => ((await knex.migrate.list(config)) as [unknown[], unknown[]])[0].map(nameOf);
    const before = new Set(action === 'status' ? [] : await applied().catch(() => [] as string[]));
    let ran: string[] = [];
    const schemas = action === 'status' ? undefined : options.schemas;
    const snapshot = schemas && (await snapshotSchemaObjects(knex, schemas));
    try {
      switch (action) {
        case 'latest':
          ran = ((await knex.migrate.latest(config))[1] as unknown[]).map(nameOf);
          break;
        case 'up':
          ran = ((await knex.migrate.up(config))[1] as unknown[]).map(nameOf);
          break;
        case 'down':
          ran = ((await knex.migrate.down(config))[1] as unknown[]).map(nameOf);
          break;
        case 'rollback-all':
          ran = ((await knex.migrate.rollback(config, true))[1] as unknown[]).map(nameOf);
          break;
        case 'status':
          break;
      }
    } catch (err) {
      // Migrations outside a transaction that completed before the failure stay applied: record them.
      if (schemas && snapshot) await recordMadeObjects(knex, schemas, snapshot).catch(() => undefined);
      if (err instanceof TenantseedError) throw err;
      const message = err instanceof Error ? err.message : String(err);
      // A batch with a `transaction: false` migration runs each migration on its own: those
      // that completed before the failure stay applied (as with Knex's own CLI).
      const after = await applied().catch(() => [...before]);
      const changed = action === 'down' || action === 'rollback-all'
        ? [...before].filter((name) => !after.includes(name))
        : after.filter((name) => !before.has(name));
      throw new MigrationError(`Migration ${action} failed${changed.length === 0 ? ' and was rolled back' : ''}: ${message}`, {
        hint: changed.length === 0
          ? 'Fix the cause above and run the migration again; the database is as it was before this run.'
          : `The failing migration was rolled back (or, outside a transaction, stopped where it failed); ${changed.length} migration(s) of this run completed before it and stay ${action === 'latest' || action === 'up' ? 'applied' : 'reverted'}: ${changed.join(', ')}. Fix the cause and run it again.`,
        cause: err,
      });
    }
    if (schemas && snapshot) await recordMadeObjects(knex, schemas, snapshot);
    const [completed, pending] = (await knex.migrate.list(config)) as [unknown[], unknown[]];
    const result = { action, ran, applied: completed.map(nameOf), pending: pending.map(nameOf) };
    await options.afterRun?.(result);
    return result;
  });
}
