import { DefinitionError } from '../errors';
import type { ColumnDefinition, DefinitionSet, SchemaNode, TableDefinition } from './types';

/**
 * Chains and polymorphic references: a table that takes its tenant through a reference
 * (`x-tenant-via`), and a column that references one of several tables chosen by a
 * discriminator column (`x-ref-one-of`).
 */

function fail(file: string, pointer: string, message: string, hint: string): never {
  throw new DefinitionError(`${file} at ${pointer}: ${message}`, { file, pointer, hint });
}

/** `x-ref-one-of` as written in a column's schema, or undefined. */
export function parseRefOneOf(schema: SchemaNode): ColumnDefinition['refOneOf'] {
  const value = schema['x-ref-one-of'] as { discriminator: string; targets: Record<string, string> } | undefined;
  return value ? { discriminator: value.discriminator, targets: { ...value.targets } } : undefined;
}

/** The tables a column references: its `x-ref`'s, or every target of its `x-ref-one-of`. */
export function referencedTables(column: ColumnDefinition): string[] {
  if (column.ref) return [column.ref.table];
  if (column.refOneOf) return [...new Set(Object.values(column.refOneOf.targets))];
  return [];
}

/** Whether a table's rows belong to tenants: through a tenant column, or through a chain. */
export function isTenantScoped(table: TableDefinition): boolean {
  return Boolean(table.tenantColumn || table.tenantVia);
}

/** One step of a chain: the rows of `table` take their tenant from the row `column` points at in one of `parents`. */
export interface ChainHop {
  readonly table: string;
  readonly column: string;
  readonly parents: readonly string[];
  /** For a polymorphic reference: the discriminator column and the value that selects each parent. */
  readonly discriminator?: { readonly column: string; readonly values: Readonly<Record<string, string>> };
}

/**
 * How a table takes its tenant: [] for a table with a tenant column (or the tenant table), the
 * hops from it up to tables with tenant columns for a chain table (chat_messages ->
 * agent_sessions -> a tenant table: two hops when agent_sessions is itself a chain table),
 * undefined for a table shared by all tenants. The hops are breadth first: every hop of a
 * polymorphic reference before the hops above its parents.
 *
 * @example
 * tenantChain(definitions, 'message_attachments'); // [{table: 'message_attachments', column: 'message_id', parents: ['chat_messages']}, {table: 'chat_messages', ...}]
 */
export function tenantChain(definitions: Pick<DefinitionSet, 'byName'>, table: string): ChainHop[] | undefined {
  const start = definitions.byName.get(table);
  if (!start || !isTenantScoped(start)) return undefined;
  const hops: ChainHop[] = [];
  const seen = new Set<string>();
  const queue = [start];
  while (queue.length > 0) {
    const current = queue.shift()!;
    if (!current.tenantVia || seen.has(current.table)) continue;
    seen.add(current.table);
    const column = current.columns.find((c) => c.name === current.tenantVia)!;
    const parents = referencedTables(column);
    hops.push({
      table: current.table, column: column.name, parents,
      discriminator: column.refOneOf ? { column: column.refOneOf.discriminator, values: column.refOneOf.targets } : undefined,
    });
    for (const parent of parents) queue.push(definitions.byName.get(parent)!);
  }
  return hops;
}

/** The tables whose rows belong to a tenant only through a chain (`x-tenant-via`). */
export function chainTables(definitions: Pick<DefinitionSet, 'tables'>): TableDefinition[] {
  return definitions.tables.filter((t) => t.tenantVia !== undefined);
}

/**
 * Checks `x-ref-one-of` and `x-tenant-via` once every definition is read: the discriminator is
 * a column with an enum whose every value names a defined target; the chain's column
 * references tables that are themselves tenant-scoped, and the chain ends at tenant columns.
 */
export function checkChains(tables: readonly TableDefinition[], byName: ReadonlyMap<string, TableDefinition>): void {
  for (const table of tables) {
    for (const column of table.columns) {
      const poly = column.refOneOf;
      if (!poly) continue;
      const pointer = `/properties/${column.name}/x-ref-one-of`;
      if (column.ref) fail(table.file, pointer, `${column.name} has both x-ref and x-ref-one-of`, 'Keep one of them.');
      const discriminator = table.columns.find((c) => c.name === poly.discriminator);
      if (!discriminator) fail(table.file, `${pointer}/discriminator`, `"${poly.discriminator}" is not a column of ${table.table}`, `Name one of: ${table.columns.map((c) => c.name).join(', ')}.`);
      const values = (discriminator.schema.enum as unknown[] | undefined)?.filter((v) => v !== null);
      if (!values || values.length === 0) {
        fail(table.file, `${pointer}/discriminator`, `the discriminator ${poly.discriminator} needs an "enum" of the values that choose a table`, `Give ${poly.discriminator} "enum": ${JSON.stringify(Object.keys(poly.targets))}.`);
      }
      for (const value of values) {
        if (typeof value !== 'string' || poly.targets[value] === undefined) {
          fail(table.file, `${pointer}/targets`, `the discriminator value ${JSON.stringify(value)} names no target table`, 'Give every value of the discriminator\'s enum a table in "targets" (or drop the value from the enum).');
        }
      }
      for (const [value, target] of Object.entries(poly.targets)) {
        const parent = byName.get(target);
        if (!parent) fail(table.file, `${pointer}/targets/${value}`, `table ${target} has no definition`, `Add a definition with "x-table": "${target}".`);
        if (parent.tenantRoot) fail(table.file, `${pointer}/targets/${value}`, `a polymorphic reference cannot point at the tenant table ${target}`, 'Reference the tenant through x-tenant-column.');
        if (isTenantScoped(parent) && !isTenantScoped(table)) {
          fail(table.file, `${pointer}/targets/${value}`, `${table.table} has no tenant, so it cannot reference the tenant table ${target}`, `Give ${table.table} an x-tenant-column or "x-tenant-via": "${column.name}".`);
        }
      }
    }
    if (table.tenantVia === undefined) continue;
    if (table.tenantColumn || table.tenantRoot) fail(table.file, '/x-tenant-via', `${table.table} has ${table.tenantRoot ? 'x-tenant-root' : 'a tenant column'}; x-tenant-via is for tables without one`, 'Remove x-tenant-via.');
    const column = table.columns.find((c) => c.name === table.tenantVia);
    if (!column) fail(table.file, '/x-tenant-via', `"${table.tenantVia}" is not a column of ${table.table}`, `Name one of: ${table.columns.map((c) => c.name).join(', ')}.`);
    if (column.nullable) fail(table.file, '/x-tenant-via', `${column.name} is nullable: a row with no parent would have no tenant`, `Make ${column.name} not null ("type" without "null").`);
    const parents = referencedTables(column);
    if (parents.length === 0) fail(table.file, '/x-tenant-via', `${column.name} references no table`, 'Name a column with x-ref or x-ref-one-of.');
    for (const parent of parents) {
      const definition = byName.get(parent);
      if (definition && !isTenantScoped(definition)) {
        fail(table.file, '/x-tenant-via', `${column.name} references ${parent}, which belongs to no tenant`, `Give ${parent} an x-tenant-column or an x-tenant-via of its own.`);
      }
    }
  }
  // A chain must end at tenant columns, not loop.
  for (const table of tables) {
    const path: string[] = [];
    let current: TableDefinition | undefined = table;
    while (current?.tenantVia) {
      if (path.includes(current.table)) fail(table.file, '/x-tenant-via', `the chain ${[...path, current.table].join(' -> ')} never reaches a tenant column`, 'End the chain at a table with x-tenant-column.');
      path.push(current.table);
      const column: ColumnDefinition = current.columns.find((c) => c.name === current!.tenantVia)!;
      current = byName.get(referencedTables(column)[0]);
    }
  }
}
