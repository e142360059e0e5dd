import { createHash } from 'node:crypto';
import { DATA_SOURCES } from './generator-version';
import type { Plan } from './plan';

/** JSON with every object's keys sorted: the same value gives the same text, whatever the key order of its source. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * A digest of everything a dataset is made from (generator version, data sources, seed,
 * tenant count, profile and definitions, not where their files are), canonical: the key order
 * of JSON objects changes nothing. Equal keys mean the same rows, known without making them.
 * `seed` uses it to tell whether a database already holds this dataset.
 *
 * @example
 * datasetKey(plan) // 'sha256:...'
 */
export function datasetKey(plan: Plan): string {
  const { file: _profileFile, ...profile } = plan.profile;
  const inputs = {
    generatorVersion: plan.generatorVersion,
    dataSources: DATA_SOURCES,
    seed: plan.seed,
    tenants: plan.tenants.length,
    profile,
    definitions: plan.definitions.tables.map((t) => t.schema),
  };
  return `sha256:${createHash('sha256').update(canonicalJson(inputs)).digest('hex')}`;
}
