import fs from 'node:fs';
import path from 'node:path';
import { DefinitionError } from '../errors';
import { bestError, createAjv, describeAjvError } from './ajv';
import { DEFINITION_META_SCHEMA } from './meta-schema';
import { readJsonFile } from './read-json-file';
import { orderTables } from './order-tables';
import { checkGeneratorKeywords } from './generator-keywords';
import type { ColumnDefinition, DefinitionSet, SchemaNode, TableDefinition } from './types';

function fail(file: string, pointer: string, message: string, hint: string): never {
  throw new DefinitionError(`${file}${pointer ? ` at ${pointer}` : ''}: ${message}`, { file, pointer, hint });
}

function isNullable(schema: SchemaNode): boolean {
  const type = schema.type;
  return type === 'null' || (Array.isArray(type) && type.includes('null'));
}

function isJson(schema: SchemaNode): boolean {
  const type = schema.type;
  const types = Array.isArray(type) ? type : [type];
  return types.includes('object') || types.includes('array');
}

function normaliseColumn(file: string, name: string, schema: SchemaNode): ColumnDefinition {
  const pointer = `/properties/${name}`;
  checkGeneratorKeywords(file, pointer, schema);
  const nullable = isNullable(schema);
  const nullProbability = (schema['x-null-probability'] as number | undefined) ?? 0;
  if (nullProbability > 0 && !nullable) {
    fail(file, `${pointer}/x-null-probability`, `column ${name} is not nullable`, 'Add "null" to its type (for example "type": ["string", "null"]) or remove x-null-probability.');
  }
  const weights = schema['x-weights'] as number[] | undefined;
  const values = schema.enum as unknown[] | undefined;
  if (weights && (!values || values.length !== weights.length)) {
    fail(file, `${pointer}/x-weights`, `x-weights has ${weights.length} weights for ${values?.length ?? 0} enum values`, 'Give one weight per value of "enum", in the same order.');
  }
  const ref = schema['x-ref'] as string | undefined;
  const [refTable, refColumn] = ref ? ref.split('.') : [];
  const generator = schema['x-generate'] as { password?: { plaintextField?: string } } | undefined;
  return {
    name,
    schema,
    nullable,
    ref: ref ? { table: refTable, column: refColumn } : undefined,
    unique: schema['x-unique'] as ColumnDefinition['unique'],
    collide: schema['x-collide'] === true,
    nullProbability,
    json: isJson(schema),
    plaintextField: generator && typeof generator === 'object' && generator.password ? generator.password.plaintextField ?? 'password' : undefined,
  };
}

function checkRowKeys(file: string, keyword: string, rows: readonly Record<string, unknown>[], columns: Set<string>, extra: Set<string>): void {
  rows.forEach((row, i) => {
    for (const key of Object.keys(row)) {
      if (!columns.has(key) && !extra.has(key)) {
        fail(file, `/${keyword}/${i}/${key}`, `"${key}" is not a column of this table`, `Use one of: ${[...columns].join(', ')}.`);
      }
    }
  });
}

/** Fields a row may carry that are not columns: the plaintext a password generator hashes. */
function plaintextFields(columns: readonly ColumnDefinition[]): Set<string> {
  return new Set(columns.flatMap((c) => (c.plaintextField ? [c.plaintextField] : [])));
}

function normaliseTable(file: string, raw: SchemaNode): TableDefinition {
  const properties = raw.properties as Record<string, SchemaNode>;
  const columns = Object.entries(properties).map(([name, schema]) => normaliseColumn(file, name, schema));
  const names = new Set(columns.map((c) => c.name));
  const need = (keyword: string, column: string | undefined) => {
    if (column !== undefined && !names.has(column)) {
      fail(file, `/${keyword}`, `"${column}" is not a column of this table`, `Add it to "properties" or name one of: ${[...names].join(', ')}.`);
    }
  };
  const primaryKey = raw['x-primary-key'] as string[];
  primaryKey.forEach((column, i) => need(`x-primary-key/${i}`, column));
  const uniqueKeys = (raw['x-unique-keys'] as string[][] | undefined) ?? [];
  uniqueKeys.forEach((key, k) => key.forEach((column, i) => need(`x-unique-keys/${k}/${i}`, column)));
  const tenantColumn = raw['x-tenant-column'] as string | undefined;
  need('x-tenant-column', tenantColumn);
  const naturalKey = raw['x-natural-key'] as string | undefined;
  need('x-natural-key', naturalKey);
  const tenantRoot = raw['x-tenant-root'] === true;
  if (tenantRoot && tenantColumn) {
    fail(file, '/x-tenant-column', 'the tenant table itself has no tenant column', 'Remove x-tenant-column from the table marked x-tenant-root.');
  }
  if (tenantColumn && primaryKey[0] !== tenantColumn) {
    fail(file, '/x-primary-key', `the primary key must start with the tenant column ${tenantColumn}`, `Write "x-primary-key": ["${tenantColumn}", ...].`);
  }
  const legacy = raw['x-legacy'] === true;
  if (legacy && !tenantColumn) {
    fail(file, '/x-legacy', 'only a tenant table can have legacy rows (they are the rows that predate its tenant column)', 'Add x-tenant-column or remove x-legacy.');
  }
  const existingRows = (raw['x-existing-rows'] as Record<string, unknown>[] | undefined) ?? [];
  const fixedRows = (raw['x-fixed-rows'] as Record<string, unknown>[] | undefined) ?? [];
  const extra = plaintextFields(columns);
  checkRowKeys(file, 'x-existing-rows', existingRows, names, new Set());
  checkRowKeys(file, 'x-fixed-rows', fixedRows, names, extra);
  const count = raw['x-count'] as { default: number; scale?: boolean } | undefined;
  return {
    file,
    table: raw['x-table'] as string,
    schema: raw,
    columns,
    primaryKey,
    uniqueKeys,
    tenantRoot,
    tenantColumn,
    naturalKey,
    count: { default: count?.default ?? 0, scale: count?.scale ?? true },
    legacy,
    existingRows,
    fixedRows,
  };
}

/** The column a reference may point at: the parent's own id (last primary key column). */
export function referenceableColumn(parent: TableDefinition): string {
  return parent.primaryKey[parent.primaryKey.length - 1];
}

function checkReferences(tables: readonly TableDefinition[], byName: ReadonlyMap<string, TableDefinition>, tenantRoot?: TableDefinition): void {
  for (const table of tables) {
    if (table.tenantColumn && !tenantRoot) {
      fail(table.file, '/x-tenant-column', `table ${table.table} is scoped by tenant, but no definition is marked "x-tenant-root": true`, 'Add a definition for the tenants table with "x-tenant-root": true.');
    }
    for (const column of table.columns) {
      if (!column.ref) continue;
      const pointer = `/properties/${column.name}/x-ref`;
      const parent = byName.get(column.ref.table);
      if (!parent) {
        fail(table.file, pointer, `table ${table.table} references ${column.ref.table}, which has no definition`, `Add a definition with "x-table": "${column.ref.table}" or remove the reference.`);
      }
      if (!parent.columns.some((c) => c.name === column.ref!.column)) {
        fail(table.file, pointer, `column ${column.ref.table}.${column.ref.column} does not exist`, `Name a column of ${column.ref.table}: ${parent.columns.map((c) => c.name).join(', ')}.`);
      }
      if (column.ref.column !== referenceableColumn(parent)) {
        fail(table.file, pointer, `a reference must point at ${parent.table}'s id column ${referenceableColumn(parent)}, not ${column.ref.column}`, `Write "x-ref": "${parent.table}.${referenceableColumn(parent)}".`);
      }
      if (parent.tenantColumn && !table.tenantColumn) {
        fail(table.file, pointer, `${table.table} has no tenant, so it cannot reference the tenant table ${parent.table}`, 'Reference a table without tenants, or give this table an x-tenant-column.');
      }
      if (parent.tenantRoot) {
        fail(table.file, pointer, `reference the tenant through x-tenant-column, not x-ref to ${parent.table}`, `Remove x-ref from ${column.name} and set "x-tenant-column": "${column.name}".`);
      }
    }
  }
}

/**
 * Loads every `*.json` definition of a folder: parses it, checks it against the meta-schema
 * and as a JSON Schema (ajv, strict), normalises it, checks references across tables and
 * orders the tables parents first. Any problem is a DefinitionError naming the file and the
 * JSON pointer, thrown before any row is made.
 *
 * @example
 * const definitions = loadDefinitions('seeds/definitions');
 * definitions.tables.map((t) => t.table); // ['tenants', 'templates', 'users', ...]
 */
export function loadDefinitions(directory: string): DefinitionSet {
  if (!fs.existsSync(directory) || !fs.statSync(directory).isDirectory()) {
    throw new DefinitionError(`The definitions folder ${directory} does not exist`, { hint: 'Pass --definitions with a folder of *.json table definitions.' });
  }
  const files = fs.readdirSync(directory).filter((f) => f.endsWith('.json')).sort();
  if (files.length === 0) {
    throw new DefinitionError(`The definitions folder ${directory} holds no *.json definition`, { hint: 'Add one JSON-Schema file per table (see docs/definitions.md).' });
  }
  const ajv = createAjv();
  const checkMeta = ajv.compile(DEFINITION_META_SCHEMA);
  const tables: TableDefinition[] = [];
  const byName = new Map<string, TableDefinition>();
  for (const name of files) {
    const file = path.join(directory, name);
    const raw = readJsonFile(file, (message, hint) => new DefinitionError(message, { file, hint }));
    if (!checkMeta(raw)) {
      const error = bestError(checkMeta.errors ?? []);
      fail(file, error.instancePath, describeAjvError(error), 'See docs/definitions.md for the format of a definition.');
    }
    try {
      ajv.compile({ ...(raw as object), $id: undefined });
    } catch (err) {
      fail(file, '', `not a valid JSON Schema: ${(err as Error).message}`, 'Fix the schema keyword named above (ajv runs in strict mode).');
    }
    const table = normaliseTable(file, raw as SchemaNode);
    const previous = byName.get(table.table);
    if (previous) fail(file, '/x-table', `table ${table.table} is already defined in ${previous.file}`, 'Give each table one definition file.');
    tables.push(table);
    byName.set(table.table, table);
  }
  const roots = tables.filter((t) => t.tenantRoot);
  if (roots.length > 1) fail(roots[1].file, '/x-tenant-root', `only one table can list the tenants (also ${roots[0].file})`, 'Keep "x-tenant-root": true on one definition.');
  checkReferences(tables, byName, roots[0]);
  const { order, cycleBreaks } = orderTables(tables, byName);
  return { directory, tables: order, byName, tenantRoot: roots[0], cycleBreaks };
}
