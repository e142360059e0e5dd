import type { DefinitionSet, Profile } from '../definitions';

/** Above this many rows, a command asks for `--allow-large` before it builds a plan. */
export const LARGE_PLAN_ROWS = 50_000_000;

/** Bytes a plan keeps per tenant (its id, key, hash and scale object) while it runs: an estimate, on the high side. */
export const PLAN_BYTES_PER_TENANT = 400;

/**
 * The rows a plan of `tenants` tenants (default: the profile's) would make, and the memory its
 * tenant list needs, computed from the profile alone, before any plan exists (a plan of 100
 * million tenants would not fit in memory to count its rows).
 *
 * @example
 * estimatePlan(definitions, profile, 100_000_000).rows // about 5e9
 */
export function estimatePlan(definitions: DefinitionSet, profile: Profile, tenants?: number): { tenants: number; rows: number; planBytes: number } {
  const total = tenants ?? profile.namedTenants.length + profile.generatedTenants;
  const meanScale = profile.sizes.reduce((sum, s) => sum + s.share * s.scale, 0);
  let rows = 0;
  for (const definition of definitions.tables) {
    const base = profile.counts[definition.table] ?? definition.count.default;
    if (definition.tenantRoot) rows += total;
    else if (definition.tenantColumn || definition.tenantVia) rows += total * base * (definition.count.scale ? meanScale : 1);
    else rows += base;
  }
  for (const n of Object.values(profile.legacy)) rows += n;
  for (const w of Object.values(profile.withoutTenant)) rows += w.count;
  return { tenants: total, rows: Math.round(rows), planBytes: total * PLAN_BYTES_PER_TENANT };
}
