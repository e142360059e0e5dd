import { quoteLiteral } from '../db/sql';
import { isTenantScoped, referencedTables } from '../definitions';
import type { DefinitionSet, TableDefinition } from '../definitions';
import { ident } from './types';

/**
 * The tenant of a row as SQL text, for every tenant-scoped table: its tenant column, or for a
 * chain table (`x-tenant-via`) the tenant of the row its chain column points at, followed up to
 * a tenant column (a polymorphic link by its discriminator). Read as the application role, a
 * parent the policies hide gives NULL: the row belongs to no tenant it may see.
 *
 * @example
 * rowTenantSql(definitions, chatMessages, 'c'); // (SELECT p1."tenant_id"::text FROM "agent_sessions" p1 WHERE p1."id" = c."session_id")
 */
export function rowTenantSql(definitions: Pick<DefinitionSet, 'byName'>, table: TableDefinition, alias: string, depth = 0): string {
  if (table.tenantColumn) return `${alias}.${ident(table.tenantColumn)}::text`;
  if (!table.tenantVia || depth > definitions.byName.size) return 'NULL::text';
  const column = table.columns.find((c) => c.name === table.tenantVia)!;
  const next = `p${depth + 1}`;
  const through = (parentName: string) => {
    const parent = definitions.byName.get(parentName)!;
    return `(SELECT ${rowTenantSql(definitions, parent, next, depth + 1)} FROM ${ident(parent.table)} ${next} WHERE ${next}.${ident(parent.idColumn)} = ${alias}.${ident(column.name)})`;
  };
  if (column.ref) return through(column.ref.table);
  const poly = column.refOneOf!;
  const cases = Object.entries(poly.targets).map(([value, target]) => `WHEN ${quoteLiteral(value)} THEN ${through(target)}`);
  return `(CASE ${alias}.${ident(poly.discriminator)}::text ${cases.join(' ')} END)`;
}

/** The tenant-scoped tables that take their tenant through a chain. */
export function chainScoped(definitions: Pick<DefinitionSet, 'tables'>): TableDefinition[] {
  return definitions.tables.filter((t) => !t.tenantColumn && isTenantScoped(t));
}

/**
 * The references that the tenant-consistency check follows through chains: every reference
 * (x-ref, or one target of an x-ref-one-of) between tenant-scoped tables where either side is a
 * chain table or the reference is polymorphic. The chain column itself is left out (it defines
 * the row's tenant).
 */
export function chainReferences(definitions: Pick<DefinitionSet, 'tables' | 'byName'>): Array<{ table: TableDefinition; column: string; parent: TableDefinition; discriminator?: { column: string; value: string } }> {
  const out: Array<{ table: TableDefinition; column: string; parent: TableDefinition; discriminator?: { column: string; value: string } }> = [];
  for (const table of definitions.tables) {
    if (!isTenantScoped(table)) continue;
    for (const column of table.columns) {
      if (column.name === table.tenantVia) continue;
      const parents = referencedTables(column).map((p) => definitions.byName.get(p)!).filter((p) => isTenantScoped(p));
      for (const parent of parents) {
        if (column.refOneOf) {
          for (const [value, target] of Object.entries(column.refOneOf.targets)) {
            if (target === parent.table) out.push({ table, column: column.name, parent, discriminator: { column: column.refOneOf.discriminator, value } });
          }
        } else if (!table.tenantColumn || !parent.tenantColumn) out.push({ table, column: column.name, parent });
      }
    }
  }
  return out;
}
