import { DefinitionError } from '../errors';
import type { CompositeReference, SchemaNode, TableDefinition } from './types';

function fail(file: string, pointer: string, message: string, hint: string): never {
  throw new DefinitionError(`${file} at ${pointer}: ${message}`, { file, pointer, hint });
}

/** `x-foreign-keys` as written (tenant pairs kept until the parents are known). */
export function readCompositeReferences(raw: SchemaNode): CompositeReference[] {
  const list = (raw['x-foreign-keys'] as Array<{ columns: string[]; table: string; references: string[] }> | undefined) ?? [];
  return list.map((fk) => ({ columns: [...fk.columns], table: fk.table, references: [...fk.references] }));
}

/**
 * Checks each `x-foreign-keys` entry against its parent and drops the tenant pair: the columns
 * exist on both sides and pair one to one; the child's tenant column, when listed, is paired
 * with the parent's (a row copies a parent row of its own tenant); no other column of the key
 * also has an `x-ref` (one column, one way to draw it) or sits in two such keys.
 */
export function resolveCompositeReferences(tables: readonly TableDefinition[], byName: ReadonlyMap<string, TableDefinition>): void {
  for (const table of tables) {
    const claimed = new Map<string, number>();
    const resolved = table.foreignKeys.map((fk, k) => {
      const at = `/x-foreign-keys/${k}`;
      const parent = byName.get(fk.table);
      if (!parent) fail(table.file, `${at}/table`, `table ${table.table} references ${fk.table}, which has no definition`, `Add a definition with "x-table": "${fk.table}" or remove the foreign key.`);
      if (parent.table === table.table) fail(table.file, `${at}/table`, `${table.table} references itself through several columns`, 'tenantseed copies rows of a parent made before: reference another table, or leave the key to the database.');
      if (fk.columns.length !== fk.references.length) {
        fail(table.file, `${at}/references`, `${fk.columns.length} columns reference ${fk.references.length} columns of ${fk.table}`, 'List one referenced column for each column, in the same order.');
      }
      const columns: string[] = [];
      const references: string[] = [];
      fk.columns.forEach((column, i) => {
        const referenced = fk.references[i];
        const own = table.columns.find((c) => c.name === column);
        if (!own) fail(table.file, `${at}/columns/${i}`, `"${column}" is not a column of this table`, `Add it to "properties" or name one of: ${table.columns.map((c) => c.name).join(', ')}.`);
        if (!parent.columns.some((c) => c.name === referenced)) {
          fail(table.file, `${at}/references/${i}`, `"${referenced}" is not a column of ${parent.table}`, `Name one of: ${parent.columns.map((c) => c.name).join(', ')}.`);
        }
        if (column === table.tenantColumn) {
          if (referenced !== parent.tenantColumn) {
            fail(table.file, `${at}/references/${i}`, `the tenant column ${column} must reference ${parent.table}'s tenant column${parent.tenantColumn ? ` ${parent.tenantColumn}` : ' (it has none)'}`, 'A row copies a parent row of its own tenant: pair the tenant columns, or leave the tenant column out.');
          }
          return;
        }
        if (own.ref) fail(table.file, `${at}/columns/${i}`, `${column} has an x-ref too`, `Remove x-ref from ${column}: the foreign key draws it.`);
        if (claimed.has(column)) fail(table.file, `${at}/columns/${i}`, `${column} is in x-foreign-keys/${claimed.get(column)} too`, 'Keep each column in one foreign key.');
        claimed.set(column, k);
        columns.push(column);
        references.push(referenced);
      });
      if (columns.length === 0) fail(table.file, `${at}/columns`, 'the foreign key holds only the tenant column', 'Reference the tenant through x-tenant-column.');
      return { columns, table: fk.table, references };
    });
    (table as { foreignKeys: readonly CompositeReference[] }).foreignKeys = resolved;
  }
}
