import type { Knex } from 'knex';
import { quoteLiteral, readForeignKeys, readFunctions, readMembershipChecks, reachableFunctions, readTable, tenantContextStatements } from '../db';
import type { MembershipCheck, SnapshotFunction } from '../db';
import type { MembershipRule } from '../config';
import type { CheckContext } from './types';
import { ident } from './types';

/**
 * The user a context function with a membership check needs (`set_org_context($1)` that raises
 * for a non-member of the organization): the setting that names the user, the membership table
 * and, for each tenant, the users it lists. The probes set a member's id before the project's
 * `tenancy.setContext`, as the application sets its signed-in user first.
 */
export interface ContextIdentity {
  /** The membership check found, in the context function (or what it calls), else elsewhere in the schema. */
  readonly check: MembershipCheck;
  /** Whether the context function (or a function it calls) holds the check. */
  readonly applied: boolean;
  /**
   * Set when the config's `tenancy.membership` declares the rule: `checked` when a function of
   * the schema compares its column, `no check left` when none does any more.
   */
  readonly declared?: 'checked' | 'no check left';
  /** The function `tenancy.setContext` calls (`schema.name`). */
  readonly contextFunction: string;
  readonly setting: string;
  /** The membership table and its column that names the tenant. */
  readonly table: string;
  readonly tenantColumn: string;
  /** Each tenant's members: the values of the user column (sorted). */
  readonly members: ReadonlyMap<string, readonly string[]>;
}

/**
 * The identity the probes act with, or why there is none (said in the report). `declared` says
 * the config's `tenancy.membership` asked for the probe: then no identity is a failure, not a pass.
 */
export type ContextIdentityReading = { readonly identity: ContextIdentity } | { readonly identity?: undefined; readonly notApplicable: string; readonly declared?: boolean };

/** The value a setting takes for a user: a JWT claims setting (`request.jwt.claims`) holds `{"sub": ...}`. */
export function identityValue(setting: string, user: string): string {
  return /claims$/i.test(setting) ? JSON.stringify({ sub: user }) : user;
}

/**
 * The statements that act as `tenant` in a probe: {@link tenantContextStatements}, with the
 * setting that names a member of the tenant set first when the context function checks
 * membership (`user` overrides the member: the membership probe acts as a non-member).
 */
export function probeContextStatements(ctx: CheckContext, tenant: string, options: { role?: boolean; user?: string } = {}): string[] {
  const statements = tenantContextStatements(ctx.tenancy, tenant, options);
  const identity = ctx.identity;
  const user = options.user ?? identity?.members.get(tenant)?.[0];
  if (!identity || user === undefined) return statements;
  const set = `SELECT set_config(${quoteLiteral(identity.setting)}, ${quoteLiteral(identityValue(identity.setting, user))}, true)`;
  return [...statements.slice(0, -1), set, statements[statements.length - 1]];
}

async function schemaTables(knex: Knex, schemas: readonly string[]): Promise<string[]> {
  return ((await knex.raw(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY(?) AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY 1`,
    [schemas as string[]],
  )).rows as Array<{ name: string }>).map((r) => r.name);
}

/** What {@link readContextIdentity} reads with: a check's context, or introspect's draft. */
export interface IdentitySource extends Pick<CheckContext, 'knex' | 'schemas' | 'tenancy'> {
  readonly definitions: {
    readonly tenantRoot?: { readonly table: string };
    readonly tables: ReadonlyArray<{ readonly table: string; readonly tenantColumn?: string }>;
  };
}

/**
 * Reads the membership check the project's context function applies (or, when it applies
 * none, one the schema holds elsewhere: a function that compares a table's user column with a
 * setting), and each tenant's members. Not applicable without `tenancy.setContext`, without a
 * membership check that reads a setting, or without a membership table tied to the tenant root;
 * where the config's `tenancy.membership` declares the rule, read from it (see declaredIdentity).
 */
export async function readContextIdentity(ctx: IdentitySource): Promise<ContextIdentityReading> {
  const { setContext, setting, membership } = ctx.tenancy;
  if (!setContext) {
    return membership
      ? { declared: true, notApplicable: `tenancy.membership names ${membership.table}.${membership.userColumn}, but there is no tenancy.setContext to refuse a non-member: name the SQL your application sets its tenant with` }
      : { notApplicable: 'no tenancy.setContext: the probes set the tenant setting themselves, no context function is called' };
  }
  const functions = await readFunctions(ctx.knex);
  const reachable = reachableFunctions(setContext, functions);
  const root = ctx.definitions.tenantRoot;
  if (membership) return declaredIdentity(ctx, membership, functions, reachable);
  if (reachable.length === 0) return { notApplicable: `tenancy.setContext (${setContext}) calls no SQL or PL/pgSQL function of the schemas` };
  const checks = readMembershipChecks(functions, await schemaTables(ctx.knex, ctx.schemas), setting);
  const ordered = [...checks.filter((c) => reachable.includes(c.function)), ...checks.filter((c) => !reachable.includes(c.function))];
  if (ordered.length === 0 || !root) {
    return { notApplicable: `no membership check: neither ${reachable[0]} (what tenancy.setContext calls) nor any other function of the schemas compares a table's user column with a setting the session sets` };
  }
  const keys = await readForeignKeys(ctx.knex, ctx.schemas);
  const single = keys.filter((k) => k.columns.length === 1);
  let roleOnly: MembershipCheck | undefined;
  for (const check of ordered) {
    if (!('setting' in check.identity)) {
      roleOnly ??= check;
      continue;
    }
    for (const table of check.tables) {
      const toRoot = single.find((k) => k.tableName === table && k.referencesName === root.table);
      if (!toRoot) continue;
      const userSql = await userColumnSql(ctx.knex, check, table, single);
      if (!userSql) continue;
      const members = await readMembers(ctx.knex, table, `m.${ident(toRoot.columns[0])}`, userSql);
      return {
        identity: {
          check, applied: reachable.includes(check.function), contextFunction: reachable[0], setting: check.identity.setting,
          table, tenantColumn: toRoot.columns[0], members,
        },
      };
    }
  }
  if (roleOnly) return { notApplicable: `not tried: the membership check in ${roleOnly.function} compares ${roleOnly.userColumn} with ${'role' in roleOnly.identity ? roleOnly.identity.role : ''}, a database role per user, which the probes (acting as the one application role) cannot be` };
  return { notApplicable: `no membership table: the user comparison in ${ordered[0].function} reads ${ordered[0].tables.join(', ')}, none of which references the tenant root ${root.table}` };
}

/**
 * The identity the config's `tenancy.membership` declares: its table's members by its tenant
 * column, the check as found in the schema when one compares that column (for
 * the report), else the declaration itself: the probe runs either way, so a check taken out of
 * the context function fails it rather than making it "not applicable".
 */
async function declaredIdentity(ctx: IdentitySource, rule: MembershipRule, functions: readonly SnapshotFunction[], reachable: readonly string[]): Promise<ContextIdentityReading> {
  const where = `tenancy.membership (${rule.table}.${rule.userColumn}, ${rule.setting})`;
  const columns = (await readTable(ctx.knex, rule.table))?.columns.map((c) => c.name);
  if (!columns) return { declared: true, notApplicable: `${where} names a table the schemas do not hold: correct it in tenantseed.config.json` };
  if (!columns.includes(rule.userColumn)) return { declared: true, notApplicable: `${where}: ${rule.table} has no column ${rule.userColumn}: correct it in tenantseed.config.json` };
  const tenantColumn = rule.tenantColumn;
  if (!columns.includes(tenantColumn)) return { declared: true, notApplicable: `${where}: ${rule.table} has no column ${tenantColumn}: correct it in tenantseed.config.json` };
  const found = readMembershipChecks(functions, [rule.table], ctx.tenancy.setting)
    .filter((c) => c.userColumn === rule.userColumn && 'setting' in c.identity && c.identity.setting === rule.setting);
  const check = found.find((c) => reachable.includes(c.function)) ?? found[0]
    ?? { function: where, tables: [rule.table], userTable: rule.table, userColumn: rule.userColumn, identity: { setting: rule.setting } };
  const members = await readMembers(ctx.knex, rule.table, `m.${ident(tenantColumn)}`, { value: `m.${ident(rule.userColumn)}`, join: '' });
  return {
    identity: {
      check, applied: reachable.includes(check.function), declared: found.length === 0 ? 'no check left' : 'checked',
      contextFunction: reachable[0] ?? ctx.tenancy.setContext!, setting: rule.setting, table: rule.table, tenantColumn, members,
    },
  };
}

/** Each tenant's members in the membership table `table` (aliased `m`): the user values, sorted. */
async function readMembers(knex: Knex, table: string, tenant: string, user: { value: string; join: string }): Promise<Map<string, string[]>> {
  const rows = (await knex.raw(
    `SELECT DISTINCT ${tenant}::text AS tenant, ${user.value}::text AS "user" FROM ${ident(table)} m ${user.join} WHERE ${user.value} IS NOT NULL ORDER BY 1, 2`,
  )).rows as Array<{ tenant: string; user: string }>;
  const members = new Map<string, string[]>();
  for (const r of rows) members.set(r.tenant, [...(members.get(r.tenant) ?? []), r.user]);
  return members;
}

/** Where the user column of `check` is read from the membership table `table` (aliased `m`): itself, or a table it references. */
async function userColumnSql(knex: Knex, check: MembershipCheck, table: string, keys: ReadonlyArray<{ tableName: string; referencesName: string; columns: readonly string[]; refColumns: readonly string[] }>): Promise<{ value: string; join: string } | undefined> {
  const own = (await readTable(knex, table))?.columns.some((c) => c.name === check.userColumn);
  if ((!check.userTable || check.userTable === table) && own) return { value: `m.${ident(check.userColumn)}`, join: '' };
  for (const key of keys.filter((k) => k.tableName === table && (!check.userTable || k.referencesName === check.userTable))) {
    if (!(await readTable(knex, key.referencesName))?.columns.some((c) => c.name === check.userColumn)) continue;
    return { value: `u.${ident(check.userColumn)}`, join: `JOIN ${ident(key.referencesName)} u ON u.${ident(key.refColumns[0])} = m.${ident(key.columns[0])}` };
  }
  return undefined;
}
