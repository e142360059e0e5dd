import { findContextSetters, quoteIdentifier, readPolicyComparisons, readSettings } from '../db';
import type { SchemaSnapshot, SnapshotColumn, SnapshotFunction, SnapshotTable } from '../db';
import { inferChains } from './infer-chains';

/** Something introspect inferred, warns about, or could not do (a hand edit is needed). */
export interface Finding {
  readonly level: 'inferred' | 'warning' | 'hand-edit';
  /** The table it is about, if one. */
  readonly table?: string;
  readonly message: string;
}

/** Who the tenants are, and how the schema isolates them. */
export interface Tenancy {
  /** The table that lists the tenants. */
  readonly root?: string;
  /** Per tenant table: its tenant column. */
  readonly tenantColumns: ReadonlyMap<string, string>;
  /** Tables that reference tenant tables but carry no tenant column (isolated only through a chain). */
  readonly chainTables: ReadonlySet<string>;
  /** Per chain table that can be seeded: the NOT NULL one-column reference its tenant comes through (`x-tenant-via`). */
  readonly tenantVia: ReadonlyMap<string, string>;
  /** The setting the policies read (`app.current_tenant_id`), themselves or through functions. */
  readonly setting?: string;
  /** The SQL that sets the tenant through the schema's own function (`select set_org_context($1)`), when one sets the setting. */
  readonly setContext?: string;
  readonly appRole?: string;
  readonly adminRole?: string;
  readonly findings: readonly Finding[];
}

export { MIGRATION_TOOL_TABLES } from '../db';

const TENANT_NAME = /tenant|compan|organi[sz]ation|org\b|account|workspace|team|customer|client/i;

/** The column and setting a policy compares: `tenant_id = current_setting('app.tenant')::uuid`. */
export function readPolicySetting(expression: string | undefined, functions: readonly SnapshotFunction[] = []): { column: string; setting: string } | undefined {
  const [first] = readPolicyComparisons(expression, functions);
  return first && { column: first.column, setting: first.setting };
}

/** Options of {@link inferTenancy}: what the team already said, which settles doubt. */
export interface InferTenancyOptions {
  /** `tenancy.column` of the config: the tenant column of every table that has it. */
  readonly column?: string;
  /** `x-tenant-column` of existing definitions, by table. */
  readonly tenantColumns?: ReadonlyMap<string, string>;
}

function primaryKey(table: SnapshotTable): readonly string[] {
  return table.constraints.find((c) => c.kind === 'primary')?.columns ?? [];
}

/** Single-column foreign keys of `table` to the primary key of `target`, by column. */
function columnsReferencing(table: SnapshotTable, target: SnapshotTable): string[] {
  const key = primaryKey(target);
  return table.constraints
    .filter((c) => c.kind === 'foreign' && c.refTable === target.name && c.columns.length === 1 && key.length === 1 && c.refColumns?.[0] === key[0])
    .map((c) => c.columns[0]);
}

/**
 * The tenant column of a table with no foreign key to the root, if evidence names one: a NOT
 * NULL column of the root key's type, that references no other table by itself, and that the
 * table's policies compare with the tenant setting, or that has the name of the tenant column of
 * tables that reference the root, or that leads a key of several columns and is named like a tenant.
 */
function tenantColumnByEvidence(
  t: SnapshotTable, root: SnapshotTable, rootKey: SnapshotColumn, referencing: ReadonlySet<string>, policyColumn: string | undefined,
): { column: string; why: string } | undefined {
  const candidates = t.columns.filter((c) => c.notNull && !c.isArray && c.baseType === rootKey.baseType
    && !t.constraints.some((k) => k.kind === 'foreign' && k.columns.length === 1 && k.columns[0] === c.name && k.refTable !== root.name));
  const singular = root.name.toLowerCase().replace(/ies$/, 'y').replace(/s$/, '');
  const leadsKey = (name: string) => t.constraints.some((k) => (k.kind === 'primary' || k.kind === 'unique') && k.columns.length > 1 && k.columns[0] === name)
    || t.uniqueIndexes.some((i) => !i.partial && i.columns.length > 1 && i.columns[0] === name);
  const byPolicy = candidates.find((c) => c.name === policyColumn);
  if (byPolicy) return { column: byPolicy.name, why: 'its row-level-security policies compare it with the tenant setting' };
  const byName = candidates.find((c) => referencing.has(c.name));
  if (byName) return { column: byName.name, why: `tables that reference ${root.name} name their tenant column ${byName.name} too` };
  const byKey = candidates.find((c) => leadsKey(c.name) && (TENANT_NAME.test(c.name) || c.name.toLowerCase().replace(/_?id$/, '') === singular));
  if (byKey) return { column: byKey.name, why: `it leads the table's keys and is named like the tenant (${root.name})` };
  return undefined;
}

function mostCommon<T>(values: readonly T[]): T | undefined {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])))[0]?.[0];
}

/** The tenant root: named by the policies, else the table most tables hang from by a key column. */
function findRoot(tables: readonly SnapshotTable[], policyColumns: ReadonlyMap<string, string>): { root?: SnapshotTable; how: string } {
  // The root's own policy compares its primary key with the setting (`id = current_setting(...)`).
  for (const t of tables) {
    const column = policyColumns.get(t.name);
    const key = primaryKey(t);
    if (column && key.length === 1 && key[0] === column) return { root: t, how: `its policy compares its key ${column} with the tenant setting` };
  }
  // Else the table that the policies' columns reference.
  const targets = tables.flatMap((t) => {
    const column = policyColumns.get(t.name);
    if (!column) return [];
    return t.constraints.filter((c) => c.kind === 'foreign' && c.columns.length === 1 && c.columns[0] === column).map((c) => c.refTable!);
  });
  const target = mostCommon(targets);
  if (target) {
    const root = tables.find((t) => t.name === target);
    if (root) return { root, how: 'the columns its row-level-security policies compare reference it' };
  }
  // Else the table most others reference by a NOT NULL key column (part of their key, or carried in composite keys).
  const scored = tables
    .map((candidate) => {
      const children = tables.filter((t) => t !== candidate && columnsReferencing(t, candidate).some((column) => {
        const col = t.columns.find((c) => c.name === column);
        const inKey = t.constraints.some((c) => (c.kind === 'primary' || c.kind === 'unique' || (c.kind === 'foreign' && c.columns.length > 1)) && c.columns.includes(column));
        return col?.notNull && inKey;
      }));
      return { candidate, score: children.length + (TENANT_NAME.test(candidate.name) ? 0.5 : 0) };
    })
    .filter((s) => s.score >= 2)
    .sort((a, b) => b.score - a.score || a.candidate.name.localeCompare(b.candidate.name));
  if (scored.length > 0) return { root: scored[0].candidate, how: `${Math.floor(scored[0].score)} tables carry its key in their own keys` };
  return { how: '' };
}

/**
 * Infers the tenant root, each table's tenant column, the tables isolated only through a chain
 * of references, the policies' setting, and the application and admin roles, with findings
 * about isolation gaps: tenant tables without forced row-level security or without a policy.
 *
 * @example
 * inferTenancy(snapshot).tenantColumns.get('users') // 'company_id'
 */
export function inferTenancy(snapshot: SchemaSnapshot, options: InferTenancyOptions = {}): Tenancy {
  const findings: Finding[] = [];
  const tables = snapshot.tables;
  const functions = snapshot.functions ?? [];
  const compared: Array<{ table: string; column: string; setting: string }> = [];
  const settings: string[] = [];
  /** Policies that compare a tenant column with a setting, and the others (admin bypasses, `true`). */
  const tenantPolicies = new Set<SnapshotTable['policies'][number]>();
  for (const t of tables) {
    for (const p of t.policies) {
      const [read] = [...readPolicyComparisons(p.using, functions), ...readPolicyComparisons(p.withCheck, functions)];
      if (read) {
        tenantPolicies.add(p);
        compared.push({ table: t.name, column: read.column, setting: read.setting });
        settings.push(read.setting);
        if (read.through.length > 0 && !findings.some((f) => f.message.includes(read.through.join(' -> ')))) {
          findings.push({ level: 'inferred', table: t.name, message: `policy ${p.name} reads ${read.setting} through ${read.through.join(' -> ')}` });
        }
      } else if (readSettings(`${p.using ?? ''} ${p.withCheck ?? ''}`, functions).bounded) {
        findings.push({ level: 'warning', table: t.name, message: `policy ${p.name} calls functions nested deeper than tenantseed follows: name the setting in tenancy.setting of tenantseed.config.json` });
      }
    }
  }
  const setting = mostCommon(settings);
  if (new Set(settings).size > 1) {
    findings.push({ level: 'warning', message: `the policies read more than one setting (${[...new Set(settings)].sort().join(', ')}); tenantseed uses ${setting}` });
  }
  // The column each table's policies compare with that setting (not with another, such as a user's).
  const policyColumns = new Map<string, string>();
  for (const c of compared) if (c.setting === setting && !policyColumns.has(c.table)) policyColumns.set(c.table, c.column);

  const { root, how } = findRoot(tables, policyColumns);
  const tenantColumns = new Map<string, string>();
  const chainTables = new Set<string>();
  if (!root && policyColumns.size > 0) {
    // The policies isolate tenants, but the tenants themselves live elsewhere (another service's database, say).
    const isolated = [...policyColumns].map(([table, column]) => `${table}.${column}`).sort();
    findings.push({
      level: 'hand-edit',
      message: `the row-level-security policies compare ${isolated.length} table(s) with ${setting} (${isolated.slice(0, 5).join(', ')}${isolated.length > 5 ? ', ...' : ''}), but no table of tenants is in this database (no table these columns reference, and no policy that compares a table's own key with the setting). tenantseed draws tenants from a root table, so these drafts write every table without tenants and isolation cannot be proven: add "x-tenant-root" to the definition of the table that holds your tenants, or, where tenants live in another database, see docs/your-schema.md ("No table of tenants")`,
    });
    return { tenantColumns, chainTables, tenantVia: new Map(), setting, findings };
  }
  if (!root) {
    findings.push({ level: 'warning', message: 'no tenant column found: no table is referenced by the keys of the others, and no row-level-security policy names a tenant setting. Every table is written without tenants' });
    return { tenantColumns, chainTables, tenantVia: new Map(), setting, findings };
  }
  findings.push({ level: 'inferred', table: root.name, message: `tenant root ${root.name}: ${how}` });

  // What the team said settles it: a definition's x-tenant-column, then the config's tenancy.column.
  for (const t of tables) {
    if (t === root) continue;
    const said = options.tenantColumns?.get(t.name);
    const column = said !== undefined && t.columns.some((c) => c.name === said) ? said
      : options.column !== undefined && t.columns.some((c) => c.name === options.column) ? options.column : undefined;
    if (column === undefined) continue;
    tenantColumns.set(t.name, column);
    findings.push({ level: 'inferred', table: t.name, message: `tenant column ${column}: as ${column === said ? 'its definition says (x-tenant-column)' : 'tenantseed.config.json says (tenancy.column)'}` });
  }
  for (const t of tables) {
    if (t === root || tenantColumns.has(t.name)) continue;
    const candidates = columnsReferencing(t, root);
    if (candidates.length === 0) continue;
    const policy = policyColumns.get(t.name);
    const column = candidates.find((c) => c === policy) ?? candidates.find((c) => t.columns.find((x) => x.name === c)?.notNull) ?? candidates[0];
    // A nullable tenant column is reported by the draft, with the rows without a tenant it drafts (or not).
    tenantColumns.set(t.name, column);
  }
  // Tenant columns without a foreign key to the root, by evidence: the policies compare them with
  // the setting, tables that reference the root name their tenant column alike, or they lead the
  // table's keys with a tenant-like name; in each case NOT NULL and of the root key's type.
  const referencing = new Set([...tenantColumns].filter(([name, column]) => columnsReferencing(tables.find((t) => t.name === name)!, root).includes(column)).map(([, column]) => column));
  const rootKey = primaryKey(root).length === 1 ? root.columns.find((c) => c.name === primaryKey(root)[0]) : undefined;
  for (const t of tables) {
    if (t === root || tenantColumns.has(t.name) || !rootKey) continue;
    const found = tenantColumnByEvidence(t, root, rootKey, referencing, policyColumns.get(t.name));
    if (!found) continue;
    tenantColumns.set(t.name, found.column);
    findings.push({
      level: 'inferred', table: t.name,
      message: `tenant column ${found.column} (no foreign key to ${root.name}): ${found.why}. A foreign key would let the database check it; "x-tenant-column" in its definition or "tenancy.column" in tenantseed.config.json settles it if this is wrong`,
    });
  }
  // A table tied to tenant tables only by composite keys that carry the tenant (a join table
  // keyed by two references) takes its tenant column from them.
  let found = true;
  while (found) {
    found = false;
    for (const t of tables) {
      if (t === root || tenantColumns.has(t.name)) continue;
      for (const fk of t.constraints.filter((c) => c.kind === 'foreign' && tenantColumns.has(c.refTable!))) {
        const at = fk.refColumns!.indexOf(tenantColumns.get(fk.refTable!)!);
        if (at >= 0 && fk.columns.length > 1) {
          tenantColumns.set(t.name, fk.columns[at]);
          found = true;
          findings.push({ level: 'inferred', table: t.name, message: `tenant column ${fk.columns[at]}: carried into ${fk.refTable} by ${fk.name} (no foreign key of its own to ${root.name}: consider adding one)` });
          break;
        }
      }
    }
  }
  const names = [...tenantColumns.values()];
  const usual = mostCommon(names);
  if (usual) findings.push({ level: 'inferred', message: `tenant column ${usual} on ${names.filter((n) => n === usual).length} table(s)${new Set(names).size > 1 ? `; others: ${[...new Set(names)].filter((n) => n !== usual).sort().join(', ')}` : ''}` });

  // Tables that hang from tenant tables without a tenant column of their own: a chain (x-tenant-via).
  const tenantVia = inferChains(tables, root.name, tenantColumns, chainTables, findings);

  for (const [name, column] of tenantColumns) {
    const t = tables.find((x) => x.name === name)!;
    if (!t.rlsEnabled || !t.rlsForced) {
      findings.push({ level: 'warning', table: name, message: `${name} has a tenant column but row-level security is ${t.rlsEnabled ? 'enabled, not forced (the table owner bypasses it)' : 'not enabled'}` });
    } else if (t.policies.length === 0) {
      findings.push({ level: 'warning', table: name, message: `${name} has row-level security but no policy: nobody but the owner sees its rows` });
    } else if (policyColumns.get(name) !== column) {
      findings.push({ level: 'warning', table: name, message: `no policy of ${name} compares ${column} with the tenant setting` });
    }
    for (const fk of t.constraints.filter((c) => c.kind === 'foreign' && c.refTable !== root.name && tenantColumns.has(c.refTable!) && !c.columns.includes(column))) {
      findings.push({ level: 'warning', table: name, message: `${name}.${fk.columns.join(', ')} references ${fk.refTable} without ${column}: the database lets it point at another tenant's row (a composite key (${column}, ...) would forbid it); tenantseed still keeps it in the tenant` });
    }
  }

  const { appRole, adminRole } = chooseRoles(snapshot, tenantColumns, tenantPolicies, findings);
  if (setting) findings.push({ level: 'inferred', message: `tenant setting ${setting} (read by the row-level-security policies)` });
  const setContext = setting ? draftSetContext(snapshot, setting, findings) : undefined;
  return { root: root.name, tenantColumns, chainTables, tenantVia, setting, setContext, appRole, adminRole, findings };
}

/**
 * The application role: granted DML on the tenant tables, subject to row-level security (never a
 * superuser nor BYPASSRLS), not a role that only a bypass policy names (`TO postgres`); among
 * them, one the tenant policies name, then the one granted the most tenant tables. The admin
 * role: BYPASSRLS, not superuser, granted the tenant tables.
 */
function chooseRoles(
  snapshot: SchemaSnapshot, tenantColumns: ReadonlyMap<string, string>, tenantPolicies: ReadonlySet<SnapshotTable['policies'][number]>, findings: Finding[],
): { appRole?: string; adminRole?: string } {
  const tenantTables = new Set(tenantColumns.keys());
  const policies = snapshot.tables.filter((t) => tenantTables.has(t.name)).flatMap((t) => t.policies);
  const tenantNamed = new Set(policies.filter((p) => tenantPolicies.has(p)).flatMap((p) => p.roles).filter((r) => r !== 'public'));
  const bypassNamed = new Set(policies.filter((p) => !tenantPolicies.has(p)).flatMap((p) => p.roles).filter((r) => r !== 'public' && !tenantNamed.has(r)));
  const granted = snapshot.roles.filter((r) => r.tables.some((t) => tenantTables.has(t)));
  const count = (r: { tables: readonly string[] }) => r.tables.filter((t) => tenantTables.has(t)).length;
  const rank = (a: typeof granted[number], b: typeof granted[number]) =>
    Number(tenantNamed.has(b.name)) - Number(tenantNamed.has(a.name)) || count(b) - count(a) || a.name.localeCompare(b.name);
  const passed: string[] = [];
  const subject = granted.filter((r) => {
    const why = r.superuser ? 'a superuser' : r.bypassRls ? 'BYPASSRLS' : bypassNamed.has(r.name) ? 'named only by a policy that does not compare the tenant' : undefined;
    if (why) passed.push(`${r.name} (${why})`);
    return !why;
  });
  for (const name of [...tenantNamed, ...bypassNamed]) {
    if (!granted.some((r) => r.name === name)) passed.push(`${name} (named by a policy, granted no DML on the tenant tables)`);
  }
  const appRole = [...subject].sort(rank)[0]?.name;
  const adminRole = [...granted.filter((r) => r.bypassRls && !r.superuser)].sort(rank)[0]?.name;
  findings.push(appRole
    ? { level: 'inferred', message: `application role ${appRole} (granted DML on ${count(subject.find((r) => r.name === appRole)!)} tenant table(s), subject to row-level security${tenantNamed.has(appRole) ? ', named by the tenant policies' : ''})${passed.length > 0 ? `; not ${passed.sort().join(', ')}` : ''}` }
    : {
      // A hand edit: validate and withTenant act as tenancy.appRole (tenantseed_app when none is
      // written), and a role with no grants fails them for want of a role, not of isolation.
      level: 'hand-edit',
      message: `no application role: no role subject to row-level security has DML grants on the tenant tables${passed.length > 0 ? ` (not ${passed.sort().join(', ')})` : ''}; none is written. `
        + 'Create one (CREATE ROLE app_user LOGIN PASSWORD ...; GRANT SELECT, INSERT, UPDATE, DELETE ON the tenant tables TO app_user) and name it in tenancy.appRole: validate and withTenant act as it',
    });
  findings.push(adminRole
    ? { level: 'inferred', message: `admin role ${adminRole} (BYPASSRLS, granted the tenant tables)` }
    : { level: 'warning', message: 'no admin role: no role with BYPASSRLS is granted the tenant tables. Loading then needs a superuser or the tables\' owner' });
  return { appRole, adminRole };
}

/**
 * `tenancy.setContext`: the call of the schema's own function that sets the tenant setting for
 * the transaction (`set_config(setting, $1, true)` or `SET LOCAL`), when one takes one argument.
 */
function draftSetContext(snapshot: SchemaSnapshot, setting: string, findings: Finding[]): string | undefined {
  const setters = findContextSetters(snapshot.functions ?? [], setting).filter((s) => s.function.args === 1);
  const chosen = setters.find((s) => s.local);
  if (!chosen) {
    if (setters.length > 0) {
      findings.push({ level: 'warning', message: `${setters.map((s) => `${s.function.schema}.${s.function.name}`).join(', ')} set(s) ${setting} for the whole session, not the transaction: tenantseed sets ${setting} itself with SET LOCAL (a pooled connection would keep a session setting)` });
    }
    return undefined;
  }
  const f = chosen.function;
  const name = `${f.schema === snapshot.schema ? '' : `${quoteName(f.schema)}.`}${quoteName(f.name)}`;
  const sql = `${f.procedure ? 'call' : 'select'} ${name}($1)`;
  findings.push({ level: 'inferred', message: `tenancy.setContext ${sql}: ${f.schema}.${f.name}(${f.identityArgs ?? ''}) sets ${setting} for the transaction; withTenant and validate call it as the application does` });
  return sql;
}

/** A name as SQL text: bare when PostgreSQL would fold it to itself, else quoted. */
function quoteName(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : quoteIdentifier(name);
}
