import type { Knex } from 'knex';
import { shippedProjectConfig } from '../config';
import { MigrationError, TenantseedError } from '../errors';
import { withAdvisoryLock } from './advisory-lock';
import { DirectoryMigrationSource } from './migration-source';
import { BOOKKEEPING_SCHEMA, ensureBookkeeping } from './bookkeeping';

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
}

/** What {@link migrate} did: the migrations it ran, and where the database stands now. */
export interface MigrateResult {
  readonly action: MigrateAction;
  /** The migrations applied (latest, up) or reverted (down, rollback-all), in order. */
  readonly ran: readonly string[];
  readonly applied: readonly string[];
  readonly pending: readonly string[];
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
    await options.beforeRun?.();
    let ran: string[] = [];
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
      if (err instanceof TenantseedError) throw err;
      const message = err instanceof Error ? err.message : String(err);
      throw new MigrationError(`Migration ${action} failed and was rolled back: ${message}`, {
        hint: 'Fix the cause above and run the migration again; the database is as it was before this run.',
        cause: err,
      });
    }
    const [completed, pending] = (await knex.migrate.list(config)) as [unknown[], unknown[]];
    const result = { action, ran, applied: completed.map(nameOf), pending: pending.map(nameOf) };
    await options.afterRun?.(result);
    return result;
  });
}
