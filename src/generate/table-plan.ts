import { createHash } from 'node:crypto';
import { DefinitionError, ProfileError } from '../errors';
import { compiledValidator, isTenantScoped, pointerToken, referenceableColumn, schemaErrorsText } from '../definitions';
import type { ColumnDefinition, SchemaNode, TableDefinition } from '../definitions';
import { CompileContext, CompiledValue, compileSchema, RowContext, TenantPlan } from './compile-value';
import { fitId, IdKind, idKindOf, integerIdBlockBits, keyedId, largestInteger, namedTextId } from './ids';
import { combine, hashString, KeyedRandom } from './keyed-random';
import { isWithoutTenant } from './without-tenant';
import { assignSpreadSteps, quantileAt, spreadPoint } from './spread-points';

/** A row: values in the order of its table's `columns`. */
export type Row = unknown[];

const ID_SALT = hashString('id');
const REDRAW_SALT = hashString('redraw');

/** A table's column as one key that no names can make ambiguous (identifiers hold no NUL). */
export function columnKey(table: string, column: string): string {
  return `${table}\0${column}`;
}

/** A bijection of [0, n) keyed by `key` (an affine map), to draw unique values without replacement. */
function affinePermutation(n: number, key: number): (i: number) => number {
  if (n <= 1) return () => 0;
  const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y));
  let a = 1 + (key % (n - 1));
  while (gcd(a, n) !== 1) a = (a % (n - 1)) + 1;
  const b = combine(key, 7) % n;
  if (n < 2 ** 26) return (i) => (a * i + b) % n;
  const A = BigInt(a);
  const B = BigInt(b);
  const N = BigInt(n);
  return (i) => Number((A * BigInt(i) + B) % N);
}

/**
 * The slot of a row of a tenant among all tenants' rows (Cantor's pairing of tenant position and
 * row): distinct for every pair, and independent of how many rows other tenants have, so a
 * globally unique value never moves when a count is raised or a tenant is added.
 */
function globalSlot(tenantIndex: number, row: number): number {
  return ((tenantIndex + row) * (tenantIndex + row + 1)) / 2 + row;
}

/** Column positions in the order their values can be made: a date's `after` column and a sum's parts first. */
function evaluationOrder(columns: readonly ColumnDefinition[]): number[] {
  const names = columns.map((c) => c.name);
  const dependsOn = (column: ColumnDefinition): string[] => {
    // A polymorphic reference is made after the discriminator that chooses its table.
    const discriminator = [...(column.refOneOf ? [column.refOneOf.discriminator] : []), ...(column.distinctFrom ?? [])];
    const spec = column.schema['x-generate'] as { date?: { after?: string | string[] }; sum?: string[] } | undefined;
    if (!spec || typeof spec !== 'object') return discriminator;
    const after = spec.date?.after;
    return [...discriminator, ...(typeof after === 'string' ? [after] : after ?? []), ...(Array.isArray(spec.sum) ? spec.sum : [])];
  };
  const order: number[] = [];
  const placed = new Set<number>();
  const visit = (i: number, depth: number): void => {
    if (placed.has(i)) return;
    // A cycle (or a chain longer than the table) is left to the generator's own error.
    for (const name of dependsOn(columns[i])) {
      const before = names.indexOf(name);
      if (before >= 0 && before !== i && depth < names.length) visit(before, depth + 1);
    }
    if (!placed.has(i)) {
      placed.add(i);
      order.push(i);
    }
  };
  names.forEach((_n, i) => visit(i, 0));
  return order;
}

/** Mixed-radix draw without replacement, as bigints: the index of a tuple among all tuples. */
function tuplePermutation(n: bigint, key: number): (i: number) => bigint {
  if (n <= 1n) return () => 0n;
  const gcd = (x: bigint, y: bigint): bigint => (y === 0n ? x : gcd(y, x % y));
  let a = 1n + (BigInt(key) % (n - 1n));
  while (gcd(a, n) !== 1n) a = (a % (n - 1n)) + 1n;
  const b = BigInt(combine(key, 7)) % n;
  return (i) => (a * BigInt(i) + b) % n;
}

/**
 * Columns whose values together must be unique (a primary key or unique constraint without a
 * column that is unique by itself): each row draws one tuple of their value spaces, without
 * replacement, so no two rows of a tenant (or of the table) share it.
 */
interface TupleGroup {
  readonly columns: readonly string[];
  readonly salt: number;
  /** One digit per slot: a column, or a foreign key over several columns (the parent row's position). */
  readonly slots: readonly TupleSlot[];
}

type TupleSlot = { readonly column: string } | { readonly foreignKey: number };

interface CompiledColumn {
  readonly definition: ColumnDefinition;
  readonly salt: number;
  readonly kind: 'tenant' | 'id' | 'ref' | 'poly' | 'fk' | 'null' | 'value';
  /** A column of a foreign key over several columns: the key's position and the parent column it copies. */
  readonly fk?: { readonly group: number; readonly parentColumn: string };
  /** Set when the value is drawn as part of a unique tuple: the group and this column's digit. */
  tuple?: { readonly group: number; readonly digit: number };
  readonly value?: CompiledValue;
  /** Shared across tenants in profiles with collisions. */
  readonly shared: boolean;
}

/** How a table plan reaches the plans of the tables it references. */
export interface PlanLookup {
  table(name: string): TablePlan | undefined;
}

/** Everything a table plan needs from the plan that owns it. */
export interface TablePlanOptions {
  readonly definition: TableDefinition;
  readonly compile: CompileContext;
  readonly seed: number;
  /** The tenants the rows belong to; undefined for a table without tenants. */
  readonly tenants?: readonly TenantPlan[];
  /** Rows per tenant (or in all), fixed rows included. */
  readonly counts: (tenant?: TenantPlan) => number;
  /** Fixed rows of a tenant (or of the table). */
  readonly fixedRows: (tenant?: TenantPlan) => readonly Record<string, unknown>[];
  readonly collisions: boolean;
  /** Columns left null to break reference cycles, as {@link columnKey}s. */
  readonly cycleBreaks: ReadonlySet<string>;
  readonly lookup: PlanLookup;
  /** Legacy rows: the tenant column is left out. */
  readonly legacy?: boolean;
  /**
   * Legacy rows only: the plan of the same table's tenant rows, which the legacy rows join once
   * absorbed. A column unique across tenants then takes its legacy values from the top of the
   * tenant rows' permutation, so the two never meet.
   */
  readonly absorbedBy?: TablePlan;
  /**
   * Tenant rows of a legacy table: how many legacy rows it absorbs. Rows without a tenant take
   * their global unique values and integer ids after the legacy rows', so the two never meet.
   */
  readonly legacyRows?: number;
  /**
   * The tenant root in `tenant add`: the position of its first row among the rows seeded before
   * (the tenants there are). Values keyed by row ({row}, unique draws, keyed streams) then go on
   * from there, so the new tenant's row repeats no seeded tenant's unique values. 0 by default.
   */
  readonly firstRow?: number;
}

/**
 * The rows of one table: how many per tenant, how each value is made, and the id of any row
 * (so children reference parents without keeping them in memory).
 */
export class TablePlan {
  readonly name: string;
  readonly definition: TableDefinition;
  readonly columns: readonly string[];
  readonly legacy: boolean;
  private readonly compiled: CompiledColumn[];
  /** The step of each x-spread column's sequence: distinct within the table (see assignSpreadSteps). */
  private readonly spreadSteps: ReadonlyMap<string, readonly [number, number]>;
  /** The key of the table's values (legacy rows have their own). */
  readonly tableSeed: number;
  private readonly idColumn?: string;
  private readonly idKind?: IdKind;
  /** Integer ids of a table without tenants start after the largest id of its existing rows. */
  private readonly idOffset: number;
  /** The bits of a tenant's block of integer ids (from the id column's maximum). */
  private readonly idBlockBits: number;
  private readonly tuples: TupleGroup[] = [];
  /**
   * The order values are made in: the columns' order, except that a date made `after` another
   * column comes after it, wherever the catalog put that column (Prisma writes "lastActive"
   * before "createdAt"). Each value has its own keyed stream, so the order changes no value.
   */
  private readonly evaluationOrder: number[];
  private readonly options: TablePlanOptions;

  constructor(options: TablePlanOptions) {
    this.options = options;
    this.definition = options.definition;
    this.legacy = options.legacy ?? false;
    this.name = this.definition.table;
    this.tableSeed = hashString(`${this.legacy ? 'legacy:' : ''}${this.name}`, options.seed);
    const id = referenceableColumn(this.definition);
    const idSchema = this.definition.columns.find((c) => c.name === id)?.schema;
    const idKind = idSchema && !idSchema['x-ref'] && id !== this.definition.tenantColumn ? idKindOf(idSchema) : undefined;
    if (idKind) {
      this.idColumn = id;
      this.idKind = idKind;
    }
    this.idOffset = largestInteger(this.definition.existingRows.map((r) => r[id]));
    this.idBlockBits = integerIdBlockBits(idSchema?.maximum);
    const kept = this.definition.columns.filter((c) => !(this.legacy && c.name === this.definition.tenantColumn));
    this.columns = kept.map((c) => c.name);
    this.compiled = kept.map((column) => this.compileColumn(column));
    this.spreadSteps = assignSpreadSteps(this.compiled.filter((c) => c.definition.spread).map((c) => c.definition.name));
    this.evaluationOrder = evaluationOrder(this.compiled.map((c) => c.definition));
    this.planTuples();
  }

  /**
   * Finds the keys (primary key, x-unique-keys) that no column makes unique by itself and
   * draws their columns together. The tenant column is left out: keys are per tenant.
   */
  private planTuples(): void {
    const byName = new Map(this.compiled.map((c) => [c.definition.name, c]));
    const keys = [this.definition.primaryKey, ...this.definition.uniqueKeys]
      .map((key) => key.filter((c) => c !== this.definition.tenantColumn && byName.has(c)))
      .filter((key) => key.length > 0)
      .sort((a, b) => a.length - b.length);
    const uniqueAlone = (c: CompiledColumn) =>
      c.kind === 'id' || (c.kind === 'value' && (Boolean(c.definition.unique) || c.value!.space.kind === 'unique-by-row'));
    // A key that fixed rows give for every row of every tenant is the fixed rows' to keep unique.
    const coveredByFixedRows = (key: readonly string[]) => this.tenantList().every((t) => {
      const fixed = this.options.fixedRows(t);
      return this.countFor(t) <= fixed.length && fixed.every((row) => key.every((c) => row[c] !== undefined));
    });
    for (const key of keys) {
      const members = key.map((name) => byName.get(name)!);
      if (members.some(uniqueAlone) || coveredByFixedRows(key)) continue;
      if (this.tuples.some((g) => g.columns.every((c) => key.includes(c)))) continue;
      const where = `${this.definition.file} at /x-primary-key`;
      const slots: TupleSlot[] = [];
      for (const m of members) {
        if (m.kind !== 'fk') {
          slots.push({ column: m.definition.name });
          continue;
        }
        const fk = this.definition.foreignKeys[m.fk!.group];
        if (!fk.columns.every((c) => key.includes(c))) {
          throw new DefinitionError(`${where}: (${key.join(', ')}) must be unique in ${this.name}, but holds only some of the columns of the foreign key (${fk.columns.join(', ')}) to ${fk.table}`, {
            hint: 'tenantseed draws a foreign key\'s columns together (one parent row): make the key hold all of them, or none.',
          });
        }
        if (!slots.some((s) => 'foreignKey' in s && s.foreignKey === m.fk!.group)) slots.push({ foreignKey: m.fk!.group });
      }
      for (const m of members) {
        if (m.tuple) {
          throw new DefinitionError(`${where}: the unique keys (${key.join(', ')}) and (${this.tuples[m.tuple.group].columns.join(', ')}) of ${this.name} overlap`, {
            hint: 'tenantseed draws each unique tuple on its own; make one of the keys contain the other, or give a column x-unique.',
          });
        }
        if (m.kind === 'value' && m.value!.space.kind !== 'finite') {
          throw new DefinitionError(`${where}: (${key.join(', ')}) must be unique in ${this.name}, but the generator of ${m.definition.name} cannot list its values`, {
            hint: `Give ${m.definition.name} an enum, an integer range or x-unique, or reference rows (x-ref).`,
          });
        }
        if (m.kind !== 'ref' && m.kind !== 'value' && m.kind !== 'fk') {
          throw new DefinitionError(`${where}: (${key.join(', ')}) must be unique in ${this.name}, but ${m.definition.name} is always null`, {
            hint: 'A reference cycle is broken at that column; break it elsewhere or drop the column from the key.',
          });
        }
      }
      const group = this.tuples.length;
      members.forEach((m) => {
        const digit = slots.findIndex((s) => ('foreignKey' in s ? m.fk?.group === s.foreignKey : s.column === m.definition.name));
        m.tuple = { group, digit };
      });
      this.tuples.push({ columns: key, salt: hashString(`tuple:${key.join(',')}`), slots });
    }
  }

  /** The number of values each column of a tuple group can take in a tenant. */
  private tupleRadices(group: TupleGroup, tenant: TenantPlan | undefined): number[] {
    return group.slots.map((slot) => {
      if ('foreignKey' in slot) return this.foreignParent(slot.foreignKey).candidates(tenant);
      const c = this.compiled.find((x) => x.definition.name === slot.column)!;
      if (c.kind === 'ref') return this.parentOf(c.definition).candidates(tenant);
      return (c.value!.space as { indexable: { size: number } }).indexable.size;
    });
  }

  private compileColumn(column: ColumnDefinition): CompiledColumn {
    const salt = hashString(column.name);
    const shared = this.options.collisions && column.collide;
    const where = { ...this.options.compile, where: `${this.definition.file} at /properties/${column.name}` };
    if (column.name === this.definition.tenantColumn) return { definition: column, salt, kind: 'tenant', shared };
    if (column.name === this.idColumn) return { definition: column, salt, kind: 'id', shared };
    if (this.options.cycleBreaks.has(columnKey(this.name, column.name))) return { definition: column, salt, kind: 'null', shared };
    // Legacy rows predate the tables that only exist after tenancy: such a reference is left
    // null (and the column is not loaded when the baseline table lacks it).
    if (column.ref && this.legacy && !this.options.lookup.table(column.ref.table)) return { definition: column, salt, kind: 'null', shared };
    if (column.ref) return { definition: column, salt, kind: 'ref', shared };
    if (column.refOneOf) return { definition: column, salt, kind: 'poly', shared };
    const group = this.definition.foreignKeys.findIndex((fk) => fk.columns.includes(column.name));
    if (group >= 0) {
      const fk = this.definition.foreignKeys[group];
      if (this.legacy && !this.options.lookup.table(fk.table)) return { definition: column, salt, kind: 'null', shared };
      return { definition: column, salt, kind: 'fk', shared, fk: { group, parentColumn: fk.references[fk.columns.indexOf(column.name)] } };
    }
    return { definition: column, salt, kind: 'value', shared, value: compileSchema(where, '', column.schema) };
  }

  /** Columns always left null (a reference cycle broken there, or a legacy row's reference to a newer table). */
  nullColumns(): string[] {
    return this.compiled.filter((c) => c.kind === 'null').map((c) => c.definition.name);
  }

  /** The tenants this table's rows belong to ([undefined] for a table without tenants). */
  tenantList(): readonly (TenantPlan | undefined)[] {
    return this.options.tenants ?? [undefined];
  }

  /** Rows of a tenant (or of the table). */
  countFor(tenant?: TenantPlan): number {
    return this.options.counts(tenant);
  }

  /** Rows with no tenant on purpose (the profile's `withoutTenant`). */
  withoutTenantCount(): number {
    const last = this.options.tenants?.[this.options.tenants.length - 1];
    return isWithoutTenant(last) ? this.countFor(last) : 0;
  }

  /** Rows in all. */
  rowCount(): number {
    return this.tenantList().reduce((sum, t) => sum + this.countFor(t), 0);
  }

  private tenantSeed(tenant?: TenantPlan): number {
    return combine(this.tableSeed, tenant?.hash ?? 0);
  }

  /** The id of row `row` of a tenant: from its fixed row, its name, or keyed. */
  idAt(tenant: TenantPlan | undefined, row: number): string | number {
    return fitId(this.makeId(tenant, row), this.idSchema);
  }

  private get idSchema(): SchemaNode | undefined {
    return this.definition.columns.find((c) => c.name === this.idColumn)?.schema;
  }

  private makeId(tenant: TenantPlan | undefined, row: number): string | number {
    if (!this.idColumn || !this.idKind) {
      throw new DefinitionError(`${this.definition.file}: ${this.name} is referenced, but tenantseed does not make its id column`, {
        hint: 'Give the id column "format": "uuid", "type": "integer" or "x-generate": "cuid".',
      });
    }
    const fixed = this.options.fixedRows(tenant)[row];
    const given = fixed?.[this.idColumn];
    if (typeof given === 'string' || typeof given === 'number') return given;
    const natural = this.definition.naturalKey;
    if (fixed && natural && fixed[natural] !== undefined && this.idKind !== 'integer') {
      // Named fixtures keep their id whatever the seed, so tests can refer to them by name.
      return namedTextId(this.idKind, createHash('sha256').update(`${this.name}\0${tenant?.key ?? ''}\0${String(fixed[natural])}`).digest('hex'));
    }
    // Integer ids of rows without a tenant: in block 0, after the existing and the legacy rows'.
    const scope = isWithoutTenant(tenant)
      ? { offset: this.idOffset + (this.options.legacyRows ?? 0), blockBits: this.idBlockBits }
      : { tenantIndex: tenant?.index, offset: this.idOffset, blockBits: this.idBlockBits };
    return keyedId(this.idKind, combine(this.tenantSeed(tenant), ID_SALT), row, scope);
  }

  /** How many rows a reference to this table can pick from in a tenant. */
  private candidates(tenant: TenantPlan | undefined): number {
    return (isTenantScoped(this.definition) && !this.legacy ? this.countFor(tenant) : this.definition.existingRows.length + this.countFor(undefined));
  }

  /**
   * The values of the i-th candidate a foreign key over several columns can pick: one existing
   * row (rows the migrations made first, for tables without tenants), so the tuple exists.
   */
  candidateValues(tenant: TenantPlan | undefined, i: number): Record<string, unknown> {
    if (this.definition.tenantColumn && !this.legacy) return this.valuesAt(tenant, i);
    const existing = this.definition.existingRows;
    if (i < existing.length) return existing[i];
    return this.valuesAt(undefined, i - existing.length);
  }

  private foreignParent(group: number): TablePlan {
    const fk = this.definition.foreignKeys[group];
    const parent = this.options.lookup.table(fk.table);
    if (!parent) {
      throw new DefinitionError(`${this.definition.file} at /x-foreign-keys/${group}: ${this.legacy ? 'legacy rows can only reference legacy tables, and' : ''} ${fk.table} has no rows to reference`, {
        hint: `Give ${fk.table} rows, or make ${fk.columns.join(', ')} nullable.`,
      });
    }
    return parent;
  }

  /** The id of the i-th candidate a reference can pick (existing rows first, for tables without tenants). */
  candidateId(tenant: TenantPlan | undefined, i: number): string | number {
    if (isTenantScoped(this.definition) && !this.legacy) return this.idAt(tenant, i);
    const existing = this.definition.existingRows;
    if (i < existing.length) return existing[i][referenceableColumn(this.definition)] as string | number;
    return this.idAt(undefined, i - existing.length);
  }

  /** Checks, before any row is made, that references can always be satisfied and unique values exist. */
  check(): void {
    this.checkFixedRows();
    for (const c of this.compiled) {
      if (c.kind === 'ref') this.checkReference(c.definition);
      if (c.kind === 'poly') this.checkPolymorphic(c.definition);
      if (c.kind === 'fk' && this.definition.foreignKeys[c.fk!.group].columns[0] === c.definition.name) this.checkForeignKey(c.fk!.group);
      if (c.definition.unique && c.kind === 'value') this.checkUnique(c);
    }
    this.checkTuples();
    this.checkIntegerIds();
    this.checkKeyAcrossTenants();
  }

  private checkTuples(): void {
    for (const group of this.tuples) {
      for (const tenant of this.tenantList()) {
        const n = this.countFor(tenant);
        const radices = this.tupleRadices(group, tenant);
        const space = radices.reduce((a, r) => a * r, 1);
        if (n > space) {
          throw new ProfileError(
            `${this.name} needs ${n} rows${tenant ? ` in tenant ${tenant.key}` : ''} with distinct (${group.columns.join(', ')}), but only ${space} combinations exist (${group.columns.map((c, i) => `${c}: ${radices[i]}`).join(', ')})`,
            { hint: `Lower the count of ${this.name} in the profile ("counts"), or raise the counts of the tables it references.` },
          );
        }
      }
    }
  }

  /**
   * A tenant table whose primary key is one column without the tenant's (`"id"` beside
   * `"tenantId"`) needs ids unique across tenants: tenantseed's own ids are (keyed uuids and
   * cuids, integers in tenant blocks); any other value must be "x-unique": "global".
   */
  private checkKeyAcrossTenants(): void {
    const key = this.definition.primaryKey;
    if (!isTenantScoped(this.definition) || (this.definition.tenantColumn && key.includes(this.definition.tenantColumn)) || key.length !== 1) return;
    const column = this.compiled.find((c) => c.definition.name === key[0]);
    if (!column || column.kind === 'id' || column.definition.unique === 'global') return;
    // A key that is a reference drawn without repeats among a tenant's parents (one row per
    // parent): the parents of two tenants are distinct rows, so the values are too.
    if (column.kind === 'ref' && column.tuple && isTenantScoped(this.parentOf(column.definition).definition)) return;
    throw new DefinitionError(`${this.definition.file} at /x-primary-key: the primary key (${key[0]}) of ${this.name} does not hold the tenant column, so its values must be unique across tenants, and tenantseed cannot promise that of ${key[0]}`, {
      hint: `Give ${key[0]} "format": "uuid", "x-generate": "cuid" or "type": "integer" (ids tenantseed makes), or "x-unique": "global".`,
    });
  }

  private checkIntegerIds(): void {
    if (this.idKind !== 'integer') return;
    const maximum = this.definition.columns.find((c) => c.name === this.idColumn)!.schema.maximum;
    if (typeof maximum !== 'number') return;
    const where = `${this.definition.file} at /properties/${pointerToken(this.idColumn!)}/maximum`;
    const block = 2 ** this.idBlockBits;
    for (const tenant of this.tenantList()) {
      const n = this.countFor(tenant);
      if (isWithoutTenant(tenant)) continue;
      if (tenant && this.idOffset + n >= block) {
        throw new DefinitionError(`${where}: ${this.name} needs ${n} ids in tenant ${tenant.key}, but a tenant's block of ids of this column holds ${block - 1 - this.idOffset}`, {
          hint: `Integer ids are (tenant position + 1) * 2^${this.idBlockBits} + row: lower the count of ${this.name} in the profile, or make the column a bigint (and raise "maximum").`,
        });
      }
      const largest = n === 0 ? 0 : (keyedId('integer', 0, n - 1, { tenantIndex: tenant?.index, offset: this.idOffset, blockBits: this.idBlockBits }) as number);
      if (largest > maximum) {
        throw new DefinitionError(`${where}: ids of ${this.name} reach ${largest}${tenant ? ` (tenant ${tenant.key}, position ${tenant.index})` : ''}, above the maximum ${maximum}`, {
          hint: `Integer ids are (tenant position + 1) * 2^${this.idBlockBits} + row: use fewer tenants, make the column a bigint (and raise "maximum"), or remove "maximum".`,
        });
      }
    }
  }

  /** Values given in fixed rows (in a definition or a profile) must be valid for their columns. */
  private checkFixedRows(): void {
    const seen = new WeakSet<object>();
    for (const tenant of this.tenantList()) {
      this.options.fixedRows(tenant).forEach((row, i) => {
        if (seen.has(row)) return;
        seen.add(row);
        for (const column of this.definition.columns) {
          if (row[column.name] === undefined) continue;
          const validate = compiledValidator(column.schema);
          if (!validate(row[column.name])) {
            throw new ProfileError(
              `${this.name} row ${i + 1}${tenant ? ` of tenant ${tenant.key}` : ''}: ${column.name} ${JSON.stringify(row[column.name])} ${schemaErrorsText(validate.errors, { dataVar: '' }).replace(/^\s*/, '')}`,
              { hint: `Fix the named row in the profile (or x-fixed-rows in ${this.definition.file}).` },
            );
          }
        }
      });
    }
  }

  private parentOf(column: ColumnDefinition): TablePlan {
    const parent = this.options.lookup.table(column.ref!.table);
    if (!parent) {
      throw new DefinitionError(`${this.definition.file} at /properties/${column.name}/x-ref: ${this.legacy ? 'legacy rows can only reference legacy tables, and' : ''} ${column.ref!.table} has no rows to reference`, {
        hint: this.legacy ? `Mark ${column.ref!.table} "x-legacy": true, or make ${column.name} nullable.` : `Give ${column.ref!.table} rows, or make ${column.name} nullable.`,
      });
    }
    return parent;
  }

  /** The plan of the table a polymorphic reference points at for a discriminator value (undefined: null). */
  private targetOf(column: ColumnDefinition, discriminator: unknown): TablePlan | undefined {
    if (discriminator === null || discriminator === undefined) return undefined;
    const table = column.refOneOf!.targets[String(discriminator)];
    return table === undefined ? undefined : this.options.lookup.table(table);
  }

  /** Every table a polymorphic reference can point at has rows in each tenant that has rows of this table. */
  private checkPolymorphic(column: ColumnDefinition): void {
    if (column.nullable) return;
    for (const [value, table] of Object.entries(column.refOneOf!.targets)) {
      const parent = this.options.lookup.table(table);
      for (const tenant of this.tenantList()) {
        if (this.countFor(tenant) > 0 && (!parent || parent.candidates(tenant) === 0)) {
          throw new ProfileError(
            `${this.name}.${column.name} may point at a ${table} row (${column.refOneOf!.discriminator} = ${JSON.stringify(value)})${tenant ? ` in tenant ${tenant.key}` : ''}, but there are none`,
            { hint: `Raise the count of ${table} in the profile ("counts"), lower ${this.name}'s, or make ${column.name} nullable.` },
          );
        }
      }
    }
  }

  private checkReference(column: ColumnDefinition): void {
    const parent = this.parentOf(column);
    for (const other of column.distinctFrom ?? []) {
      const ref = this.definition.columns.find((c) => c.name === other)?.ref;
      if (!ref || ref.table !== column.ref!.table) {
        throw new DefinitionError(`${this.definition.file} at /properties/${pointerToken(column.name)}/x-distinct-from: ${other} is not a reference to ${column.ref!.table} in ${this.name}`, {
          hint: `Name other columns of ${this.name} whose x-ref points at ${column.ref!.table}.`,
        });
      }
    }
    for (const tenant of this.tenantList()) {
      if (this.countFor(tenant) > 0 && parent.candidates(tenant) === 0 && !column.nullable) {
        throw new ProfileError(
          `${this.name}.${column.name} needs a ${parent.name} row${tenant ? ` in tenant ${tenant.key}` : ''}, but there are none`,
          { hint: `Raise the count of ${parent.name} in the profile ("counts"), lower ${this.name}'s, or make ${column.name} nullable.` },
        );
      }
    }
  }

  private checkForeignKey(group: number): void {
    const fk = this.definition.foreignKeys[group];
    const parent = this.foreignParent(group);
    const nullable = fk.columns.every((name) => this.definition.columns.find((c) => c.name === name)?.nullable);
    for (const tenant of this.tenantList()) {
      if (this.countFor(tenant) > 0 && parent.candidates(tenant) === 0 && !nullable) {
        throw new ProfileError(
          `${this.name}.(${fk.columns.join(', ')}) needs a ${parent.name} row${tenant ? ` in tenant ${tenant.key}` : ''}, but there are none`,
          { hint: `Raise the count of ${parent.name} in the profile ("counts"), lower ${this.name}'s, or make ${fk.columns.join(', ')} nullable.` },
        );
      }
    }
  }

  private uniqueScopeCounts(c: CompiledColumn): { needed: number; where: string } {
    if (this.legacy && c.definition.unique === 'global' && this.options.absorbedBy) {
      // Legacy rows take the top slots of the tenant rows' permutation (see rows()).
      const tenantSlots = this.options.absorbedBy.globalSlotsUsed();
      return { needed: tenantSlots + this.rowCount(), where: `for ${this.rowCount()} legacy rows beside the ${tenantSlots} slots of the tenant rows` };
    }
    // Legacy rows have no tenant (yet): they are unique among themselves.
    if (!isTenantScoped(this.definition) || this.legacy) {
      // The tenant root in tenant add: its rows follow the rows seeded before (firstRow).
      const before = this.options.firstRow ?? 0;
      return { needed: before + this.rowCount(), where: this.legacy ? 'in the legacy rows' : before > 0 ? `in the table (${before} rows seeded before)` : 'in the table' };
    }
    if (c.definition.unique === 'global') {
      // Rows without a tenant take the top slots, below the legacy rows' (see makeRow).
      const top = (this.options.legacyRows ?? 0) + this.withoutTenantCount();
      return { needed: this.globalSlotsUsed() + top, where: `for ${this.tenantList().length} tenants (global values are keyed by tenant position and row, so that adding tenants or rows changes none)` };
    }
    let needed = 0;
    let where = '';
    for (const t of this.tenantList()) {
      const n = this.countFor(t);
      if (n > needed) {
        needed = n;
        where = `in tenant ${t?.key}`;
      }
    }
    return { needed, where };
  }

  /**
   * How many slots of a permutation the rows of a column unique across tenants use: one more
   * than the largest (tenant position, row) slot, or the row count of a table without tenants.
   */
  globalSlotsUsed(): number {
    if (!isTenantScoped(this.definition) || this.legacy) return this.rowCount();
    let needed = 0;
    for (const t of this.tenantList()) {
      if (isWithoutTenant(t)) continue;
      const n = this.countFor(t);
      if (n > 0) needed = Math.max(needed, globalSlot(t!.index, n - 1) + 1);
    }
    return needed;
  }

  private checkUnique(c: CompiledColumn): void {
    const space = c.value!.space;
    const scope = c.definition.unique === 'tenant' ? 'unique per tenant' : 'unique';
    if (space.kind === 'unique-by-row') {
      if (c.definition.unique === 'global' && isTenantScoped(this.definition) && !this.legacy && !space.acrossTenants && !c.shared) {
        throw new DefinitionError(`${this.definition.file} at /properties/${c.definition.name}: table ${this.name}, column ${c.definition.name} is unique across tenants, but its generator repeats from tenant to tenant ({row} restarts in each)`, {
          hint: 'Add {tenant} to its template, use a uuid or cuid, or make it "x-unique": "tenant".',
        });
      }
      return;
    }
    if (space.kind === 'random') {
      throw new DefinitionError(`${this.definition.file} at /properties/${c.definition.name}: table ${this.name}, column ${c.definition.name} is ${scope}, but its generator cannot promise distinct values`, {
        hint: 'Use a template with {row}, a uuid, an enum or a single Faker method (whose values are drawn without repetition).',
      });
    }
    const { needed, where } = this.uniqueScopeCounts(c);
    if (needed > space.indexable.size) {
      throw new DefinitionError(
        `${this.definition.file} at /properties/${c.definition.name}: table ${this.name}, column ${c.definition.name} is ${scope}: it needs ${needed} values ${where}, but its generator has only ${space.indexable.size}`,
        { hint: 'Add {row} to its template, widen its range or enum, or lower the count in the profile.' },
      );
    }
  }

  /** What a tenant's rows draw from: tuple and unique permutations, made once per tenant. */
  private tenantDraws(tenant: TenantPlan | undefined): TenantDraws {
    const tenantSeed = this.tenantSeed(tenant);
    const tupleDraws = this.tuples.map((group) => {
      const radices = this.tupleRadices(group, tenant).map(BigInt);
      const permute = tuplePermutation(radices.reduce((a, r) => a * r, 1n), combine(tenantSeed, group.salt));
      return { radices, permute, row: -1, digits: [] as number[] };
    });
    return {
      tenant, tenantSeed, tupleDraws, fixedRows: this.options.fixedRows(tenant), permutations: new Map(), rng: new KeyedRandom(0),
      ctx: { tenant, row: 0, rowKey: 0, sharedKey: 0, values: {} }, parentRows: { row: -1, values: [] }, perParent: new Map(),
    };
  }

  /**
   * Makes the rows, tenant by tenant, lazily: memory does not grow with the row count.
   */
  *rows(): Generator<Row> {
    for (const tenant of this.tenantList()) {
      const n = this.countFor(tenant);
      const draws = this.tenantDraws(tenant);
      const redrawn = this.redrawn.get(tenant?.key ?? '');
      for (let row = 0; row < n; row++) yield this.makeRow(draws, row, redrawn?.get(row) ?? 0).out;
    }
  }

  /**
   * Rows drawn again because they broke a CHECK tenantseed cannot read (`x-checks`), by tenant
   * key: row -> the attempt whose values hold. Only such rows change; every other row keeps its values.
   */
  private readonly redrawn = new Map<string, Map<number, number>>();

  /** Makes row `row` of a tenant with the values of its `attempt`-th draw (0: its own) from now on. */
  redraw(tenant: TenantPlan | undefined, row: number, attempt: number): void {
    const key = tenant?.key ?? '';
    let rows = this.redrawn.get(key);
    if (!rows) this.redrawn.set(key, (rows = new Map()));
    if (attempt === 0) rows.delete(row);
    else rows.set(row, attempt);
  }

  /**
   * Row `row` of a tenant as its `attempt`-th draw makes it: the values that come from the row's
   * key (not its id, unique draws or fixed values) are drawn with another key, `attempt` deep.
   */
  drawAt(tenant: TenantPlan | undefined, row: number, attempt: number): Row {
    return this.makeRow(this.drawsOf(tenant), row, attempt).out;
  }

  /**
   * The values of row `row` of a tenant, the same as {@link rows} makes them (every value is
   * keyed by tenant, row and column): what a foreign key over several columns copies.
   */
  valuesAt(tenant: TenantPlan | undefined, row: number): Record<string, unknown> {
    return this.makeRow(this.drawsOf(tenant), row, this.redrawn.get(tenant?.key ?? '')?.get(row) ?? 0).values;
  }

  private drawsOf(tenant: TenantPlan | undefined): TenantDraws {
    const key = tenant?.key ?? '';
    let draws = this.drawsByTenant.get(key);
    if (!draws) {
      if (this.drawsByTenant.size > 64) this.drawsByTenant.clear();
      draws = this.tenantDraws(tenant);
      this.drawsByTenant.set(key, draws);
    }
    return draws;
  }

  private readonly drawsByTenant = new Map<string, TenantDraws>();

  /**
   * The candidate a reference picks: the drawn one, or the next ones after it, until its row is
   * none of the rows that its `x-distinct-from` columns picked (when the tenant has enough rows).
   */
  private distinctPick(column: ColumnDefinition, values: Record<string, unknown>, parent: TablePlan, tenant: TenantPlan | undefined, drawn: number, choices: number): number {
    const taken = (column.distinctFrom ?? []).map((name) => values[name]).filter((v) => v !== null && v !== undefined);
    if (taken.length === 0 || taken.length >= choices) return drawn;
    let index = drawn;
    while (taken.includes(parent.candidateId(tenant, index))) index = (index + 1) % choices;
    return index;
  }

  /**
   * `x-per-parent`: the parent (of `choices`) that row `row` of the tenant references. Parent i
   * takes the weight of the quantiles at its stratified rank ((rank + 0.5) / parents, ranks a
   * keyed order), so the parents' weights are the quantiles themselves, even for four parents.
   * Parents of the tenant: its rows, in a keyed order, are shared out in proportion (cumulative
   * bounds). Parents shared by every tenant (a table without tenants): the same weights in every
   * tenant, each row picking by them at an evenly spread point over row and tenant. Undefined when
   * no parent has weight (every quantile 0): the plain draw then.
   */
  private perParentIndex(draws: TenantDraws, c: CompiledColumn, choices: number, row: number): number | undefined {
    if (choices === 0) return undefined;
    const name = c.definition.name;
    const shared = !isTenantScoped(this.parentOf(c.definition).definition);
    let share = draws.perParent.get(name);
    if (!share) {
      const n = shared ? 1 : this.countFor(draws.tenant);
      const key = combine(shared ? this.tableSeed : draws.tenantSeed, c.salt);
      const rank = affinePermutation(choices, combine(key, 13));
      const weights = Array.from({ length: choices }, (_v, i) => quantileAt(c.definition.perParent!, (rank(i) + 0.5) / choices));
      const total = weights.reduce((a, b) => a + b, 0);
      const bounds: number[] = [];
      let sum = 0;
      for (const w of weights) bounds.push(total === 0 ? 0 : shared ? (sum += w) / total : Math.round(((sum += w) / total) * n));
      share = { bounds, order: affinePermutation(Math.max(n, 1), combine(key, 11)), empty: total === 0 };
      draws.perParent.set(name, share);
    }
    if (share.empty) return undefined;
    const slot = shared ? spreadPoint(combine(this.tableSeed, c.salt ^ 0x5bd1e995), row, draws.tenant?.index ?? 0) : share.order(row);
    if (share.empty) return undefined;
    // The first parent whose cumulative bound passes the slot.
    let lo = 0;
    let hi = share.bounds.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (share.bounds[mid] > slot) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private makeRow(draws: TenantDraws, row: number, attempt: number): { out: Row; values: Record<string, unknown> } {
    const { tenant, tenantSeed, tupleDraws, rng, permutations, ctx } = draws;
    // Values are keyed by the row's place among all rows made of the table (firstRow: tenant add).
    const at = row + (this.options.firstRow ?? 0);
    const digit = (c: CompiledColumn): number => {
      const draw = tupleDraws[c.tuple!.group];
      if (draw.row !== row) {
        let index = draw.permute(at);
        draw.digits = draw.radices.map((r) => {
          const d = Number(index % r);
          index /= r;
          return d;
        });
        draw.row = row;
      }
      return draw.digits[c.tuple!.digit];
    };
    // The parent row a foreign key over several columns copies: a tuple digit, or keyed by row and key.
    const parentRow = (c: CompiledColumn): Record<string, unknown> => {
      if (draws.parentRows.row !== ctx.rowKey) draws.parentRows = { row: ctx.rowKey, values: [] };
      const group = c.fk!.group;
      let values = draws.parentRows.values[group];
      if (!values) {
        const parent = this.foreignParent(group);
        let index: number;
        if (c.tuple) index = digit(c);
        else {
          const choices = parent.candidates(tenant);
          if (choices === 0) return {};
          const pick = new KeyedRandom(combine(ctx.rowKey, hashString(`fk:${group}`)));
          index = pick.jump(choices);
        }
        values = parent.candidateValues(tenant, index);
        draws.parentRows.values[group] = values;
      }
      return values;
    };
    const fixed = draws.fixedRows[row];
    ctx.row = at;
    // A row drawn again (a CHECK in x-checks broke) takes another key for the values drawn from it.
    ctx.rowKey = attempt === 0 ? combine(tenantSeed, at) : combine(combine(combine(tenantSeed, at), REDRAW_SALT), attempt);
    ctx.sharedKey = attempt === 0 ? combine(this.tableSeed, at) : combine(combine(combine(this.tableSeed, at), REDRAW_SALT), attempt);
    ctx.fixed = fixed;
    const values: Record<string, unknown> = {};
    ctx.values = values;
    const out: Row = new Array(this.compiled.length);
    for (const i of this.evaluationOrder) {
      const c = this.compiled[i];
      const name = c.definition.name;
      let value: unknown;
      if (c.kind === 'tenant') value = tenant!.withoutTenant ? null : tenant!.id;
      else if (fixed && fixed[name] !== undefined) value = fixed[name];
      else if (c.definition.hasFirstRow && row === 0 && tenant && !tenant.withoutTenant && c.kind === 'value' && !c.tuple) value = c.definition.firstRow;
      else if (c.kind === 'id') value = this.idAt(tenant, row);
      else if (c.kind === 'null') value = null;
      else if (c.kind === 'fk') value = parentRow(c)[c.fk!.parentColumn] ?? null;
      else if (c.tuple) {
        value = c.kind === 'ref'
          ? this.parentOf(c.definition).candidateId(tenant, digit(c))
          : (c.value!.space as { indexable: { at(i: number): unknown } }).indexable.at(digit(c));
      } else {
        rng.reset(combine(c.shared ? ctx.sharedKey : ctx.rowKey, c.salt));
        const p = c.definition.nullProbability;
        // x-spread: row i of the tenant at point i of the column's sequence, for the null decision and the value alike.
        const u = c.definition.spread ? spreadPoint(combine(this.tableSeed, c.salt), at, c.shared ? 0 : tenant?.index ?? 0, this.spreadSteps.get(name)) : undefined;
        if (p > 0 && (u ?? rng.next()) < p) value = null;
        else if (u !== undefined && c.kind === 'value' && c.value!.fromPoint && !c.definition.unique) value = c.value!.fromPoint((u - p) / (1 - p), ctx);
        else if (c.kind === 'poly') {
          // The discriminator (made first) chooses the table; the row is one of this tenant's.
          const parent = this.targetOf(c.definition, values[c.definition.refOneOf!.discriminator]);
          const choices = parent ? parent.candidates(tenant) : 0;
          value = choices === 0 ? null : parent!.candidateId(tenant, rng.jump(choices));
        } else if (c.kind === 'ref') {
          const parent = this.parentOf(c.definition);
          const choices = parent.candidates(tenant);
          const shared = c.definition.perParent ? this.perParentIndex(draws, c, choices, row) : undefined;
          value = choices === 0 ? null : parent.candidateId(tenant, shared ?? this.distinctPick(c.definition, values, parent, tenant, rng.jump(choices), choices));
        } else if (c.definition.unique && c.value!.space.kind === 'finite') {
          const space = c.value!.space.indexable;
          const key = `${c.shared ? '' : tenant?.key ?? ''}`;
          let permute = permutations.get(`${name}\0${key}`);
          const absorbed = this.legacy && c.definition.unique === 'global' && this.options.absorbedBy;
          if (!permute) {
            // Legacy rows of a column unique across tenants share the tenant rows' permutation.
            const tableSeed = absorbed ? this.options.absorbedBy!.tableSeed : this.tableSeed;
            permute = affinePermutation(space.size, combine(c.shared || c.definition.unique === 'global' ? tableSeed : tenantSeed, c.salt));
            permutations.set(`${name}\0${key}`, permute);
          }
          // ... from its top slot down, while the tenant rows' slots grow from 0.
          // Rows without a tenant take the top slots below the legacy rows'.
          const slot = absorbed ? space.size - 1 - row
            : isWithoutTenant(tenant) && c.definition.unique === 'global' ? space.size - 1 - (this.options.legacyRows ?? 0) - row
              : c.definition.unique === 'global' && tenant ? globalSlot(tenant.index, row) : at;
          value = space.at(permute(slot));
        } else value = c.value!.make(ctx, rng);
      }
      values[name] = value;
      out[i] = value;
    }
    return { out, values };
  }
}

/** A tenant's draw state (see TablePlan.tenantDraws). */
interface TenantDraws {
  readonly tenant: TenantPlan | undefined;
  readonly tenantSeed: number;
  readonly tupleDraws: Array<{ radices: bigint[]; permute: (i: number) => bigint; row: number; digits: number[] }>;
  readonly fixedRows: readonly Record<string, unknown>[];
  readonly permutations: Map<string, (i: number) => number>;
  readonly rng: KeyedRandom;
  readonly ctx: RowContext;
  /** The parent rows of the row being made, by its key (a row drawn again picks its parents again). */
  parentRows: { row: number; values: Array<Record<string, unknown> | undefined> };
  /** x-per-parent references: each parent's cumulative bound of rows, and the keyed order of the rows. */
  readonly perParent: Map<string, { bounds: number[]; order: (row: number) => number; empty: boolean }>;
}
