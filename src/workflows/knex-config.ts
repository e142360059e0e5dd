import path from 'node:path';
import type { Knex } from 'knex';
import { assertEnvironmentName, describeDatabase, ProjectConfig, resolveDatabaseSource, resolveProjectConfig } from '../config';
import { createKnex, ensureBookkeeping, migratorConfig, startEmbeddedServer, withAdvisoryLock } from '../db';
import { SafetyError, UsageError } from '../errors';
import { GuardedMigrationSource } from './guarded-migration-source';
import { assertMayMigrateDown, definitionsIfAny, isProtectedEnvironment } from './migrate-project';

/** The variable that names the environment for Knex's own CLI (seed:run, and the rule for down migrations). */
export const ENVIRONMENT_VARIABLE = 'TENANTSEED_ENV' as const;

/**
 * The one rule for destructive operations, for down migrations run by Knex's own CLI
 * (`migrate:rollback`, `migrate:down`), which has no `--env` or `--yes`: the environment is
 * TENANTSEED_ENV, and a database that the rule would have to confirm is refused, pointing at
 * `tenantseed migrate`, which can confirm.
 */
async function guardKnexDown(knex: Knex, project: ProjectConfig): Promise<void> {
  const named = process.env[ENVIRONMENT_VARIABLE];
  const environment = named ? assertEnvironmentName(named, ENVIRONMENT_VARIABLE) : undefined;
  const command = 'run down migrations through Knex\'s CLI';
  const env = environment ?? 'ENV';
  try {
    await assertMayMigrateDown({
      knex, project, command, environment, environmentFlag: ENVIRONMENT_VARIABLE,
      protected: environment === undefined || isProtectedEnvironment(project, environment),
      definitions: definitionsIfAny(project),
      wayOut: `name the unprotected environment the database is stamped with (${ENVIRONMENT_VARIABLE}=${env} npx knex migrate:rollback), or run \`npx tenantseed migrate down --env ${env}\` (or \`rollback --all\`), which asks you to confirm or takes --yes`,
    });
  } catch (err) {
    // Knex's CLI prints an error's message, not its hint: the hint goes into the message.
    if (err instanceof SafetyError && err.hint) throw new SafetyError(`${err.message}\n${err.hint}`, { hint: err.hint, cause: err });
    throw err;
  }
}

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
 * Down migrations (`migrate:rollback`, `migrate:down`) pass the one rule for destructive
 * operations first, with TENANTSEED_ENV as the environment: on a database with rows, they go
 * on only if it is stamped with that (unprotected) environment, and never on production.
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
  // Down migrations destroy data: they pass the one rule first, as with `tenantseed migrate`.
  const migrations = migratorConfig(project.migrations);
  return {
    client: 'pg',
    connection: { connectionString: target.url, application_name: 'knex cli' } as Knex.PgConnectionConfig,
    searchPath: [...project.schemas],
    pool: { min: 0, max: 4 },
    migrations: { ...migrations, migrationSource: new GuardedMigrationSource(migrations.migrationSource!, (knex) => guardKnexDown(knex, project)) },
    seeds: { directory: seeds, loadExtensions: [path.extname(__filename)] },
  };
}
