/**
 * Knex configuration, so that Knex's own CLI works on the same database and migrations as
 * `tenantseed` (`npx knex migrate:latest`, `npx knex migrate:status`, ...).
 *
 * The database is chosen as by every tenantseed command: DATABASE_URL, else the embedded
 * server in .tenantseed/ (started if it is not running, and left running: stop it with
 * `npx tenantseed db stop`).
 */
import path from 'node:path';
import type { Knex } from 'knex';
import {
  createKnex, describeDatabase, ensureBookkeeping, migratorConfig, resolveDatabaseSource, startEmbeddedServer, withAdvisoryLock,
} from './src';

export default async function knexConfig(): Promise<Knex.Config> {
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
  return {
    client: 'pg',
    connection: { connectionString: target.url, application_name: 'knex cli' } as Knex.PgConnectionConfig,
    pool: { min: 0, max: 4 },
    migrations: migratorConfig(),
    // The seed entry point: TENANTSEED_ENV=development npx knex seed:run
    seeds: { directory: path.join(__dirname, 'seeds'), loadExtensions: [path.extname(__filename)] },
  };
}
