import { tableExists, WITHOUT_TENANT_COUNT } from '../db';
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
  for (const [table, expected] of Object.entries(manifest.counts)) {
    const definition = ctx.definitions.byName.get(table);
    const exists = await tableExists(knex, table);
    if (!exists) {
      findings.push({ table, message: 'the table is missing' });
      continue;
    }
    const tenantColumn = definition?.tenantColumn;
    if (tenantColumn && !('*' in expected)) {
      const actual = new Map<string, number>(
        (await knex.raw(`SELECT coalesce(${ident(tenantColumn)}::text, ?) AS tenant, count(*) AS n FROM ${ident(table)} GROUP BY 1`, [WITHOUT_TENANT_COUNT])).rows.map((r: { tenant: string; n: number }) => [r.tenant, Number(r.n)]),
      );
      const withoutTenant = actual.get(WITHOUT_TENANT_COUNT) ?? 0;
      if (!(WITHOUT_TENANT_COUNT in expected) && withoutTenant > 0) {
        compared++;
        findings.push({ table, tenant: WITHOUT_TENANT_COUNT, message: `${withoutTenant} row(s) have no tenant (${tenantColumn} is NULL), and the manifest records none: the profile declares no "withoutTenant" rows of ${table}`, expected: 0, actual: withoutTenant });
      }
      for (const [tenant, n] of Object.entries(expected)) {
        compared++;
        const got = actual.get(tenant) ?? 0;
        if (got !== n) findings.push({ table, tenant, message: 'rows differ from the manifest', expected: n, actual: got });
      }
    } else {
      compared++;
      // A chain table (x-tenant-via) is counted per tenant by the loader and compared in all here
      // (tenant-consistency checks that each row sits in its parent's tenant).
      const seeded = '*' in expected ? expected['*'] : Object.values(expected).reduce((a, b) => a + b, 0);
      const n = seeded + (definition?.existingRows.length ?? 0);
      const got = (await knex.raw(`SELECT count(*) AS n FROM ${ident(table)}`)).rows[0].n as number;
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
