import type { SchemaSnapshot, SnapshotTable } from '../db';

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
  /** The setting the policies read (`app.current_tenant_id`). */
  readonly setting?: string;
  readonly appRole?: string;
  readonly adminRole?: string;
  readonly findings: readonly Finding[];
}

/** The tables migration tools keep for themselves: never data to seed. */
export const MIGRATION_TOOL_TABLES: Readonly<Record<string, string>> = {
  knex_migrations: 'Knex', knex_migrations_lock: 'Knex', _prisma_migrations: 'Prisma', alembic_version: 'Alembic',
  schema_migrations: 'Rails or golang-migrate', ar_internal_metadata: 'Rails', flyway_schema_history: 'Flyway',
  __drizzle_migrations: 'Drizzle', __efmigrationshistory: 'Entity Framework', databasechangelog: 'Liquibase', databasechangeloglock: 'Liquibase',
  pgmigrations: 'node-pg-migrate', kysely_migration: 'Kysely', kysely_migration_lock: 'Kysely',
};

const SETTING_IN_POLICY = /("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)\)?(?:::[a-z ]+)?\s*=\s*[^=]*?current_setting\('([^']+)'/;
const TENANT_NAME = /tenant|compan|organi[sz]ation|org\b|account|workspace|team|customer|client/i;

/** The column and setting a policy compares: `tenant_id = current_setting('app.tenant')::uuid`. */
export function readPolicySetting(expression: string | undefined): { column: string; setting: string } | undefined {
  const match = expression ? SETTING_IN_POLICY.exec(expression) : null;
  if (!match) return undefined;
  const column = match[1].startsWith('"') ? match[1].slice(1, -1).replace(/""/g, '"') : match[1];
  return { column, setting: match[2] };
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
export function inferTenancy(snapshot: SchemaSnapshot): Tenancy {
  const findings: Finding[] = [];
  const tables = snapshot.tables;
  const policyColumns = new Map<string, string>();
  const settings: string[] = [];
  for (const t of tables) {
    for (const p of t.policies) {
      const read = readPolicySetting(p.using) ?? readPolicySetting(p.withCheck);
      if (read) {
        policyColumns.set(t.name, read.column);
        settings.push(read.setting);
      }
    }
  }
  const setting = mostCommon(settings);
  if (new Set(settings).size > 1) {
    findings.push({ level: 'warning', message: `the policies read more than one setting (${[...new Set(settings)].sort().join(', ')}); tenantseed uses ${setting}` });
  }

  const { root, how } = findRoot(tables, policyColumns);
  const tenantColumns = new Map<string, string>();
  const chainTables = new Set<string>();
  if (!root) {
    findings.push({ level: 'warning', message: 'no tenant column found: no table is referenced by the keys of the others, and no row-level-security policy names a tenant setting. Every table is written without tenants' });
    return { tenantColumns, chainTables, setting, findings };
  }
  findings.push({ level: 'inferred', table: root.name, message: `tenant root ${root.name}: ${how}` });

  for (const t of tables) {
    if (t === root) continue;
    const candidates = columnsReferencing(t, root);
    if (candidates.length === 0) continue;
    const policy = policyColumns.get(t.name);
    const column = candidates.find((c) => c === policy) ?? candidates.find((c) => t.columns.find((x) => x.name === c)?.notNull) ?? candidates[0];
    tenantColumns.set(t.name, column);
    if (!t.columns.find((c) => c.name === column)?.notNull) {
      findings.push({ level: 'warning', table: t.name, message: `tenant column ${column} is nullable: a row without a tenant is invisible to every tenant (tenantseed always fills it)` });
    }
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

  // Tables that hang from tenant tables without a tenant column of their own.
  let grew = true;
  while (grew) {
    grew = false;
    for (const t of tables) {
      if (t === root || tenantColumns.has(t.name) || chainTables.has(t.name)) continue;
      const parent = t.constraints.find((c) => c.kind === 'foreign' && (tenantColumns.has(c.refTable!) || chainTables.has(c.refTable!)));
      if (parent) {
        chainTables.add(t.name);
        grew = true;
        findings.push({
          level: 'warning', table: t.name,
          message: `${t.name} references ${parent.refTable} (${parent.columns.join(', ')}) but has no tenant column: it is isolated only through that chain, which row-level security cannot enforce. Its definition gets 0 rows: tenantseed cannot place rows whose tenant is only known through a parent. Add a tenant column to seed it`,
        });
      }
    }
  }

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

  // Roles: the policies' roles, else from the grants on tenant tables.
  const tenantTables = new Set(tenantColumns.keys());
  const policyRoles = [...new Set(tables.flatMap((t) => t.policies.flatMap((p) => p.roles)).filter((r) => r !== 'public'))].sort();
  const granted = snapshot.roles.filter((r) => !r.superuser && r.tables.some((t) => tenantTables.has(t)));
  const rank = (a: { tables: readonly string[]; name: string }, b: { tables: readonly string[]; name: string }) =>
    b.tables.filter((t) => tenantTables.has(t)).length - a.tables.filter((t) => tenantTables.has(t)).length || a.name.localeCompare(b.name);
  const appRole = policyRoles.find((r) => granted.some((g) => g.name === r && !g.bypassRls)) ?? policyRoles[0] ?? [...granted.filter((r) => !r.bypassRls)].sort(rank)[0]?.name;
  const adminRole = [...granted.filter((r) => r.bypassRls)].sort(rank)[0]?.name;
  if (setting) findings.push({ level: 'inferred', message: `tenant setting ${setting} (read by the row-level-security policies)` });
  findings.push(appRole
    ? { level: 'inferred', message: `application role ${appRole} (${policyRoles.includes(appRole) ? 'named by the policies' : 'granted the tenant tables, subject to row-level security'})` }
    : { level: 'warning', message: 'no application role: no role without BYPASSRLS is granted the tenant tables. validate probes isolation as the config\'s appRole: create one and grant it the tables' });
  findings.push(adminRole
    ? { level: 'inferred', message: `admin role ${adminRole} (BYPASSRLS, granted the tenant tables)` }
    : { level: 'warning', message: 'no admin role: no role with BYPASSRLS is granted the tenant tables. Loading then needs a superuser or the tables\' owner' });
  return { root: root.name, tenantColumns, chainTables, setting, appRole, adminRole, findings };
}
