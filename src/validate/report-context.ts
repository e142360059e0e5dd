import type { Knex } from 'knex';
import { readEnvironmentStamp, readLatestManifest, tableExists } from '../db';
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
  for (const definition of definitions.tables) {
    if (!(await tableExists(knex, definition.table))) continue;
    const t = ident(definition.table);
    if (definition.tenantColumn) {
      const groups = (await knex.raw(`SELECT ${ident(definition.tenantColumn)}::text AS tenant, count(*)::int AS n FROM ${t} GROUP BY 1`)).rows as Array<{ tenant: string; n: number }>;
      tables.push({ table: definition.table, rows: groups.reduce((sum, g) => sum + g.n, 0) });
      // Rows with no tenant on purpose (a NULL tenant: platform admins) count in no tenant's rows.
      for (const g of groups) if (g.tenant !== null) perTenant.set(g.tenant, (perTenant.get(g.tenant) ?? 0) + g.n);
    } else {
      tables.push({ table: definition.table, rows: (await knex.raw(`SELECT count(*)::int AS n FROM ${t}`)).rows[0].n as number });
    }
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
