/**
 * The Knex seed entry point: `TENANTSEED_ENV=development npx knex seed:run` loads the same
 * dataset as `npx tenantseed seed --env development`. The environment must be named: there is
 * no default.
 */
import type { Knex } from 'knex';
import { assertEnvironmentName, seedEnvironment, UsageError } from '../src';

export async function seed(knex: Knex): Promise<void> {
  const env = process.env.TENANTSEED_ENV;
  if (!env) {
    throw new UsageError('TENANTSEED_ENV is not set', { hint: 'Name the environment: TENANTSEED_ENV=development npx knex seed:run' });
  }
  assertEnvironmentName(env, 'TENANTSEED_ENV');
  const outcome = await seedEnvironment({ knex, env, logger: { info: console.error, warn: console.error, error: console.error } });
  console.error(outcome.status === 'seeded'
    ? `tenantseed: seeded ${outcome.manifest.rows} rows of ${outcome.manifest.tenants} tenants (${env}), ${outcome.manifest.fingerprint}`
    : `tenantseed: the database already holds the ${env} dataset; nothing to do`);
}
