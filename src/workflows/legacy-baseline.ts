import type { Knex } from 'knex';
import { readTable } from '../db';
import { TenantseedError } from '../errors';
import type { Plan } from '../generate';

/**
 * Whether every legacy table exists in its pre-tenancy shape (no tenant column yet): where
 * legacy rows must be loaded so that the tenancy migration absorbs them. Knows no migration by
 * name. Throws when a legacy table got its tenant column before it existed without one, and,
 * with `mustExist`, when a legacy table does not exist (the migrations never create it).
 */
export async function legacyBaselineReached(q: Knex | Knex.Transaction, plan: Plan, options: { mustExist?: boolean } = {}): Promise<boolean> {
  for (const table of plan.legacyTables) {
    const catalog = await readTable(q, table.name);
    if (!catalog) {
      if (!options.mustExist) return false;
      throw new TenantseedError(`The migrations never create the legacy tables ${plan.legacyTables.map((t) => t.name).join(', ')}`, {
        hint: 'Remove "x-legacy" from their definitions, or add the baseline migration that creates them.',
      });
    }
    if (catalog.columns.some((c) => c.name === table.definition.tenantColumn)) {
      throw new TenantseedError(`The migrations give ${table.name} its tenant column before ${table.name} exists without one`, {
        hint: 'A table marked "x-legacy" must be created by a migration that runs before the one adding its tenant column.',
      });
    }
  }
  return true;
}
