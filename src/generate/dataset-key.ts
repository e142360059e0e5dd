import { createHash } from 'node:crypto';
import type { Plan } from './plan';

/**
 * A digest of everything a dataset is made from (generator version, seed, tenant count,
 * profile and definitions, not where their files are): equal keys mean the same rows, known
 * without making them. `seed` uses it to tell whether a database already holds this dataset.
 */
export function datasetKey(plan: Plan): string {
  const { file: _profileFile, ...profile } = plan.profile;
  const inputs = {
    generatorVersion: plan.generatorVersion,
    seed: plan.seed,
    tenants: plan.tenants.length,
    profile,
    definitions: plan.definitions.tables.map((t) => t.schema),
  };
  return `sha256:${createHash('sha256').update(JSON.stringify(inputs)).digest('hex')}`;
}
