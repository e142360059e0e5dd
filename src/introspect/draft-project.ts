import { compositeReference, CompositeDraft, copiedColumnSchema, notAnId } from './composite-keys';
import { quoteIdentifier } from '../db';
import type { SchemaSnapshot, SnapshotColumn, SnapshotTable } from '../db';
import { ColumnContext, draftColumnSchema, DraftNode } from './column-schema';
import { readColumnMeaning } from './column-meaning';
import { Finding, inferTenancy, InferTenancyOptions, MIGRATION_TOOL_TABLES, Tenancy } from './infer-tenancy';
import { CheckFacts, checkExpression, mergeFacts, OrderRule, readCheck, SumRule } from './read-check';
import { draftNewTenant } from './new-tenant-template';
import { guessPolymorphicReferences } from './guess-polymorphic';
import { draftWithoutTenant, nullableTenantFinding, readWithoutTenantCheck, WithoutTenantRule } from './infer-without-tenant';

const TIMESTAMP_TYPES = ['timestamptz', 'timestamp'];
const NUMERIC_TYPES = ['int2', 'int4', 'int8', 'numeric', 'float4', 'float8'];

/** What introspect drafts from a schema: definitions, a starter profile, tenancy names, findings. */
export interface ProjectDraft {
  /** One definition per table, by table name, in the catalog's order. */
  readonly definitions: ReadonlyMap<string, DraftNode>;
  /** `environments/development.json`. */
  readonly profile: DraftNode;
  readonly tenancy: { readonly setting?: string; readonly setContext?: string; readonly appRole?: string; readonly adminRole?: string };
  readonly root?: string;
  readonly findings: readonly Finding[];
}

/** Options of {@link draftProject}. */
export interface DraftProjectOptions {
  /** Rows the migrations made (a freshly migrated database's rows), by table: written as `x-existing-rows`. */
  readonly existingRows?: ReadonlyMap<string, readonly Record<string, unknown>[]>;
  /** What the team said of tenant columns (`tenancy.column`, existing `x-tenant-column`): it settles doubt. */
  readonly tenancy?: InferTenancyOptions;
}

/** Rows per tenant (or in all, for a table without tenants) in the starter profile. */
export const STARTER_COUNT = 10;
const STARTER_GLOBAL_COUNT = 5;
/** The starter profile's tenant sizes: a fifth of the tenants three times as large. */
const STARTER_SIZES = [{ share: 0.2, scale: 3 }, { share: 0.8, scale: 1 }];
const STARTER_MAX_SCALE = Math.max(...STARTER_SIZES.map((s) => s.scale));
const NAMED_TENANTS = [
  { key: 'acme', name: 'Acme Corp' },
  { key: 'globex', name: 'Globex Corporation' },
  { key: 'initech', name: 'Initech' },
];
const NATURAL_KEY_NAMES = ['slug', 'subdomain', 'handle', 'code', 'key', 'domain', 'email', 'username', 'name'];

function primaryKey(table: SnapshotTable): readonly string[] {
  return table.constraints.find((c) => c.kind === 'primary')?.columns ?? [];
}

/**
 * The key's column that holds the table's ids: its last, unless that one holds no ids and an
 * earlier one does (an integer or uuid column in no foreign key). A partitioned table's key must
 * hold its partition column, so `(tenant, id, created_at)` is keyed by `id`. The definitions
 * loader picks the same column from the drafted `x-primary-key` (idColumnOf).
 */
function idColumnOfKey(table: SnapshotTable, key: readonly string[], tenantColumn: string | undefined): string {
  const referencing = new Set(table.constraints.filter((c) => c.kind === 'foreign').flatMap((c) => c.columns));
  const holdsIds = (name: string) => !referencing.has(name) && ['int2', 'int4', 'int8', 'uuid'].includes(table.columns.find((c) => c.name === name)?.baseType ?? '');
  return [...key].filter((c) => c !== tenantColumn).reverse().find(holdsIds) ?? key[key.length - 1];
}

/** The unique keys of a table: constraints and plain (not partial, not expression) unique indexes. */
function uniqueKeys(table: SnapshotTable): string[][] {
  return [
    ...table.constraints.filter((c) => c.kind === 'unique').map((c) => [...c.columns]),
    ...table.uniqueIndexes.filter((i) => !i.partial && i.columns.length > 0).map((i) => [...i.columns]),
  ];
}

/** The type of a reference's values: that of the referenced id column. */
function referenceSchema(target: SnapshotColumn | undefined): DraftNode {
  if (!target) return { type: 'string' };
  if (target.baseType === 'uuid') return { type: 'string', format: 'uuid' };
  if (['int2', 'int4', 'int8'].includes(target.baseType)) return { type: 'integer' };
  return { type: 'string' };
}

/**
 * Whether a row-level-security policy of a tenant table casts to uuid (`"tenantId"::uuid = ...`,
 * `current_setting(...)::uuid`): then a text tenant id must read as a uuid, or every read as a
 * tenant fails with "invalid input syntax for type uuid".
 */
function policiesCastToUuid(tables: readonly SnapshotTable[], tenantColumns: ReadonlyMap<string, string>): boolean {
  return tables.some((t) => tenantColumns.has(t.name) && t.policies.some((p) => /::\s*uuid\b/i.test(`${p.using ?? ''} ${p.withCheck ?? ''}`)));
}

function withNull(node: DraftNode): DraftNode {
  if (typeof node.type !== 'string') return node;
  return { ...node, type: [node.type, 'null'], 'x-null-probability': 0.2 };
}

/** Whether a column with a default is worth generating: variety the default would not give. */
function worthGenerating(column: SnapshotColumn, facts: CheckFacts, siblings: readonly string[]): boolean {
  return column.isArray || Boolean(column.enumLabels) || Boolean(facts.enum)
    || ['timestamptz', 'timestamp', 'date', 'json', 'jsonb'].includes(column.baseType)
    || Boolean(readColumnMeaning({ name: column.name, baseType: column.baseType, maxLength: column.maxLength, comment: column.comment, root: false, siblings })?.evenWithDefault);
}

interface TablePlan {
  readonly table: SnapshotTable;
  readonly tenantColumn?: string;
  readonly primaryKey: string[];
  /** The id column: the key's last column. */
  readonly idColumn?: string;
}

/**
 * Drafts definitions and a starter profile from a schema's catalog: the tenant root and
 * columns, keys, references (same-tenant where the foreign key carries the tenant column),
 * unique constraints, CHECK constraints, types and realistic values from column names, with a
 * finding for each inference worth knowing and each thing left to a hand edit. Pure: the same
 * snapshot gives the same draft.
 *
 * @example
 * const draft = draftProject(await readSchemaSnapshot(knex, 'public'));
 * draft.definitions.get('users')?.['x-tenant-column'] // 'company_id'
 */
export function draftProject(snapshot: SchemaSnapshot, options: DraftProjectOptions = {}): ProjectDraft {
  const findings: Finding[] = [];
  const skipped = snapshot.tables.filter((t) => MIGRATION_TOOL_TABLES[t.name.toLowerCase()]);
  for (const t of skipped) findings.push({ level: 'inferred', table: t.name, message: `${t.name} skipped: ${MIGRATION_TOOL_TABLES[t.name.toLowerCase()]}'s migration bookkeeping` });
  const tables = snapshot.tables.filter((t) => !skipped.includes(t));
  const tenancy: Tenancy = inferTenancy({ ...snapshot, tables }, options.tenancy);
  /** The tables the application role is granted (its own grants: what it reads, besides PUBLIC's). */
  const appReads = new Set(snapshot.roles.find((r) => r.name === tenancy.appRole)?.tables ?? []);
  findings.push(...tenancy.findings);
  const byName = new Map(tables.map((t) => [t.name, t]));

  const plans = new Map<string, TablePlan>();
  for (const table of tables) {
    const tenantColumn = tenancy.tenantColumns.get(table.name);
    let key = [...primaryKey(table)];
    if (key.length === 0) {
      const unique = uniqueKeys(table).find((k) => k.every((c) => table.columns.find((x) => x.name === c)?.notNull));
      key = unique ?? [table.columns.find((c) => !c.generated)?.name ?? table.columns[0].name];
      findings.push({ level: unique ? 'warning' : 'hand-edit', table: table.name, message: `${table.name} has no primary key; ${unique ? `its unique key (${key.join(', ')}) stands in` : `${key[0]} stands in, as if unique: check it`}` });
    }
    if (tenantColumn) key = [tenantColumn, ...key.filter((c) => c !== tenantColumn)];
    plans.set(table.name, { table, tenantColumn, primaryKey: key, idColumn: idColumnOfKey(table, key, tenantColumn) });
  }
  const idOf = (name: string) => plans.get(name)?.idColumn;
  const tablesByName = new Map(tables.map((t) => [t.name, t]));

  const definitions = new Map<string, DraftNode>();
  const counts: Record<string, number> = {};
  // Rows a reference can pick from: the generated count, or the rows the migrations made.
  const made: Record<string, number> = {};
  const have = (table: string) => made[table] ?? counts[table] ?? STARTER_COUNT;
  const usesPasswords = { value: false };
  let rootNaturalKey: string | undefined;
  let rootNameColumn: string | undefined;
  let rootPatterns: { key?: RegExp; keyMax?: number } = {};
  const globalDemands = new Map<string, number>();
  const withoutTenant: Record<string, DraftNode> = {};

  for (const table of tables) {
    const plan = plans.get(table.name)!;
    const isRoot = tenancy.root === table.name;
    const isChain = tenancy.chainTables.has(table.name);
    const tenantVia = tenancy.tenantVia.get(table.name);
    // A row of a table with a tenant column picks same-tenant targets; one without picks only global ones.
    const polymorphic = guessPolymorphicReferences(table, tablesByName, idOf, (targets) => plan.tenantColumn !== undefined
      || targets.every((t) => !plans.get(t)?.tenantColumn && !tenancy.chainTables.has(t)), findings);
    const tenantColumn = plan.tenantColumn;
    // A table of reference rows the migrations made (no tenant): tenantseed makes none of its rows, nor ids.
    const madeOnly = !tenantColumn && !isRoot && (options.existingRows?.get(table.name)?.length ?? 0) > 0;
    const facts = new Map<string, CheckFacts>();
    const orders: OrderRule[] = [];
    const sums: SumRule[] = [];
    let noTenantRule: WithoutTenantRule | undefined;
    const tenantNullable = tenantColumn !== undefined && !table.columns.find((c) => c.name === tenantColumn)?.notNull;
    // CHECKs read as no rule: PostgreSQL evaluates them on the drawn rows, which are drawn again where one breaks.
    const evaluated: Record<string, string> = {};
    const evaluate = (check: { name: string; definition: string }, why: string) => {
      evaluated[check.name] = checkExpression(check.definition);
      findings.push({ level: 'inferred', table: table.name, message: `CHECK ${check.name} (${check.definition}) ${why}: kept in "x-checks", PostgreSQL evaluates it on the drawn rows and a row that breaks it is drawn again` });
    };
    for (const check of table.constraints.filter((c) => c.kind === 'check')) {
      const rule = tenantNullable ? readWithoutTenantCheck(check.definition) : undefined;
      if (rule && rule.tenantColumn === tenantColumn && table.columns.some((c) => c.name === rule.column)) {
        noTenantRule = rule;
        continue;
      }
      const reading = readCheck(check.definition);
      if (!reading.read) {
        evaluate(check, `is not read as a rule (${reading.reason})`);
        continue;
      }
      if ('order' in reading) {
        const { later, earlier } = reading.order;
        const types = [later, earlier].map((n) => table.columns.find((c) => c.name === n));
        if (!types.every((c) => c && TIMESTAMP_TYPES.includes(c.baseType) && !c.generated)) {
          evaluate(check, `orders ${later} after ${earlier}, which tenantseed draws in order for timestamps only`);
          continue;
        }
        orders.push(reading.order);
        findings.push({ level: 'inferred', table: table.name, message: `CHECK ${check.name} read as an order: ${later} ${reading.order.strict ? '>' : '>='} ${earlier}` });
        continue;
      }
      if ('sum' in reading) {
        const { column, of } = reading.sum;
        const numeric = [column, ...of].map((n) => table.columns.find((c) => c.name === n));
        if (!numeric.every((c) => c && NUMERIC_TYPES.includes(c.baseType) && !c.generated)) {
          evaluate(check, `makes ${column} the sum of ${of.join(', ')}, which tenantseed adds up for numeric columns only`);
          continue;
        }
        sums.push(reading.sum);
        findings.push({ level: 'inferred', table: table.name, message: `CHECK ${check.name} read as a sum: ${column} = ${of.join(' + ')}` });
        continue;
      }
      facts.set(reading.column, mergeFacts(facts.get(reading.column) ?? {}, reading.facts));
      findings.push({ level: 'inferred', table: table.name, message: `CHECK ${check.name} read as ${JSON.stringify(reading.facts)} on ${reading.column}` });
    }

    // Foreign keys: a reference to the target's id column, in the same tenant when the key carries the tenant column.
    const refs = new Map<string, string>();
    const compositeRefs: CompositeDraft[] = [];
    const backReferences = new Map<string, string>();
    for (const fk of table.constraints.filter((c) => c.kind === 'foreign')) {
      if (fk.refTable === tenancy.root && fk.columns.length === 1 && fk.columns[0] === tenantColumn) continue;
      const target = plans.get(fk.refTable!);
      const pairs = fk.columns.map((c, i) => [c, fk.refColumns![i]] as const).filter(([c, r]) => !(c === tenantColumn && r === target?.tenantColumn));
      const [column, referenced] = pairs.length === 1 ? pairs[0] : [undefined, undefined];
      const composite = compositeReference({ fk, pairs, target, tenantColumn, root: tenancy.root, own: table.name, taken: [...refs.keys(), ...compositeRefs.flatMap((r) => r.columns)] });
      if (composite && (!column || referenced !== target?.idColumn)) {
        compositeRefs.push(composite);
        findings.push({ level: 'inferred', table: table.name, message: `foreign key ${fk.name} (${fk.definition}): each row copies (${composite.references.join(', ')}) of one ${fk.refTable} row of its tenant (x-foreign-keys)` });
        continue;
      }
      if (!target || !column || referenced !== target.idColumn) {
        findings.push({ level: 'hand-edit', table: table.name, message: `foreign key ${fk.name} (${fk.definition}) is not a reference to ${fk.refTable}'s id column ${target?.idColumn ?? ''}: tenantseed cannot fill ${fk.columns.join(', ')}` });
        continue;
      }
      if (fk.refTable === tenancy.root) {
        findings.push({ level: 'hand-edit', table: table.name, message: `${table.name}.${column} references the tenant root ${fk.refTable} without being the tenant column: tenantseed cannot fill it` });
        continue;
      }
      if (isRoot && plans.get(fk.refTable!)?.tenantColumn) {
        // The root's row is made before its tenant's rows: a reference back into them (an account's owner) cannot be drawn.
        for (const c of fk.columns) backReferences.set(c, fk.refTable!);
        continue;
      }
      if (tenantColumn === undefined && tenantVia === undefined && plans.get(fk.refTable!)?.tenantColumn) continue; // a chain table: reported by inferTenancy
      refs.set(column, `${fk.refTable}.${referenced}`);
    }

    // Unique keys: by one column (tenant or global), one row per tenant, or tuples.
    const unique = new Map<string, 'tenant' | 'global'>();
    const tupleKeys: string[][] = [];
    let onePerTenant = false;
    for (const key of uniqueKeys(table)) {
      const rest = key.filter((c) => c !== tenantColumn);
      const scoped = tenantColumn !== undefined && key.includes(tenantColumn);
      if (rest.length === 0) {
        onePerTenant = true;
        continue;
      }
      if (key.length === plan.primaryKey.length && key.every((c) => plan.primaryKey.includes(c))) continue;
      if (rest.length === 1) {
        if (refs.has(rest[0])) tupleKeys.push(rest);
        else if (rest[0] !== plan.idColumn) unique.set(rest[0], scoped || !tenantColumn ? (tenantColumn ? 'tenant' : 'global') : 'global');
        continue;
      }
      const text = rest.find((c) => {
        const col = table.columns.find((x) => x.name === c);
        return col && ['text', 'varchar', 'citext', 'bpchar'].includes(col.baseType) && !refs.has(c) && !col.enumLabels && !facts.get(c)?.enum && !facts.get(c)?.pattern;
      });
      if (text && (scoped || !tenantColumn)) unique.set(text, tenantColumn ? 'tenant' : 'global');
      else if (scoped || !tenantColumn) tupleKeys.push(rest);
      else findings.push({ level: 'hand-edit', table: table.name, message: `unique (${key.join(', ')}) spans tenants without a text column to make distinct: tenantseed draws tuples per tenant; check it` });
    }
    for (const index of table.uniqueIndexes.filter((i) => i.partial || i.columns.length === 0)) {
      findings.push({ level: 'warning', table: table.name, message: `unique index ${index.name} is partial or on an expression (${index.definition}); tenantseed does not read it: columns with a default are left to the database` });
    }

    const properties: Record<string, DraftNode> = {};
    const required: string[] = [];
    const siblings = table.columns.map((c) => c.name);
    // Timestamps a timestamp may follow (`updated_at` after `created_at`), wherever they stand: generated ones only.
    const timestamps = table.columns.filter((c) => TIMESTAMP_TYPES.includes(c.baseType) && !c.generated).map((c) => c.name);
    for (const column of table.columns) {
      const name = column.name;
      const columnFacts = facts.get(name) ?? {};
      const copied = compositeRefs.find((r) => r.columns.includes(name));
      const keyed = copied !== undefined || plan.primaryKey.includes(name) || refs.has(name) || unique.has(name) || tupleKeys.some((k) => k.includes(name)) || name === tenantColumn;
      if (column.generated) continue;
      const back = backReferences.get(name);
      if (back && !madeOnly) {
        findings.push(column.notNull && column.default === undefined
          ? { level: 'hand-edit', table: table.name, message: `${name} references ${back}, a tenant table, and is NOT NULL: the tenant root's row is made before its tenant's rows, so tenantseed cannot fill it (make it nullable, and set it after seeding)` }
          : { level: 'warning', table: table.name, message: `${name} references ${back}, a tenant table: left ${column.default !== undefined ? 'to its default' : 'null'}, since the tenant root's row is made before its tenant's rows; set it after seeding if the application needs it` });
        continue;
      }
      // A table of rows the migrations made keeps every column: its rows are recorded, and put back, whole.
      if (!keyed && !madeOnly && column.identity === 'always') continue;
      const inSum = sums.some((r) => r.column === name || r.of.includes(name));
      if (!keyed && !inSum && !madeOnly && column.default !== undefined && !worthGenerating(column, columnFacts, siblings)) continue;
      let node: DraftNode | undefined;
      if (name === tenantColumn) node = referenceSchema(byName.get(tenancy.root!)?.columns.find((c) => c.name === idOf(tenancy.root!)));
      else if (refs.has(name)) {
        const [target, targetColumn] = refs.get(name)!.split('.');
        node = { ...referenceSchema(byName.get(target)?.columns.find((c) => c.name === targetColumn)), 'x-ref': refs.get(name) };
      } else if (copied) {
        const target = byName.get(copied.table)?.columns.find((c) => c.name === copied.references[copied.columns.indexOf(name)]);
        node = copiedColumnSchema(target ?? column);
      } else if (name === plan.idColumn && !notAnId(plan.primaryKey, tenantColumn, column) && !tupleKeys.some((k) => k.includes(name)) && (column.baseType === 'uuid' || ['int2', 'int4', 'int8'].includes(column.baseType) || ['text', 'varchar'].includes(column.baseType))) {
        node = referenceSchema(column);
        if (isRoot && node.format === undefined && ['text', 'varchar'].includes(column.baseType) && policiesCastToUuid(tables, tenancy.tenantColumns)) {
          // Text tenant ids that the policies cast to uuid ("tenantId"::uuid = current_setting(...)::uuid):
          // cuid-like ids would make every read as a tenant fail, so the ids are drafted as uuids.
          node = { type: 'string', format: 'uuid' };
          findings.push({ level: 'inferred', table: table.name, message: `tenant ids ${name} drafted as uuids ("format": "uuid"): the tenant policies cast the tenant id to uuid` });
        }
        if (column.baseType === 'int4') {
          // int4 ids fit: integer ids are made in a block per tenant sized from the maximum.
          node = { ...node, minimum: 1, maximum: 2147483647 };
        } else if (column.baseType === 'int2' && !madeOnly) {
          findings.push({ level: 'hand-edit', table: table.name, message: `id column ${name} is ${column.type}: tenantseed's integer ids need bigint (ALTER TABLE ${quoteIdentifier(table.name)} ALTER COLUMN ${quoteIdentifier(name)} TYPE bigint)` });
        }
        if (column.maxLength !== undefined && column.maxLength < 25 && column.baseType === 'varchar') {
          findings.push({ level: 'hand-edit', table: table.name, message: `id column ${name} is ${column.type}: tenantseed's text ids (cuid-like) have 25 characters` });
        }
      } else {
        node = draftColumnSchema(column, { table: table.name, root: isRoot, facts: columnFacts, unique: unique.get(name), tenantScoped: Boolean(tenantColumn || tenantVia), siblings, timestamps: timestamps.filter((e) => e !== name) });
      }
      if (!node) {
        if (column.notNull && column.default === undefined) {
          findings.push({ level: 'hand-edit', table: table.name, message: `${name} (${column.type}) is NOT NULL and tenantseed cannot make its values: add it to definitions/${table.name}.json ("properties") with a "const" or an "x-generate"` });
        } else {
          findings.push({ level: 'inferred', table: table.name, message: `${name} (${column.type}) left to the database (${column.default !== undefined ? 'its default' : 'null'})` });
        }
        continue;
      }
      const sum = sums.find((r) => r.column === name);
      if (sum && (node.type === 'integer' || node.type === 'number')) {
        // The parts' ranges make the total's: a drafted range or meaning would not hold the sum.
        const { type, multipleOf } = node;
        node = { type, ...(multipleOf !== undefined ? { multipleOf } : {}), 'x-generate': { sum: [...sum.of] } };
      }
      const order = orders.find((o) => o.later === name);
      if (order && node.format === 'date-time') {
        // A CHECK's order wins over the one the names imply (which may name another column).
        const spec = (node['x-generate'] as { date?: { maxDays?: number } } | undefined)?.date;
        node['x-generate'] = { date: { after: order.earlier, maxDays: spec?.maxDays ?? 30, ...(order.strict ? { strict: true } : {}) } };
      }
      if ((node['x-generate'] as DraftNode | undefined)?.password) usesPasswords.value = true;
      if (unique.has(name)) node['x-unique'] = unique.get(name);
      // A nullable tenant column: tenantseed fills it, except in the profile's rows without a tenant.
      if (!column.notNull) node = name === tenantColumn ? { ...node, type: [node.type as string, 'null'] } : withNull(node);
      else required.push(name);
      properties[name] = node;
    }

    for (const [name, guess] of polymorphic) if (properties[name]) properties[name]['x-ref-one-of'] = { discriminator: guess.discriminator, targets: { ...guess.targets } };
    // Several references of a row to one table (a ticket's created_by, assigned_to, resolved_by):
    // distinct rows, not one uuid in every column. Keys and the tenant column draw their own way.
    const byTarget = new Map<string, string[]>();
    for (const name of Object.keys(properties)) {
      const target = properties[name]['x-ref'];
      if (typeof target !== 'string' || name === tenantColumn || plan.primaryKey.includes(name) || tupleKeys.some((k) => k.includes(name))) continue;
      const table = target.split('.')[0];
      const before = byTarget.get(table) ?? [];
      if (before.length > 0) properties[name]['x-distinct-from'] = [...before];
      byTarget.set(table, [...before, name]);
    }
    const naturalKey = NATURAL_KEY_NAMES.find((n) => unique.has(n) && properties[n] && !refs.has(n) && (isRoot ? true : unique.get(n) === 'tenant' || !tenantColumn));
    const definition: DraftNode = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      title: `${table.name} (drafted by tenantseed introspect)`,
      type: 'object',
      'x-table': table.name,
    };
    if (isRoot) definition['x-tenant-root'] = true;
    if (tenantColumn) definition['x-tenant-column'] = tenantColumn;
    if (tenantVia) definition['x-tenant-via'] = tenantVia;
    if (!isRoot && !tenantColumn && !tenantVia && tenancy.root && appReads.has(table.name)) {
      // validate fails on a table the application role reads that is neither isolated nor declared shared.
      definition['x-global'] = true;
      findings.push({ level: 'warning', table: table.name, message: `${tenancy.appRole} can read ${table.name}, which has no tenant column and no reference to a tenant table: drafted as shared by every tenant ("x-global": true). If its rows belong to tenants, give it a tenant column (or a reference to a tenant table) and a row-level-security policy, and introspect again` });
    }
    definition['x-primary-key'] = plan.primaryKey;
    if (naturalKey) definition['x-natural-key'] = naturalKey;
    if (tupleKeys.length > 0) definition['x-unique-keys'] = tupleKeys;
    if (compositeRefs.length > 0) definition['x-foreign-keys'] = compositeRefs.map((r) => ({ columns: r.columns, table: r.table, references: r.references }));

    let count = tenantColumn || tenantVia ? STARTER_COUNT : STARTER_GLOBAL_COUNT;
    for (const key of tupleKeys) {
      // A tenant table's rows scale with their tenant, those of a table without tenants do not:
      // the largest tenant needs count x scale distinct tuples, so a lone global reference's table is raised to that.
      const globalRefs = key.filter((c) => refs.has(c) && !plans.get(refs.get(c)!.split('.')[0])?.tenantColumn);
      const raise = tenantColumn !== undefined && globalRefs.length === 1 && key.every((c) => refs.has(c));
      const capacity = key.reduce((n, c) => n * (raise && globalRefs.includes(c) ? Infinity : refs.has(c) ? have(refs.get(c)!.split('.')[0]) : Infinity), 1);
      count = Math.min(count, capacity);
      if (raise) {
        const target = refs.get(globalRefs[0])!.split('.')[0];
        const tenantCapacity = key.reduce((n, c) => n * (globalRefs.includes(c) ? 1 : have(refs.get(c)!.split('.')[0]) * STARTER_MAX_SCALE), 1);
        globalDemands.set(target, Math.max(globalDemands.get(target) ?? 0, Math.ceil((count * STARTER_MAX_SCALE) / tenantCapacity)));
      }
    }
    if (isChain && !tenantVia) count = 0;
    if (!isRoot) {
      definition['x-count'] = onePerTenant && tenantColumn ? { default: 1, scale: false } : { default: onePerTenant ? 1 : count };
      counts[table.name] = onePerTenant ? 1 : count;
    }
    if (Object.keys(evaluated).length > 0) definition['x-checks'] = evaluated;
    const existing = options.existingRows?.get(table.name);
    if (existing && existing.length > 0) {
      // Values of columns the definition leaves to their defaults are not recorded (reset then keeps those rows as they are).
      const recorded = Object.keys(properties);
      definition['x-existing-rows'] = existing.map((row) => Object.fromEntries(Object.entries(row).filter(([c]) => recorded.includes(c))));
      // Reference rows the migrations made (countries, priorities, a template): references pick them, none is made.
      if (madeOnly) {
        definition['x-count'] = { default: 0 };
        counts[table.name] = 0;
        made[table.name] = existing.length;
      }
    }
    if (tenantNullable) {
      const finding = nullableTenantFinding(table, tenantColumn!, noTenantRule);
      findings.push(finding);
      const drafted = finding.level === 'inferred' && noTenantRule ? draftWithoutTenant(noTenantRule, properties, naturalKey) : undefined;
      if (drafted) withoutTenant[table.name] = drafted;
    }
    definition.properties = properties;
    definition.required = required;
    definition.additionalProperties = false;
    definitions.set(table.name, definition);

    if (isRoot) {
      rootNaturalKey = naturalKey;
      rootNameColumn = naturalKey !== 'name' && properties.name && (properties.name.type === 'string' || (properties.name.type as string[] | undefined)?.[0] === 'string') ? 'name' : undefined;
      const keyNode = naturalKey ? properties[naturalKey] : undefined;
      rootPatterns = { key: typeof keyNode?.pattern === 'string' ? new RegExp(keyNode.pattern, 'u') : undefined, keyMax: keyNode?.maxLength as number | undefined };
    }
  }

  for (const [table, need] of globalDemands) {
    const definition = definitions.get(table);
    if (!definition || (counts[table] ?? 0) >= need || (definition['x-unique-keys'] as unknown[] | undefined)?.length) continue;
    if (definition['x-existing-rows']) continue;
    counts[table] = need;
    definition['x-count'] = { ...(definition['x-count'] as DraftNode), default: need };
    findings.push({ level: 'inferred', table, message: `${table}: ${need} rows, so that each tenant's rows (at the profile's largest scale, ${STARTER_MAX_SCALE}) find distinct ones to reference` });
  }

  // The starter profile: three named tenants when the root has a natural key their names fit.
  const named = rootNaturalKey
    ? NAMED_TENANTS.filter((t) => (!rootPatterns.key || rootPatterns.key.test(t.key)) && (!rootPatterns.keyMax || t.key.length <= rootPatterns.keyMax))
      .map((t) => ({ [rootNaturalKey!]: t.key, ...(rootNameColumn ? { [rootNameColumn]: t.name } : {}) }))
    : [];
  if (tenancy.root && named.length === 0) {
    findings.push({ level: 'warning', table: tenancy.root, message: rootNaturalKey ? `the named tenants' keys (acme, globex, initech) do not fit ${tenancy.root}.${rootNaturalKey}: the profile names none` : `${tenancy.root} has no unique slug-like column to name tenants by: the profile names none (add "x-natural-key" to name some)` });
  } else if (tenancy.root) {
    findings.push({ level: 'inferred', table: tenancy.root, message: `tenants named by ${tenancy.root}.${rootNaturalKey}: ${named.map((n) => n[rootNaturalKey!]).join(', ')}` });
  }
  const profile: DraftNode = {
    description: `Drafted by tenantseed introspect from schema ${snapshot.schema}: check the counts and the named tenants`,
    seed: 1,
    referenceDate: '2026-01-01T00:00:00Z',
    protected: false,
    collisions: false,
    ...(usesPasswords.value ? { passwords: ['dev-password-1', 'dev-password-2'] } : {}),
    tenants: tenancy.root ? { named, generated: 5, sizes: STARTER_SIZES } : { named: [], generated: 0, sizes: [{ share: 1, scale: 1 }] },
    counts,
    ...(tenancy.root && rootNaturalKey ? { newTenant: draftNewTenant(definitions) } : {}),
    ...(Object.keys(withoutTenant).length > 0 ? { withoutTenant } : {}),
  };
  return {
    definitions,
    profile,
    tenancy: { setting: tenancy.setting, setContext: tenancy.setContext, appRole: tenancy.appRole, adminRole: tenancy.adminRole },
    root: tenancy.root,
    findings,
  };
}

/** The columns to read of rows the migrations made: the key, the natural key. */
export function existingRowColumns(definition: DraftNode): string[] {
  const key = (definition['x-primary-key'] as string[] | undefined) ?? [];
  const natural = definition['x-natural-key'] as string | undefined;
  return [...new Set([...key, ...(natural ? [natural] : [])])];
}
