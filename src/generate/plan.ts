import { createHash } from 'node:crypto';
import { ProfileError, UsageError } from '../errors';
import { isTenantScoped, referenceableColumn } from '../definitions';
import type { DefinitionSet, Profile, TableDefinition } from '../definitions';
import { passwordHasher, TenantPlan } from './compile-value';
import { fitId, idKindOf, keyedId, largestInteger, namedTextId } from './ids';
import { combine, hashString } from './keyed-random';
import { FakerPools } from './pools';
import { columnKey, TablePlan } from './table-plan';
import { GENERATOR_VERSION } from './generator-version';
import { lazyTenantList } from './tenant-list';
import { isWithoutTenant, WITHOUT_TENANT, WITHOUT_TENANT_KEY, withWithoutTenant } from './without-tenant';
import { quantileAt, spreadPoint } from './spread-points';


/** Options of {@link buildPlan}. */
export interface BuildPlanOptions {
  definitions: DefinitionSet;
  profile: Profile;
  /** Overrides the profile's seed: any integer from 0 up. */
  seed?: number;
  /** The total number of tenants: the named ones first, then generated ones. */
  tenants?: number;
  /**
   * The position of the first tenant among the database's tenants (default 0): `tenant add`
   * passes how many are there already, so integer ids (a block per tenant position) stay unique.
   */
  firstTenantIndex?: number;
}

/** A named row: what a test may look up by name. */
export interface NamedRow {
  readonly table: string;
  /** The tenant's fixture name, or undefined for the tenant table itself and rows without a tenant. */
  readonly tenant?: string;
  /** The tenant's id; null for a row with no tenant on purpose (`withoutTenant`). */
  readonly tenantId?: string | number | null;
  /** A row with no tenant on purpose (the profile's `withoutTenant`): its tenant column is NULL. */
  readonly withoutTenant?: boolean;
  /** The natural key's value (slug, email). */
  readonly name: string;
  readonly id: string | number;
  readonly values: Readonly<Record<string, unknown>>;
}

/** Everything needed to make the rows of a dataset, decided and checked before any row is made. */
export interface Plan {
  readonly generatorVersion: number;
  readonly seed: number;
  readonly profile: Profile;
  readonly definitions: DefinitionSet;
  readonly tenants: readonly TenantPlan[];
  /** The tenant dataset (what `seed` loads), parents first. */
  readonly tables: readonly TablePlan[];
  /** Rows in their pre-tenancy shape, loaded only by `reset` before the tenancy migration. */
  readonly legacyTables: readonly TablePlan[];
  /** The named rows (tenants by slug, users by email, ...). */
  namedRows(): NamedRow[];
}

const SIZE_SALT = hashString('size-class');
const POINT_SALT = hashString('tenant-point');

function sizeOf(profile: Profile, seed: number, index: number): number {
  const r = combine(combine(seed, SIZE_SALT), index) / 4294967296;
  let cumulative = 0;
  for (const size of profile.sizes) {
    cumulative += size.share;
    if (r < cumulative) return size.scale;
  }
  return profile.sizes[profile.sizes.length - 1].scale;
}

/** The fixture names of the named tenants: their values of the tenant table's natural key. */
function namedTenantKeys(definitions: DefinitionSet, profile: Profile): string[] {
  const root = definitions.tenantRoot;
  if (profile.namedTenants.length === 0) return [];
  const natural = root?.naturalKey;
  if (!root || !natural) {
    throw new ProfileError(`${profile.file}: named tenants need a tenant table with an "x-natural-key" to name them by`, { file: profile.file, hint: 'Add "x-natural-key" (for example "slug") to the definition marked "x-tenant-root".' });
  }
  const keys = profile.namedTenants.map((t, i) => {
    const key = t.values[natural];
    if (typeof key !== 'string' || key === '') {
      throw new ProfileError(`${profile.file} at /tenants/named/${i}: a named tenant needs "${natural}"`, { file: profile.file, hint: `Give it a ${natural}, the name tests refer to it by.` });
    }
    if (key === WITHOUT_TENANT_KEY) {
      throw new ProfileError(`${profile.file} at /tenants/named/${i}: "${WITHOUT_TENANT_KEY}" names the rows without a tenant`, { file: profile.file, hint: 'Give the tenant another name.' });
    }
    return key;
  });
  const duplicate = keys.find((k, i) => keys.indexOf(k) !== i);
  if (duplicate) throw new ProfileError(`${profile.file}: the tenant "${duplicate}" is named twice`, { file: profile.file, hint: `Give each named tenant its own ${natural}.` });
  return keys;
}

/**
 * The dataset's tenants as a lazy list: each is made from its position when read, so the plan
 * holds no array of tenants (memory stays flat for `--tenants 1000000`).
 */
function planTenants(definitions: DefinitionSet, profile: Profile, seed: number, total: number, first: number): readonly TenantPlan[] {
  const root = definitions.tenantRoot;
  const keys = namedTenantKeys(definitions, profile);
  const rootName = root?.table ?? '';
  const rootSeed = hashString(rootName, seed);
  const idColumn = root ? referenceableColumn(root) : 'id';
  const idSchema = root?.columns.find((c) => c.name === idColumn)!.schema;
  const kind = (idSchema && idKindOf(idSchema)) || 'uuid';
  // Integer tenant ids follow the ones the migrations made (a default tenant 1: the next is 2).
  const offset = largestInteger(root?.existingRows.map((r) => r[idColumn]) ?? []);
  return lazyTenantList(total, (index): TenantPlan => {
    const named = profile.namedTenants[index];
    const key = named ? keys[index] : `#${index}`;
    const given = named?.values[idColumn];
    const id = typeof given === 'string' || typeof given === 'number'
      ? given
      : fitId(named && kind !== 'integer'
        ? namedTextId(kind, createHash('sha256').update(`${rootName}\0\0${key}`).digest('hex'))
        : keyedId(kind, combine(combine(rootSeed, 0), hashString('id')), first + index, { offset }), idSchema);
    // The point is keyed by the seed alone, so a tenant keeps it when tenants are added. Named
    // tenants take one too when the profile gives rows per tenant as quantiles, so that they do
    // not all sit at one size and bend the distribution.
    const learned = Object.keys(profile.perTenant).length > 0;
    const point = named && !learned ? undefined : spreadPoint(combine(seed, POINT_SALT), first + index);
    return { index: first + index, key, hash: hashString(key), scale: named ? named.scale : sizeOf(profile, seed, index), id, ...(point !== undefined ? { point } : {}) };
  });
}

function checkProfileAgainstDefinitions(definitions: DefinitionSet, profile: Profile): void {
  const has = (table: string) => definitions.byName.has(table);
  for (const table of Object.keys(profile.perTenant)) {
    if (!definitions.byName.get(table) || !isTenantScoped(definitions.byName.get(table)!)) {
      throw new ProfileError(`${profile.file} at /perTenant/${table}: ${table} is not a tenant table`, { file: profile.file, hint: 'List rows per tenant only for tables with an x-tenant-column (or x-tenant-via).' });
    }
  }
  for (const table of Object.keys(profile.counts)) {
    if (!has(table)) throw new ProfileError(`${profile.file} at /counts/${table}: there is no definition for table ${table}`, { file: profile.file, hint: `Use a defined table: ${[...definitions.byName.keys()].join(', ')}.` });
  }
  for (const [table] of Object.entries(profile.legacy)) {
    if (!definitions.byName.get(table)?.legacy) throw new ProfileError(`${profile.file} at /legacy/${table}: ${table} is not a legacy table`, { file: profile.file, hint: 'Only definitions marked "x-legacy": true have legacy rows.' });
  }
  checkWithoutTenant(definitions, profile);
  const root = definitions.tenantRoot;
  for (const [i, tenant] of profile.namedTenants.entries()) {
    for (const column of Object.keys(tenant.values)) {
      if (root && !root.columns.some((c) => c.name === column)) {
        throw new ProfileError(`${profile.file}: named tenant #${i + 1} sets "${column}", which is not a column of ${root.table}`, { file: profile.file, hint: `Use columns of ${root.table}: ${root.columns.map((c) => c.name).join(', ')}.` });
      }
    }
    for (const table of Object.keys(tenant.rows)) {
      const definition = definitions.byName.get(table);
      if (!definition || !isTenantScoped(definition)) {
        throw new ProfileError(`${profile.file}: named tenant #${i + 1} has rows for ${table}, which is not a tenant table`, { file: profile.file, hint: 'List rows only for tables with an x-tenant-column.' });
      }
    }
  }
}

/**
 * Rows without a tenant (`withoutTenant`) are for tables with a tenant column that may be NULL,
 * and give values only to their columns.
 */
function checkWithoutTenant(definitions: DefinitionSet, profile: Profile): void {
  for (const [table, spec] of Object.entries(profile.withoutTenant)) {
    const at = `${profile.file} at /withoutTenant/${table}`;
    const definition = definitions.byName.get(table);
    if (!definition) throw new ProfileError(`${at}: there is no definition for table ${table}`, { file: profile.file, hint: `Use a defined table: ${[...definitions.byName.keys()].join(', ')}.` });
    const column = definition.columns.find((c) => c.name === definition.tenantColumn);
    if (!column) {
      throw new ProfileError(`${at}: ${table} has no tenant column ("x-tenant-column"), so none of its rows can lack a tenant`, { file: profile.file, hint: 'List only tables with a tenant column under "withoutTenant".' });
    }
    if (!column.nullable) {
      throw new ProfileError(`${at}: the tenant column ${table}.${column.name} is NOT NULL, so no row of ${table} can be without a tenant`, {
        file: profile.file,
        hint: `Make ${column.name} nullable in the schema and in ${definition.file} ("type": [..., "null"]), or remove ${table} from "withoutTenant".`,
      });
    }
    for (const row of [spec.values, ...spec.rows]) {
      const unknown = Object.keys(row).find((k) => !definition.columns.some((c) => c.name === k || c.plaintextField === k));
      if (unknown) throw new ProfileError(`${at}: "${unknown}" is not a column of ${table}`, { file: profile.file, hint: `Use columns of ${table}: ${definition.columns.map((c) => c.name).join(', ')}.` });
      if (row[column.name] !== undefined && row[column.name] !== null) {
        throw new ProfileError(`${at}: a row without a tenant sets the tenant column ${column.name}`, { file: profile.file, hint: `Leave ${column.name} out: these rows have none.` });
      }
    }
  }
}

/**
 * Decides what a dataset holds: the tenants (named, then generated, each with a size class),
 * the rows per table and tenant, and how every value is made; then checks that every
 * reference can be satisfied and every unique column has enough values. Pure: no I/O, no
 * clock, no global random.
 *
 * @example
 * const plan = buildPlan({ definitions: loadDefinitions(dir), profile: loadProfile(envDir, 'test') });
 * for (const table of plan.tables) for (const row of table.rows()) { ... }
 */
export function buildPlan(options: BuildPlanOptions): Plan {
  const { definitions, profile } = options;
  const seed = options.seed ?? profile.seed;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new UsageError(`--seed must be an integer from 0 up, not ${seed}`);
  const named = profile.namedTenants.length;
  const total = options.tenants ?? named + profile.generatedTenants;
  if (!Number.isSafeInteger(total) || total < named) {
    throw new UsageError(`--tenants ${total} is below the number of named tenants (${named}: ${namedTenantKeys(definitions, profile).join(', ')})`, {
      hint: `Ask for at least ${named} tenants.`,
    });
  }
  checkProfileAgainstDefinitions(definitions, profile);
  // Every key derives from this 32-bit digest of the seed, so any integer seed counts in full.
  const seedKey = hashString(`seed:${seed}`);
  const first = options.firstTenantIndex ?? 0;
  const tenants = planTenants(definitions, profile, seedKey, total, first);
  // Only named tenants are looked up by key (their fixture names); they come first.
  const byKey = new Map(tenants.slice(0, named).map((t) => [t.key, t]));
  const compile = {
    pools: new FakerPools(profile.locale, profile.referenceDate),
    seed,
    referenceDateMs: Date.parse(profile.referenceDate),
    passwords: profile.passwords,
    hashPassword: passwordHasher(seed),
    where: '',
    tableSeed: 0,
    tableName: '',
  };
  const cycleBreaks = new Set(definitions.cycleBreaks.map((b) => columnKey(b.table, b.column)));
  const plans = new Map<string, TablePlan>();
  const legacyPlans = new Map<string, TablePlan>();
  const namedOf = (tenant?: TenantPlan) => (tenant ? profile.namedTenants[tenant.index - first] : undefined);

  const planFor = (definition: TableDefinition): TablePlan => {
    const base = profile.counts[definition.table] ?? definition.count.default;
    const common = { definition, compile: { ...compile, tableName: definition.table }, seed: seedKey, collisions: profile.collisions, cycleBreaks };
    if (definition.tenantRoot) {
      return new TablePlan({
        ...common,
        tenants: undefined,
        counts: () => tenants.length,
        // tenant add: the new tenants' rows come after the tenants seeded before.
        firstRow: first,
        fixedRows: () => lazyTenantList(tenants.length, (i) => {
          const t = tenants[i];
          return { ...(namedOf(t)?.values ?? {}), [definition.idColumn]: t.id };
        }),
        lookup: { table: (name) => plans.get(name) },
      });
    }
    // A chain table (x-tenant-via) is planned per tenant like a table with a tenant column: its
    // references then draw parents of the same tenant, so each row sits in its parent's tenant.
    if (isTenantScoped(definition)) {
      const requiredParents = definition.columns.filter((c) => c.ref && !c.nullable && c.ref.table !== definition.table && profile.perTenant[c.ref.table]).map((c) => c.ref!.table);
      const fixedCache = new Map<string, Record<string, unknown>[]>();
      const without = definition.tenantColumn ? profile.withoutTenant[definition.table] : undefined;
      // Every row without a tenant takes the profile's values: the named rows, then rows of values only.
      const withoutRows = without
        ? [...without.rows, ...Array.from({ length: without.count - without.rows.length }, () => without.values)]
        : [];
      const fixedRows = (tenant?: TenantPlan) => {
        if (isWithoutTenant(tenant)) return withoutRows;
        // Tenants without rows of their own share the definition's rows (no copy per tenant).
        const own = namedOf(tenant)?.rows[definition.table];
        if (!own) return definition.fixedRows;
        const key = tenant?.key ?? '';
        let rows = fixedCache.get(key);
        if (!rows) {
          rows = [...own, ...definition.fixedRows];
          fixedCache.set(key, rows);
        }
        return rows;
      };
      return new TablePlan({
        ...common,
        tenants: without && without.count > 0 ? withWithoutTenant(tenants) : tenants,
        counts: (tenant) => {
          if (isWithoutTenant(tenant)) return withoutRows.length;
          const quantiles = profile.perTenant[definition.table];
          if (!quantiles || tenant!.point === undefined) return Math.max(fixedRows(tenant).length, Math.round(base * (definition.count.scale ? tenant!.scale : 1)));
          // Quantiles of two tables give a small tenant children without parents: it then has none of either.
          const orphaned = requiredParents.some((parent) => plans.get(parent)?.countFor(tenant) === 0);
          return Math.max(fixedRows(tenant).length, orphaned ? 0 : Math.round(quantileAt(quantiles, tenant!.point)));
        },
        fixedRows,
        legacyRows: definition.legacy ? profile.legacy[definition.table] ?? 0 : 0,
        lookup: { table: (name) => plans.get(name) },
      });
    }
    return new TablePlan({
      ...common,
      tenants: undefined,
      counts: () => Math.max(definition.fixedRows.length, base),
      fixedRows: () => definition.fixedRows,
      lookup: { table: (name) => plans.get(name) },
    });
  };

  for (const definition of definitions.tables) plans.set(definition.table, planFor(definition));
  for (const definition of definitions.tables.filter((d) => d.legacy)) {
    const count = profile.legacy[definition.table] ?? 0;
    legacyPlans.set(definition.table, new TablePlan({
      definition,
      compile: { ...compile, tableName: `legacy:${definition.table}` },
      seed: seedKey,
      collisions: false,
      cycleBreaks,
      legacy: true,
      absorbedBy: plans.get(definition.table),
      tenants: undefined,
      counts: () => count,
      fixedRows: () => [],
      lookup: { table: (name) => legacyPlans.get(name) },
    }));
  }
  const tables = [...plans.values()];
  const legacyTables = [...legacyPlans.values()];
  for (const table of [...tables, ...legacyTables]) table.check();

  return Object.freeze({
    generatorVersion: GENERATOR_VERSION,
    seed,
    profile,
    definitions,
    tenants,
    tables,
    legacyTables,
    namedRows(): NamedRow[] {
      const out: NamedRow[] = [];
      for (const table of tables) {
        const natural = table.definition.naturalKey;
        if (!natural) continue;
        for (const tenant of table.definition.tenantRoot ? [undefined] : tenants) {
          const fixed = table.definition.tenantRoot
            ? tenants.slice(0, named).filter((t) => namedOf(t)).map((t) => namedOf(t)!.values)
            : [...(namedOf(tenant)?.rows[table.definition.table] ?? []), ...table.definition.fixedRows];
          fixed.forEach((row, i) => {
            if (row[natural] === undefined) return;
            const id = table.definition.tenantRoot ? byKey.get(String(row[natural]))!.id : table.idAt(tenant, i);
            out.push({ table: table.name, tenant: tenant?.key, tenantId: tenant?.id, name: String(row[natural]), id, values: row });
          });
        }
        // The named rows without a tenant: reached by name like any other, with no tenant.
        (profile.withoutTenant[table.name]?.rows ?? []).forEach((row, i) => {
          if (row[natural] === undefined) return;
          out.push({ table: table.name, tenantId: null, withoutTenant: true, name: String(row[natural]), id: table.idAt(WITHOUT_TENANT, i), values: row });
        });
      }
      return out;
    },
  });
}
