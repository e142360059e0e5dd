import type { Knex } from 'knex';
import { readEnvironmentStamp, readLatestManifest, readTables, tableExists } from '../db';
import { rowsPerTenant } from './rows-per-tenant';
import type { DefinitionSet } from '../definitions';
import type { ReportContext } from './types';
import { ident } from './types';

/** What a report says about the database besides the checks (see {@link ReportContext}). */
export interface DescribeDatabaseOptions {
  /** The database as it may be printed (host, port, name, user; never a password). */
  database: string;
  /** `--env`. */
  environment: string;
  /** When the report was made (the CLI's clock; the library has none). */
  now: Date;
}

/**
 * Collects what a report shows beside the checks: the stamp, the last seed's fingerprint, rows
 * per table and rows per tenant (named by the tenant table's natural key). Reads as the caller
 * validates (past row-level security).
 */
export async function collectReportContext(knex: Knex, definitions: DefinitionSet, options: DescribeDatabaseOptions): Promise<ReportContext> {
  const stamp = await readEnvironmentStamp(knex);
  const manifest = await readLatestManifest(knex);
  const tables: Array<{ table: string; rows: number }> = [];
  const perTenant = new Map<string, number>();
  const present = await readTables(knex, definitions.tables.map((d) => d.table));
  const counted = definitions.tables.filter((d) => present.has(d.table));
  const counts = await rowsPerTenant(knex, counted.map((d) => ({ table: d.table, tenantOf: d.tenantColumn ? `c.${ident(d.tenantColumn)}::text` : undefined })));
  for (const definition of counted) {
    const groups = [...counts.get(definition.table)!.entries()];
    tables.push({ table: definition.table, rows: groups.reduce((sum, [, n]) => sum + n, 0) });
    // Rows with no tenant on purpose (a NULL tenant: platform admins) count in no tenant's rows.
    if (definition.tenantColumn) for (const [tenant, n] of groups) if (tenant !== null) perTenant.set(tenant, (perTenant.get(tenant) ?? 0) + n);
  }
  const root = definitions.tenantRoot;
  const names = new Map<string, string>();
  if (root && (await tableExists(knex, root.table))) {
    const id = root.idColumn;
    const natural = root.naturalKey ?? id;
    for (const r of (await knex.raw(`SELECT ${ident(id)}::text AS id, ${ident(natural)}::text AS name FROM ${ident(root.table)}`)).rows as Array<{ id: string; name: string }>) names.set(r.id, r.name);
  }
  const tenants = [...perTenant.entries()]
    .map(([id, rows]) => ({ id, name: names.get(id) ?? id, rows }))
    .sort((a, b) => b.rows - a.rows || (a.name < b.name ? -1 : 1));
  return {
    generatedAt: options.now.toISOString(),
    database: options.database,
    environment: options.environment,
    stamp: stamp ? { environment: stamp.environment, stampedBy: stamp.stampedBy, stampedAt: stamp.stampedAt.toISOString() } : undefined,
    fingerprint: manifest?.fingerprint,
    seed: manifest?.seed,
    generatorVersion: manifest?.generatorVersion,
    tables,
    tenants,
  };
}
