import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { MigrationError } from '../errors';

/** The shipped migrations: `migrations/` beside `src/` (or `dist/migrations` when built). */
export const MIGRATIONS_DIRECTORY = path.resolve(__dirname, '..', '..', 'migrations');

const MIGRATION_FILE = /^\d{14}_[a-z0-9_]+\.(ts|js)$/;

/** A migration module: what every file in migrations/ exports. */
export interface MigrationModule {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
  config?: { transaction?: boolean };
}

/**
 * Lists the migrations of a folder and names them without their extension, so that the
 * TypeScript sources (`npx knex`, tests) and the compiled JavaScript (`tenantseed`) are the
 * same migrations to Knex's bookkeeping.
 *
 * @example
 * knex.migrate.latest({ migrationSource: new DirectoryMigrationSource(MIGRATIONS_DIRECTORY) });
 */
export class DirectoryMigrationSource implements Knex.MigrationSource<string> {
  constructor(private readonly directory: string = MIGRATIONS_DIRECTORY) {}

  async getMigrations(): Promise<string[]> {
    if (!fs.existsSync(this.directory)) {
      throw new MigrationError(`The migrations folder ${this.directory} does not exist`, {
        hint: 'Reinstall tenantseed (npm ci builds dist/), or point at a folder of migrations.',
      });
    }
    return fs.readdirSync(this.directory).filter((file) => MIGRATION_FILE.test(file)).sort();
  }

  getMigrationName(file: string): string {
    return file.replace(/\.(ts|js)$/, '');
  }

  async getMigration(file: string): Promise<Knex.Migration> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(path.join(this.directory, file)) as MigrationModule;
  }
}
