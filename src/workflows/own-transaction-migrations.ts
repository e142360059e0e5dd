import type { Knex } from 'knex';
import { BOOKKEEPING_SCHEMA, ensureBookkeeping, migratorConfig } from '../db';
import { MigrationError, TenantseedError } from '../errors';

/** Options of {@link runOwnTransactionMigrations}. */
export interface OwnTransactionMigrationsOptions {
  /** The migrations folder (the project's `migrations`). */
  directory: string;
  /**
   * Asked before each pending migration: true stops the run there (the rest stay pending, for a
   * later call). Where reset stops at the legacy baseline to load legacy rows.
   */
  stopBefore?: () => Promise<boolean>;
  /** Told the number of migrations applied so far and in all, after each one. */
  onMigrated?: (done: number, total: number) => void;
}

/** What {@link runOwnTransactionMigrations} did. */
export interface OwnTransactionMigrationsResult {
  readonly ran: readonly string[];
  readonly pending: readonly string[];
}

/**
 * Applies the pending migrations as Knex's CLI does when a batch holds a `transaction: false`
 * migration: each one in a transaction of its own (with its row in knex_migrations), or in
 * none when it declares `config.transaction === false` (CREATE INDEX CONCURRENTLY cannot run
 * in a transaction block). No transaction ever holds the locks of more than one migration, so
 * a project of a thousand migrations runs with PostgreSQL's default max_locks_per_transaction.
 * The bookkeeping is Knex's own (batch, name, time in `tenantseed.knex_migrations`): `migrate
 * status` and Knex's CLI see the result as theirs. Not all-or-nothing by itself: reset runs it
 * in a scratch database that replaces the target only once complete.
 *
 * @example
 * await runOwnTransactionMigrations(knex, { directory: project.migrations });
 */
export async function runOwnTransactionMigrations(knex: Knex, options: OwnTransactionMigrationsOptions): Promise<OwnTransactionMigrationsResult> {
  const config = migratorConfig(options.directory);
  await ensureBookkeeping(knex);
  // Makes Knex's tables (knex_migrations, knex_migrations_lock) as Knex makes them, and reads what ran.
  const [completedEntries] = (await knex.migrate.list(config)) as [Array<{ name: string } | string>, unknown[]];
  const completed = new Set(completedEntries.map((e) => (typeof e === 'string' ? e : e.name)));
  const source = config.migrationSource!;
  const all = await source.getMigrations([]);
  const pending = all.filter((m) => !completed.has(source.getMigrationName(m)));
  const batch = Number((await knex.raw(`SELECT coalesce(max(batch), 0) + 1 AS batch FROM ${BOOKKEEPING_SCHEMA}.knex_migrations`)).rows[0].batch);
  const record = (q: Knex | Knex.Transaction, name: string) =>
    q.raw(`INSERT INTO ${BOOKKEEPING_SCHEMA}.knex_migrations (name, batch, migration_time) VALUES (?, ?, now())`, [name, batch]);
  const ran: string[] = [];
  for (const [index, migration] of pending.entries()) {
    if (options.stopBefore && (await options.stopBefore())) break;
    const name = source.getMigrationName(migration);
    const loaded = await source.getMigration(migration);
    try {
      if ((loaded as { config?: { transaction?: boolean } }).config?.transaction === false) {
        await loaded.up(knex);
        await record(knex, name);
      } else {
        await knex.transaction(async (trx) => {
          await loaded.up(trx);
          await record(trx, name);
        });
      }
    } catch (err) {
      if (err instanceof TenantseedError) throw err;
      throw new MigrationError(`The migration ${name} failed: ${(err as Error).message}`, {
        hint: `Fix ${name} (in ${options.directory}) and run the command again.`,
        migration: name,
        cause: err,
      });
    }
    ran.push(name);
    options.onMigrated?.(index + 1, pending.length);
  }
  return { ran, pending: pending.slice(ran.length).map((m) => source.getMigrationName(m)) };
}
