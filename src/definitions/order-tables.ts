import { DefinitionError } from '../errors';
import type { TableDefinition } from './types';
import { referencedTables } from './tenant-chain';

interface Edge {
  child: TableDefinition;
  parent: string;
  /** The referencing column; undefined for the implicit edge to the tenant table. */
  column?: string;
  nullable: boolean;
}

/**
 * Orders tables parents first (each table after the tables it references, tenant tables after
 * the tenant table), keeping the files' order where the references allow. A reference cycle is
 * broken at a nullable column, whose values are then generated as NULL; a cycle with no
 * nullable column is a DefinitionError naming the tables.
 */
export function orderTables(
  tables: readonly TableDefinition[],
  byName: ReadonlyMap<string, TableDefinition>,
): { order: TableDefinition[]; cycleBreaks: Array<{ table: string; column: string }> } {
  const root = tables.find((t) => t.tenantRoot);
  let edges: Edge[] = [];
  for (const table of tables) {
    if (table.tenantColumn && root) edges.push({ child: table, parent: root.table, nullable: false });
    for (const column of table.columns) {
      for (const parent of referencedTables(column)) {
        if (byName.has(parent)) edges.push({ child: table, parent, column: column.name, nullable: column.nullable });
      }
    }
    // A foreign key over several columns: its rows copy parent rows, so the parent comes first.
    for (const fk of table.foreignKeys) {
      if (byName.has(fk.table) && fk.table !== table.table) edges.push({ child: table, parent: fk.table, nullable: false });
    }
  }
  const order: TableDefinition[] = [];
  const placed = new Set<string>();
  const cycleBreaks: Array<{ table: string; column: string }> = [];
  while (order.length < tables.length) {
    const ready = tables.find(
      (t) => !placed.has(t.table) && edges.every((e) => e.child !== t || placed.has(e.parent)),
    );
    if (ready) {
      order.push(ready);
      placed.add(ready.table);
      continue;
    }
    const blocked = edges.filter((e) => !placed.has(e.child.table) && !placed.has(e.parent));
    const breakable = blocked.find((e) => e.nullable && e.column);
    if (!breakable) {
      const cycle = findCycle(blocked);
      const first = byName.get(cycle[0])!;
      throw new DefinitionError(`${first.file}: the references ${cycle.join(' -> ')} form a cycle that no nullable column can break`, {
        file: first.file,
        hint: 'Make one of the referencing columns nullable ("type": ["string", "null"]) or remove a reference.',
      });
    }
    cycleBreaks.push({ table: breakable.child.table, column: breakable.column! });
    edges = edges.filter((e) => e !== breakable);
  }
  return { order, cycleBreaks };
}

/** One cycle among the blocked edges, as table names (child -> parent -> ... -> child). */
function findCycle(edges: readonly Edge[]): string[] {
  const path: string[] = [];
  let current = edges[0].child.table;
  while (!path.includes(current)) {
    path.push(current);
    const next = edges.find((e) => e.child.table === current);
    if (!next) break;
    current = next.parent;
  }
  const cycle = path.slice(path.indexOf(current));
  return [...cycle, current];
}
