import type { Knex } from 'knex';
import { assertEnvironmentName, Logger, ProjectConfig, resolveProjectConfig } from '../config';
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
  /** The project; by default the one the working folder's tenantseed.config.json names (else the shipped one). */
  project?: ProjectConfig;
  yes?: boolean;
  logger?: Logger;
}

/**
 * Seeds an environment's dataset with the project's definitions and profiles: what
 * `tenantseed seed` does, for code such as a Knex seed file.
 *
 * @example
 * await seedEnvironment({ knex, env: 'development' });
 */
export async function seedEnvironment(options: SeedEnvironmentOptions): Promise<SeedOutcome> {
  const env = assertEnvironmentName(options.env);
  refuseProduction('seed', env);
  const project = options.project ?? resolveProjectConfig();
  const definitions = loadDefinitions(project.definitions);
  const profile = loadProfile(project.environments, env);
  const plan = buildPlan({ definitions, profile, seed: options.seed, tenants: options.tenants });
  return seedDatabase({ knex: options.knex, plan, project, yes: options.yes, logger: options.logger });
}
