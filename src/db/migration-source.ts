import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { createJiti } from 'jiti';
import { MigrationError } from '../errors';

/** A migration module: what every file of a migrations folder exports. */
export interface MigrationModule {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
  config?: { transaction?: boolean };
}

/** Source files first: where a compiled file stands beside its source, the source runs. */
const EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];
const MIGRATION_FILE = /^[^._].*\.(ts|mts|cts|js|mjs|cjs)$/;

function baseName(file: string): string {
  return file.replace(/\.(ts|mts|cts|js|mjs|cjs)$/, '');
}

/**
 * The migrations of a folder, TypeScript or JavaScript, run as they are: no build step.
 * TypeScript is compiled by jiti (chosen because it is small, has no native or platform
 * packages, is maintained by the unjs team and used by Nuxt, Tailwind and ESLint to load user
 * config files, and loads a file without installing a global require hook, which a library
 * must not do). Compiled files are kept in jiti's file cache (`{TMP_DIR}/jiti`), each checked
 * against a hash of its source when read, so an edited migration is compiled again: a CLI run
 * that loads the shipped migrations skips Babel (about 0.3 s of its 2.7 s). Migrations are named without their extension, so `x.ts` and a
 * compiled `x.js` are the same migration to Knex's bookkeeping; when both exist, the source
 * runs and the compiled file is ignored, so a stale build can never run.
 *
 * @example
 * knex.migrate.latest({ migrationSource: new DirectoryMigrationSource('/app/db/migrations') });
 */
export class DirectoryMigrationSource implements Knex.MigrationSource<string> {
  private readonly jiti = createJiti(__filename, { moduleCache: false, interopDefault: true });

  constructor(private readonly directory: string) {}

  async getMigrations(): Promise<string[]> {
    if (!fs.existsSync(this.directory) || !fs.statSync(this.directory).isDirectory()) {
      throw new MigrationError(`The migrations folder ${this.directory} does not exist`, {
        hint: 'Create it, or correct "migrations" in tenantseed.config.json.',
      });
    }
    const byName = new Map<string, string>();
    const files = fs.readdirSync(this.directory).filter((f) => MIGRATION_FILE.test(f) && !/\.d\.[cm]?ts$/.test(f));
    for (const file of files.sort((a, b) => EXTENSIONS.indexOf(path.extname(a)) - EXTENSIONS.indexOf(path.extname(b)))) {
      if (!byName.has(baseName(file))) byName.set(baseName(file), file);
    }
    return [...byName.keys()].sort().map((name) => byName.get(name)!);
  }

  getMigrationName(file: string): string {
    return baseName(file);
  }

  async getMigration(file: string): Promise<Knex.Migration> {
    const full = path.join(this.directory, file);
    let loaded: Partial<MigrationModule>;
    try {
      loaded = await this.jiti.import<Partial<MigrationModule>>(full);
    } catch (err) {
      throw new MigrationError(`The migration ${full} could not be loaded: ${(err as Error).message}`, {
        hint: 'Fix the error in that file (it is compiled as it is, without your tsconfig paths).',
        migration: baseName(file),
        cause: err,
      });
    }
    if (typeof loaded.up !== 'function' || typeof loaded.down !== 'function') {
      throw new MigrationError(`The migration ${full} does not export the functions up and down`, {
        hint: 'Export `async function up(knex)` and `async function down(knex)` from it.',
        migration: baseName(file),
      });
    }
    return loaded as Knex.Migration;
  }
}
