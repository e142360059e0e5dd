import { quoteLiteral, readTables, WITHOUT_TENANT_COUNT } from '../db';
import { rowsPerTenant } from './rows-per-tenant';
import type { CheckContext, CheckResult, Finding } from './types';
import { ident } from './types';

/**
 * `row-counts`: rows per table and tenant equal the manifest of the last seed. A tenant table's
 * rows with no tenant on purpose (the profile's `withoutTenant`) are counted apart, under
 * WITHOUT_TENANT_COUNT: in no tenant's count, and any the manifest does not record are a finding.
 */
export async function checkRowCounts(ctx: CheckContext): Promise<CheckResult> {
  const { manifest, knex } = ctx;
  if (!manifest) {
    return { name: 'row-counts', ok: true, skipped: 'no manifest: tenantseed did not seed this database', details: { summary: 'skipped: nothing to compare with', findings: [] } };
  }
  const findings: Finding[] = [];
  let compared = 0;
  const entries = Object.entries(manifest.counts);
  const present = await readTables(knex, entries.map(([table]) => table));
  // Per tenant where the manifest counts per tenant, else whole: one count per table, batched.
  const perTenant = (table: string, expected: Record<string, number>) => {
    const tenantColumn = ctx.definitions.byName.get(table)?.tenantColumn;
    return tenantColumn && !('*' in expected) ? tenantColumn : undefined;
  };
  const actual = await rowsPerTenant(knex, entries.filter(([table]) => present.has(table)).map(([table, expected]) => {
    const column = perTenant(table, expected);
    // A NULL tenant (a row without a tenant on purpose) is counted under WITHOUT_TENANT_COUNT.
    return { table, tenantOf: column ? `coalesce(c.${ident(column)}::text, ${quoteLiteral(WITHOUT_TENANT_COUNT)})` : undefined };
  }));
  for (const [table, expected] of entries) {
    const definition = ctx.definitions.byName.get(table);
    if (!present.has(table)) {
      findings.push({ table, message: 'the table is missing' });
      continue;
    }
    const counted = actual.get(table)!;
    const tenantColumn = perTenant(table, expected);
    if (tenantColumn) {
      const withoutTenant = counted.get(WITHOUT_TENANT_COUNT) ?? 0;
      if (!(WITHOUT_TENANT_COUNT in expected) && withoutTenant > 0) {
        compared++;
        findings.push({ table, tenant: WITHOUT_TENANT_COUNT, message: `${withoutTenant} row(s) have no tenant (${tenantColumn} is NULL), and the manifest records none: the profile declares no "withoutTenant" rows of ${table}`, expected: 0, actual: withoutTenant });
      }
      for (const [tenant, n] of Object.entries(expected)) {
        compared++;
        const got = counted.get(tenant) ?? 0;
        if (got !== n) findings.push({ table, tenant, message: 'rows differ from the manifest', expected: n, actual: got });
      }
    } else {
      compared++;
      // A chain table (x-tenant-via) is counted per tenant by the loader and compared in all here
      // (tenant-consistency checks that each row sits in its parent's tenant).
      const seeded = '*' in expected ? expected['*'] : Object.values(expected).reduce((a, b) => a + b, 0);
      const n = seeded + (definition?.existingRows.length ?? 0);
      const got = counted.get(null) ?? 0;
      if (got !== n) findings.push({ table, message: `rows differ from the manifest (${seeded} seeded plus ${definition?.existingRows.length ?? 0} made by the migrations)`, expected: n, actual: got });
    }
  }
  return {
    name: 'row-counts',
    ok: findings.length === 0,
    details: {
      tables: Object.keys(manifest.counts),
      summary: findings.length === 0
        ? `${compared} table and tenant counts match the manifest of ${manifest.command} ${manifest.environment} (${manifest.fingerprint.slice(0, 19)}…)`
        : `${findings.length} of ${compared} counts differ from the manifest`,
      findings: findings.slice(0, 50),
      hint: findings.length ? 'Rows were added or removed since the last seed; `tenantseed reset` restores the dataset.' : undefined,
    },
  };
}
