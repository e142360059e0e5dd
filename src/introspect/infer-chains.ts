import type { SnapshotTable } from '../db';
import type { Finding } from './infer-tenancy';

/**
 * Chain tables: tables without a tenant column whose foreign key leads, in one hop or several,
 * to a table with one (chat_messages -> agent_sessions(workspace_id)). A one-column NOT NULL
 * key becomes the table's `x-tenant-via`, and the table is seeded in its parent's tenant; a
 * chain only through nullable or composite keys is reported and seeded with no rows. Adds every
 * chain table to `chainTables` and returns the via columns.
 */
export function inferChains(
  tables: readonly SnapshotTable[], root: string, tenantColumns: ReadonlyMap<string, string>, chainTables: Set<string>, findings: Finding[],
): Map<string, string> {
  const via = new Map<string, string>();
  const scoped = (name: string) => tenantColumns.has(name) || via.has(name);
  let grew = true;
  while (grew) {
    grew = false;
    for (const t of tables) {
      if (t.name === root || tenantColumns.has(t.name) || via.has(t.name)) continue;
      const keys = t.constraints.filter((c) => c.kind === 'foreign' && c.refTable !== root && (scoped(c.refTable!) || chainTables.has(c.refTable!)));
      const usable = keys.find((c) => c.columns.length === 1 && scoped(c.refTable!) && t.columns.find((x) => x.name === c.columns[0])?.notNull);
      if (usable) {
        via.set(t.name, usable.columns[0]);
        chainTables.add(t.name);
        grew = true;
        const policed = t.rlsEnabled && t.policies.length > 0;
        findings.push({
          level: policed ? 'inferred' : 'warning', table: t.name,
          message: `${t.name} has no tenant column: its rows take the tenant of the ${usable.refTable} row ${usable.columns[0]} points at ("x-tenant-via": "${usable.columns[0]}")${policed ? '' : `. It has ${t.rlsEnabled ? 'no policy' : 'no row-level security'}, so the application role reads every tenant's rows: a policy that checks the parent (EXISTS (SELECT 1 FROM ${usable.refTable} p WHERE p.id = ${usable.columns[0]})) would close it`}`,
        });
      } else if (keys.length > 0 && !chainTables.has(t.name)) {
        chainTables.add(t.name);
        grew = true;
        findings.push({
          level: 'warning', table: t.name,
          message: `${t.name} references ${keys[0].refTable} (${keys[0].columns.join(', ')}) but has no tenant column, and no NOT NULL one-column reference to take its tenant through: its definition gets 0 rows. Make the reference NOT NULL (then "x-tenant-via"), or add a tenant column, to seed it`,
        });
      }
    }
  }
  return via;
}
