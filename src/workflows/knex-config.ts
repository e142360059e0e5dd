import path from 'node:path';
import type { Knex } from 'knex';
import { describeDatabase, resolveDatabaseSource, resolveProjectConfig } from '../config';
import { createKnex, ensureBookkeeping, migratorConfig, startEmbeddedServer, withAdvisoryLock } from '../db';
import { UsageError } from '../errors';

/** Options of {@link knexConfig}. */
export interface KnexConfigOptions {
  /** A tenantseed.config.json; by default the one the CLI would find (TENANTSEED_CONFIG, else the nearest). */
  configFile?: string;
}

/**
 * Knex's configuration for a tenantseed project, so that Knex's own CLI (`npx knex
 * migrate:latest`, `migrate:status`, `seed:run`) works on the same database, migrations,
 * schemas and bookkeeping as `tenantseed`. The database is chosen as by every command:
 * DATABASE_URL, else the embedded server (started if it does not run, and left running).
 *
 * @example
 * // knexfile.js of a project
 * module.exports = require('tenantseed').knexConfig;
 */
export async function knexConfig(options: KnexConfigOptions = {}): Promise<Knex.Config> {
  const project = resolveProjectConfig({ configFile: options.configFile });
  if (!project.migrations) {
    throw new UsageError(`${project.file} names no "migrations": tenantseed does not own this schema, so Knex has nothing to migrate`, {
      hint: 'Add "migrations" to tenantseed.config.json.',
    });
  }
  const source = resolveDatabaseSource();
  const target = source.kind === 'url' ? source.target : (await startEmbeddedServer({ dataDir: source.dataDir })).target;
  process.stderr.write(`Database: ${describeDatabase(target)}${source.kind === 'embedded' ? ` (embedded server in ${source.dataDir}; stop it with \`npx tenantseed db stop\`)` : ''}\n`);
  // Knex keeps its tables in the tenantseed schema, which must exist before it looks there.
  const knex = createKnex(target);
  try {
    await withAdvisoryLock(knex, 'tenantseed:migrate', {}, () => ensureBookkeeping(knex));
  } finally {
    await knex.destroy();
  }
  // The seed entry point beside this module's sources or build: TENANTSEED_ENV=development npx knex seed:run
  const seeds = path.resolve(__dirname, '..', '..', 'seeds');
  return {
    client: 'pg',
    connection: { connectionString: target.url, application_name: 'knex cli' } as Knex.PgConnectionConfig,
    searchPath: [...project.schemas],
    pool: { min: 0, max: 4 },
    migrations: migratorConfig(project.migrations),
    seeds: { directory: seeds, loadExtensions: [path.extname(__filename)] },
  };
}
