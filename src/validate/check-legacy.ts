import { WITHOUT_TENANT_COUNT } from '../db';
import type { CheckContext, CheckResult, Finding } from './types';
import { ident } from './types';
import { tenantTables } from './check-schema';

/**
 * `legacy-absorption`: the tenancy migration's ledger (tenantseed.legacy_absorption: table,
 * tenant, rows absorbed) matches the rows the default tenant holds in each legacy table; the
 * default tenant exists as the definitions describe it (flagged); no row lacks a tenant.
 */
export async function checkLegacyAbsorption(ctx: CheckContext): Promise<CheckResult> {
  const { knex } = ctx;
  const ledgerExists = (await knex.raw(`SELECT to_regclass('tenantseed.legacy_absorption') AS t`)).rows[0].t;
  if (!ledgerExists && !ctx.definitions.tables.some((t) => t.legacy)) {
    return { name: 'legacy-absorption', ok: true, details: { summary: 'no legacy tables: the definitions mark none "x-legacy", and the database has no absorption ledger', findings: [] } };
  }
  if (!ledgerExists) {
    return { name: 'legacy-absorption', ok: true, skipped: 'no absorption ledger (tenantseed.legacy_absorption)', details: { summary: 'skipped: the database has no ledger', findings: [] } };
  }
  const findings: Finding[] = [];
  const ledger = (await knex.raw('SELECT table_name, tenant_id::text AS tenant, rows_absorbed FROM tenantseed.legacy_absorption ORDER BY 1')).rows as Array<{ table_name: string; tenant: string; rows_absorbed: number }>;
  const root = ctx.definitions.tenantRoot;
  for (const entry of ledger) {
    const definition = ctx.definitions.byName.get(entry.table_name);
    const tenantColumn = definition?.tenantColumn;
    if (!tenantColumn) {
      findings.push({ table: entry.table_name, message: 'the ledger names a table that no definition scopes by tenant' });
      continue;
    }
    const held = (await knex.raw(`SELECT count(*) AS n FROM ${ident(entry.table_name)} WHERE ${ident(tenantColumn)}::text = ?`, [entry.tenant])).rows[0].n as number;
    if (held !== entry.rows_absorbed) {
      findings.push({ table: entry.table_name, tenant: entry.tenant, message: 'the default tenant\'s rows differ from the rows the ledger says were absorbed', expected: Number(entry.rows_absorbed), actual: Number(held) });
    }
  }
  if (root) {
    const id = root.idColumn;
    for (const tenant of new Set(ledger.map((l) => l.tenant))) {
      const row = (await knex.raw(`SELECT * FROM ${ident(root.table)} WHERE ${ident(id)}::text = ?`, [tenant])).rows[0];
      if (!row) {
        findings.push({ table: root.table, tenant, message: 'the default tenant of the ledger does not exist' });
        continue;
      }
      const described = root.existingRows.find((r) => String(r[id]) === tenant);
      // Compared in PostgreSQL, the recorded value cast to the column's type: a timestamp recorded as its text equals its Date.
      const types = new Map(((await knex.raw(`SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
        WHERE attrelid = ?::regclass AND attnum > 0 AND NOT attisdropped`, [ident(root.table)])).rows as Array<{ name: string; type: string }>).map((c) => [c.name, c.type]));
      for (const [column, value] of Object.entries(described ?? {})) {
        const same = types.has(column) && (await knex.raw(`SELECT ${ident(column)} IS NOT DISTINCT FROM (?::jsonb->>0)::${types.get(column)} AS same
          FROM ${ident(root.table)} WHERE ${ident(id)}::text = ?`, [JSON.stringify([value]), tenant])).rows[0].same === true;
        if (!same) findings.push({ table: root.table, tenant, message: `the default tenant has ${column} = ${JSON.stringify(row[column])}, not ${JSON.stringify(value)}` });
      }
    }
  }
  for (const { table, tenantColumn } of await tenantTables(ctx)) {
    const missing = Number((await knex.raw(`SELECT count(*) AS n FROM ${ident(table)} WHERE ${ident(tenantColumn)} IS NULL`)).rows[0].n);
    // Rows with no tenant on purpose (the profile's withoutTenant, recorded by the seed) are no
    // legacy row left behind; the isolation check proves that no tenant sees them.
    const declared = ctx.manifest?.counts[table]?.[WITHOUT_TENANT_COUNT] ?? 0;
    if (missing > declared) findings.push({ table, message: declared ? 'rows without a tenant, besides those the profile declares (withoutTenant)' : 'rows without a tenant', expected: declared, actual: missing });
  }
  return {
    name: 'legacy-absorption',
    ok: findings.length === 0,
    details: {
      tables: ledger.map((l) => l.table_name),
      ledger: ledger.map((l) => ({ table: l.table_name, tenant: l.tenant, rows: Number(l.rows_absorbed) })),
      summary: findings.length === 0
        ? `${ledger.reduce((s, l) => s + Number(l.rows_absorbed), 0)} legacy rows in ${ledger.length} tables belong to the default tenant, as the ledger records; every row has a tenant`
        : `${findings.length} problem(s) with absorbed legacy data`,
      findings,
      hint: findings.length ? 'Legacy rows were lost, moved or added after absorption; compare with a backup taken before the tenancy migration.' : undefined,
    },
  };
}
