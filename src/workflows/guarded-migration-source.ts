import type { Knex } from 'knex';

/**
 * A migration source whose down migrations first pass a guard: once per run, before the first
 * `down` (inside its transaction, if it has one), so that a refusal changes nothing. The
 * migrations themselves, their names and their order are the inner source's. `up` is not
 * guarded: applying migrations destroys nothing.
 *
 * @example
 * const source = new GuardedMigrationSource(new DirectoryMigrationSource(dir), (knex) => assertMayMigrateDown({ knex, ... }));
 */
export class GuardedMigrationSource<T> implements Knex.MigrationSource<T> {
  private decision?: Promise<unknown>;

  constructor(
    private readonly inner: Knex.MigrationSource<T>,
    private readonly guard: (knex: Knex) => Promise<unknown>,
  ) {}

  getMigrations(loadExtensions: readonly string[]): Promise<T[]> {
    return this.inner.getMigrations(loadExtensions);
  }

  getMigrationName(migration: T): string {
    return this.inner.getMigrationName(migration);
  }

  async getMigration(migration: T): Promise<Knex.Migration> {
    const loaded = await this.inner.getMigration(migration);
    const down = loaded.down;
    if (!down) return loaded;
    return {
      ...loaded,
      down: async (knex: Knex) => {
        this.decision ??= this.guard(knex);
        await this.decision;
        return down(knex);
      },
    };
  }
}
