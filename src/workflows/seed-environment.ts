import path from 'node:path';
import type { Knex } from 'knex';
import { assertEnvironmentName, Logger, shippedDefinitionsDir, shippedEnvironmentsDir } from '../config';
import { loadDefinitions, loadProfile } from '../definitions';
import { buildPlan } from '../generate';
import { refuseProduction } from './safety';
import { seedDatabase, SeedOutcome } from './seed-database';

/** Options of {@link seedEnvironment}. */
export interface SeedEnvironmentOptions {
  knex: Knex;
  env: string;
  seed?: number;
  tenants?: number;
  definitions?: string;
  environments?: string;
  yes?: boolean;
  logger?: Logger;
}

/**
 * Seeds an environment's dataset with the shipped (or given) definitions and profiles: what
 * `tenantseed seed` does, for code such as a Knex seed file.
 *
 * @example
 * await seedEnvironment({ knex, env: 'development' });
 */
export async function seedEnvironment(options: SeedEnvironmentOptions): Promise<SeedOutcome> {
  const env = assertEnvironmentName(options.env);
  refuseProduction('seed', env);
  const definitions = loadDefinitions(path.resolve(options.definitions ?? shippedDefinitionsDir()));
  const profile = loadProfile(path.resolve(options.environments ?? shippedEnvironmentsDir()), env);
  const plan = buildPlan({ definitions, profile, seed: options.seed, tenants: options.tenants });
  return seedDatabase({ knex: options.knex, plan, yes: options.yes, logger: options.logger });
}
