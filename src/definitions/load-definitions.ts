import fs from 'node:fs';
import path from 'node:path';
import { DefinitionError } from '../errors';
import { bestError, compiledValidator, describeAjvError } from './ajv';
import { metaSchemaValidator } from './meta-validator';
import { readJsonFile } from './read-json-file';
import { orderTables } from './order-tables';
import { readCompositeReferences, resolveCompositeReferences } from './composite-references';
import { checkGeneratorKeywords } from './generator-keywords';
import { checkChains, isTenantScoped, parseRefOneOf } from './tenant-chain';
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
  const pointer = `/properties/${pointerToken(name)}`;
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
  if (schema['x-per-parent'] !== undefined && schema['x-ref'] === undefined) {
    fail(file, `${pointer}/x-per-parent`, `column ${name} has children-per-parent quantiles but references no table`, 'Give it an "x-ref", or remove x-per-parent.');
  }
  const ref = parseReference(schema['x-ref']);
  const generator = schema['x-generate'] as { password?: { plaintextField?: string } } | undefined;
  return {
    name,
    schema,
    nullable,
    ref,
    unique: schema['x-unique'] as ColumnDefinition['unique'],
    collide: schema['x-collide'] === true,
    nullProbability,
    spread: schema['x-spread'] === true,
    ...(Array.isArray(schema['x-per-parent']) ? { perParent: schema['x-per-parent'] as number[] } : {}),
    json: isJson(schema),
    refOneOf: parseRefOneOf(schema),
    ...(Array.isArray(schema['x-distinct-from']) ? { distinctFrom: schema['x-distinct-from'] as string[] } : {}),
    ...('x-first-row' in schema ? { firstRow: schema['x-first-row'] } : {}),
    hasFirstRow: 'x-first-row' in schema,
    plaintextField: generator && typeof generator === 'object' && generator.password ? generator.password.plaintextField ?? 'password' : undefined,
  };
}

/**
 * `x-ref` as written: an object names its table and column; a string is split at its first dot
 * here, and at the dot that fits the definitions once all are read ({@link resolveDottedReferences}).
 */
function parseReference(value: unknown): ColumnDefinition['ref'] {
  if (value === undefined) return undefined;
  if (typeof value === 'object' && value !== null) {
    const { table, column } = value as { table: string; column: string };
    return { table, column };
  }
  const text = value as string;
  const dot = text.indexOf('.');
  return { table: text.slice(0, dot), column: text.slice(dot + 1) };
}

/** Every way to read `"a.b.c"` as a table and a column: (`a`, `b.c`) and (`a.b`, `c`). */
export function splitReference(text: string): Array<{ table: string; column: string }> {
  const splits: Array<{ table: string; column: string }> = [];
  for (let i = text.indexOf('.'); i > 0 && i < text.length - 1; i = text.indexOf('.', i + 1)) {
    splits.push({ table: text.slice(0, i), column: text.slice(i + 1) });
  }
  return splits;
}

/**
 * A string `x-ref` whose names hold dots is read as the one split that names a defined table
 * and one of its columns; when several fit, the object form must say which.
 */
function resolveDottedReferences(tables: readonly TableDefinition[], byName: ReadonlyMap<string, TableDefinition>): void {
  for (const table of tables) {
    for (const column of table.columns) {
      const text = column.schema['x-ref'];
      if (typeof text !== 'string' || text.indexOf('.') === text.lastIndexOf('.')) continue;
      const fits = splitReference(text).filter((s) => byName.get(s.table)?.columns.some((c) => c.name === s.column));
      if (fits.length > 1) {
        fail(table.file, `/properties/${pointerToken(column.name)}/x-ref`, `"${text}" names a column in ${fits.length} ways (${fits.map((f) => `table "${f.table}", column "${f.column}"`).join('; ')})`,
          `Write the object form: "x-ref": ${JSON.stringify({ table: fits[0].table, column: fits[0].column })}.`);
      }
      if (fits.length === 1) (column as { ref?: ColumnDefinition['ref'] }).ref = fits[0];
    }
  }
}

/** How to write a reference: `"table.column"`, or the object form when a name holds a dot. */
export function referenceText(table: string, column: string): string | { table: string; column: string } {
  return table.includes('.') || column.includes('.') ? { table, column } : `${table}.${column}`;
}

/** A name as a JSON-pointer token (RFC 6901: `~` as `~0`, `/` as `~1`). */
export function pointerToken(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** PostgreSQL keeps 63 bytes of an identifier (NAMEDATALEN - 1) and cuts the rest silently. */
const IDENTIFIER_BYTES = 63;

function checkIdentifierBytes(file: string, pointer: string, name: string): void {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > IDENTIFIER_BYTES) {
    fail(file, pointer, `"${name}" is ${bytes} bytes of UTF-8, but PostgreSQL identifiers hold at most ${IDENTIFIER_BYTES} (it would cut the name)`,
      'Name the table or column exactly as the catalog does (the catalog never holds a longer name).');
  }
}

/** Every table and column name a definition gives, with its pointer. */
function namedIdentifiers(raw: SchemaNode): Array<[string, string]> {
  const names: Array<[string, string]> = [['/x-table', raw['x-table'] as string]];
  for (const name of Object.keys(raw.properties as object)) names.push([`/properties/${pointerToken(name)}`, name]);
  const ref = (name: string) => (raw.properties as Record<string, SchemaNode>)[name]['x-ref'];
  for (const name of Object.keys(raw.properties as object)) {
    const value = ref(name);
    if (value && typeof value === 'object') {
      const { table, column } = value as { table: string; column: string };
      names.push([`/properties/${pointerToken(name)}/x-ref/table`, table], [`/properties/${pointerToken(name)}/x-ref/column`, column]);
    }
  }
  return names;
}

function checkRowKeys(file: string, keyword: string, rows: readonly Record<string, unknown>[], columns: Set<string>, extra: Set<string>): void {
  rows.forEach((row, i) => {
    for (const key of Object.keys(row)) {
      if (!columns.has(key) && !extra.has(key)) {
        fail(file, `/${keyword}/${i}/${pointerToken(key)}`, `"${key}" is not a column of this table`, `Use one of: ${[...columns].join(', ')}.`);
      }
    }
  });
}

/** Fields a row may carry that are not columns: the plaintext a password generator hashes. */
function plaintextFields(columns: readonly ColumnDefinition[]): Set<string> {
  return new Set(columns.flatMap((c) => (c.plaintextField ? [c.plaintextField] : [])));
}

function normaliseTable(file: string, raw: SchemaNode): TableDefinition {
  for (const [pointer, name] of namedIdentifiers(raw)) checkIdentifierBytes(file, pointer, name);
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
  // A tenant table's key starts with the tenant column ((tenant, id), (tenant, user_id, email)),
  // or is one column whose values are unique across tenants (Prisma's "id" beside "tenantId").
  if (tenantColumn && primaryKey[0] !== tenantColumn && primaryKey.length > 1) {
    fail(file, '/x-primary-key', `the primary key must start with the tenant column ${tenantColumn} (or be one column unique across tenants)`, `Write "x-primary-key": ${JSON.stringify([tenantColumn, ...primaryKey.filter((c) => c !== tenantColumn)])}, or name the one id column as the catalog does.`);
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
    idColumn: idColumnOf(primaryKey, uniqueKeys, tenantColumn, columns, readCompositeReferences(raw)),
    uniqueKeys,
    tenantRoot,
    global: raw['x-global'] === true,
    tenantColumn,
    tenantVia: raw['x-tenant-via'] as string | undefined,
    naturalKey,
    count: { default: count?.default ?? 0, scale: count?.scale ?? true },
    legacy,
    existingRows,
    fixedRows,
    foreignKeys: readCompositeReferences(raw),
    checks: Object.entries((raw['x-checks'] as Record<string, string> | undefined) ?? {}).map(([name, expression]) => ({ name, expression })),
  };
}

/**
 * The id column: the one column that, with the tenant column, is a key of the table, so that a
 * foreign key `(tenant, column)` can point at it. The primary key gives it when it has one
 * column besides the tenant's (`(tenant_id, id)`, `(user_id)`); else the first of
 * `x-unique-keys` that does (a primary key `(tenant, user_id, email)` beside a unique key
 * `(tenant, user_id)`: `user_id`); else the primary key's last column that holds ids (an integer
 * or a uuid): a partitioned table's key must hold its partition column, so `(tenant, id,
 * created_at)` or `(tenant, id, region)` is keyed by `id`, never by the date or the region.
 */
function idColumnOf(
  primaryKey: readonly string[], uniqueKeys: readonly (readonly string[])[], tenantColumn: string | undefined,
  columns: readonly ColumnDefinition[], references: ReadonlyArray<{ readonly columns: readonly string[] }>,
): string {
  // A column that references another table holds that table's ids, not this one's.
  const holdsIds = (name: string) => {
    const column = columns.find((c) => c.name === name);
    if (!column || column.ref || column.refOneOf || references.some((r) => r.columns.includes(name))) return false;
    const types = ([] as unknown[]).concat(column.schema.type ?? []);
    return types.includes('integer') || (types.includes('string') && column.schema.format === 'uuid');
  };
  const own = primaryKey.filter((c) => c !== tenantColumn);
  return idCandidates(primaryKey, uniqueKeys, tenantColumn)[0] ?? [...own].reverse().find(holdsIds) ?? primaryKey[primaryKey.length - 1];
}

/** The columns that, with the tenant column, are a key by themselves: the primary key's first. */
function idCandidates(primaryKey: readonly string[], uniqueKeys: readonly (readonly string[])[], tenantColumn?: string): string[] {
  const out: string[] = [];
  for (const key of [primaryKey, ...uniqueKeys]) {
    const own = key.filter((c) => c !== tenantColumn);
    if (own.length === 1 && !out.includes(own[0])) out.push(own[0]);
  }
  return out;
}

/**
 * Where a table has several one-column keys (`user_id` and `email` beside the tenant), the one
 * other tables reference is its id, whatever the order of `x-unique-keys`: the catalog's
 * foreign keys say which, and the definitions' `x-ref` with them.
 */
function chooseReferencedIds(tables: readonly TableDefinition[], byName: ReadonlyMap<string, TableDefinition>): void {
  const referenced = new Map<string, Set<string>>();
  for (const table of tables) {
    for (const column of table.columns) {
      if (column.ref) referenced.set(column.ref.table, (referenced.get(column.ref.table) ?? new Set()).add(column.ref.column));
    }
  }
  for (const [name, columns] of referenced) {
    const parent = byName.get(name);
    if (!parent) continue;
    const chosen = idCandidates(parent.primaryKey, parent.uniqueKeys, parent.tenantColumn).find((c) => columns.has(c));
    if (chosen) (parent as { idColumn: string }).idColumn = chosen;
  }
}

/** The column a reference may point at: the parent's id column ({@link TableDefinition.idColumn}). */
export function referenceableColumn(parent: TableDefinition): string {
  return parent.idColumn;
}

function checkReferences(tables: readonly TableDefinition[], byName: ReadonlyMap<string, TableDefinition>, tenantRoot?: TableDefinition): void {
  for (const table of tables) {
    if (table.tenantColumn && !tenantRoot) {
      fail(table.file, '/x-tenant-column', `table ${table.table} is scoped by tenant, but no definition is marked "x-tenant-root": true`, 'Add a definition for the tenants table with "x-tenant-root": true.');
    }
    for (const column of table.columns) {
      if (!column.ref) continue;
      const pointer = `/properties/${pointerToken(column.name)}/x-ref`;
      const parent = byName.get(column.ref.table);
      if (!parent) {
        fail(table.file, pointer, `table ${table.table} references ${column.ref.table}, which has no definition`, `Add a definition with "x-table": "${column.ref.table}" or remove the reference.`);
      }
      if (!parent.columns.some((c) => c.name === column.ref!.column)) {
        fail(table.file, pointer, `column ${column.ref.table}.${column.ref.column} does not exist`, `Name a column of ${column.ref.table}: ${parent.columns.map((c) => c.name).join(', ')}.`);
      }
      if (column.ref.column !== referenceableColumn(parent)) {
        fail(table.file, pointer, `a reference must point at ${parent.table}'s id column ${referenceableColumn(parent)}, not ${column.ref.column}`, `Write "x-ref": ${JSON.stringify(referenceText(parent.table, referenceableColumn(parent)))}.`);
      }
      if (isTenantScoped(parent) && !isTenantScoped(table)) {
        fail(table.file, pointer, `${table.table} has no tenant, so it cannot reference the tenant table ${parent.table}`, `Reference a table without tenants, or give this table an x-tenant-column or "x-tenant-via": "${column.name}".`);
      }
      if (parent.tenantRoot) {
        fail(table.file, pointer, `reference the tenant through x-tenant-column, not x-ref to ${parent.table}`, `Remove x-ref from ${column.name} and set "x-tenant-column": "${column.name}".`);
      }
    }
  }
}

/** Options of {@link loadDefinitions}. */
export interface LoadDefinitionsOptions {
  /**
   * `later`: each definition is checked against the meta-schema, but not compiled as a JSON
   * Schema (ajv, strict), which is most of the time of loading hundreds of definitions; the
   * caller runs {@link checkDefinitionSchemas} before it makes a row from them. Reset does,
   * unless it clones a seeded state that these same definitions made. Default `now`.
   */
  schemaCheck?: 'now' | 'later';
}

/** A definition must compile as a JSON Schema (ajv, strict): a DefinitionError naming the file otherwise. */
function checkSchema(file: string, raw: SchemaNode): void {
  try {
    compiledValidator({ ...(raw as object), $id: undefined });
  } catch (err) {
    fail(file, '', `not a valid JSON Schema: ${(err as Error).message}`, 'Fix the schema keyword named above (ajv runs in strict mode).');
  }
}

/**
 * Compiles every definition of a set as a JSON Schema, as {@link loadDefinitions} does unless
 * told `schemaCheck: 'later'`; a schema compiled before (in this process) costs a lookup.
 *
 * @example
 * const definitions = loadDefinitions('seeds/definitions', { schemaCheck: 'later' });
 * checkDefinitionSchemas(definitions); // before making rows
 */
export function checkDefinitionSchemas(definitions: DefinitionSet): void {
  for (const table of definitions.tables) checkSchema(table.file, table.schema);
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
export function loadDefinitions(directory: string, options: LoadDefinitionsOptions = {}): DefinitionSet {
  if (!fs.existsSync(directory) || !fs.statSync(directory).isDirectory()) {
    throw new DefinitionError(`The definitions folder ${directory} does not exist`, { hint: 'Pass --definitions with a folder of *.json table definitions.' });
  }
  const files = fs.readdirSync(directory).filter((f) => f.endsWith('.json')).sort();
  if (files.length === 0) {
    throw new DefinitionError(`The definitions folder ${directory} holds no *.json definition`, { hint: 'Add one JSON-Schema file per table (see docs/definitions.md).' });
  }
  const checkMeta = metaSchemaValidator();
  const tables: TableDefinition[] = [];
  const byName = new Map<string, TableDefinition>();
  for (const name of files) {
    const file = path.join(directory, name);
    const raw = readJsonFile(file, (message, hint) => new DefinitionError(message, { file, hint }));
    if (!checkMeta(raw)) {
      const error = bestError(checkMeta.errors ?? []);
      fail(file, error.instancePath, describeAjvError(error), 'See docs/definitions.md for the format of a definition.');
    }
    if (options.schemaCheck !== 'later') checkSchema(file, raw as SchemaNode);
    const table = normaliseTable(file, raw as SchemaNode);
    const previous = byName.get(table.table);
    if (previous) fail(file, '/x-table', `table ${table.table} is already defined in ${previous.file}`, 'Give each table one definition file.');
    tables.push(table);
    byName.set(table.table, table);
  }
  resolveDottedReferences(tables, byName);
  chooseReferencedIds(tables, byName);
  resolveCompositeReferences(tables, byName);
  const roots = tables.filter((t) => t.tenantRoot);
  if (roots.length > 1) fail(roots[1].file, '/x-tenant-root', `only one table can list the tenants (also ${roots[0].file})`, 'Keep "x-tenant-root": true on one definition.');
  checkChains(tables, byName);
  checkReferences(tables, byName, roots[0]);
  const { order, cycleBreaks } = orderTables(tables, byName);
  return { directory, tables: order, byName, tenantRoot: roots[0], cycleBreaks };
}
