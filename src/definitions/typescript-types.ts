import type { ColumnDefinition, DefinitionSet, SchemaNode, TableDefinition } from './types';

const PLAIN_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A property name as TypeScript needs it: bare when it is an identifier, else a quoted string. */
function propertyName(name: string): string {
  return PLAIN_NAME.test(name) ? name : JSON.stringify(name);
}

/** The TypeScript type of the values a JSON Schema node allows (without null). */
function valueType(schema: SchemaNode): string {
  if (Array.isArray(schema.enum)) {
    const literals = schema.enum.filter((v) => v !== null).map((v) => JSON.stringify(v));
    return literals.length > 0 ? literals.join(' | ') : 'never';
  }
  if ('const' in schema) return JSON.stringify(schema.const);
  const types = (Array.isArray(schema.type) ? schema.type : [schema.type]).filter((t) => t !== 'null' && t !== undefined) as string[];
  const parts = types.map((type) => {
    switch (type) {
      case 'string':
        // node-postgres returns timestamp and date columns as Date; the fixtures hold the ISO text.
        return schema.format === 'date-time' || schema.format === 'date' ? 'string | Date' : 'string';
      case 'integer':
      case 'number':
        return 'number';
      case 'boolean':
        return 'boolean';
      case 'array':
        return 'unknown[]';
      case 'object':
        return 'Record<string, unknown>';
      default:
        return 'unknown';
    }
  });
  return parts.length > 0 ? [...new Set(parts)].join(' | ') : 'unknown';
}

function columnType(column: ColumnDefinition): string {
  const type = valueType(column.schema);
  return column.nullable && type !== 'unknown' ? `${type} | null` : type;
}

/** The member of a `Tables` map that types fixtures.tenant and fixtures.user: not a table. */
export const FIXTURE_TYPES_KEY = '$fixtures';

/** A table whose rows fixtures.user finds: its natural key is an email. */
export function isUserTable(table: TableDefinition): boolean {
  return !!table.naturalKey && table.columns.find((c) => c.name === table.naturalKey)?.schema.format === 'email';
}

/**
 * TypeScript types for the rows of each definition: one interface per table (column names
 * exactly as the definitions spell them, quoted where they are not identifiers; a nullable
 * column `| null`; an enum a union of its values) and a `Tables` map from table name to row
 * type, which types the testing API's fixtures and factory: `createTestDatabase<Tables>()`.
 *
 * @example
 * fs.writeFileSync('test/tables.ts', definitionTypes(loadDefinitions('seeds/definitions')));
 */
export function definitionTypes(definitions: DefinitionSet): string {
  const lines = ['// Written by `tenantseed types`: the columns of each table definition. Do not edit.', ''];
  const names = new Map<string, string>();
  const used = new Set<string>(['Tables']);
  for (const table of definitions.tables) {
    let base = table.table.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join('') || 'Table';
    if (/^[0-9]/.test(base)) base = `T${base}`;
    let name = `${base}Row`;
    for (let i = 2; used.has(name); i++) name = `${base}Row${i}`;
    used.add(name);
    names.set(table.table, name);
    lines.push(`/** A row of ${table.table} (${table.file.split(/[\\/]/).pop()}). */`, `export interface ${name} {`);
    for (const column of table.columns) lines.push(`  ${propertyName(column.name)}: ${columnType(column)};`);
    lines.push('}', '');
  }
  lines.push('/** Each table\'s row type, by table name: `createTestDatabase<Tables>()`. */', 'export interface Tables {');
  for (const table of definitions.tables) lines.push(`  ${propertyName(table.table)}: ${names.get(table.table)};`);
  const root = definitions.tenantRoot && names.get(definitions.tenantRoot.table);
  const users = definitions.tables.filter(isUserTable).map((t) => names.get(t.table)!);
  if (root || users.length > 0) {
    lines.push(`  /** Not a table: the row types fixtures.tenant and fixtures.user return. */`);
    lines.push(`  readonly ${FIXTURE_TYPES_KEY}?: { tenant: ${root ?? 'never'}; user: ${users.join(' | ') || 'never'} };`);
  }
  lines.push('}', '');
  return lines.join('\n');
}
