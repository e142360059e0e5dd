import type { Knex } from 'knex';
import { DEFAULT_TENANCY, TenancyNames } from '../config';
import type { MembershipRule } from '../config';
import { SafetyError, UsageError } from '../errors';
import { queryRows, Queryable, quoteIdentifier, quoteLiteral, quoteSettingName } from './sql';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INTEGER = /^[0-9]{1,19}$/;
/** cuid / cuid2-like text ids, as Prisma's `@default(cuid())` makes them. */
const CUID = /^[a-z][a-z0-9]{19,31}$/;

/** Whether a value has the shape of a tenant id: a UUID, an integer, or a cuid-like text id. */
export function isTenantId(value: unknown): value is string | number {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0;
  return typeof value === 'string' && (UUID.test(value) || INTEGER.test(value) || CUID.test(value));
}

/** Options of {@link withTenant}. */
export interface WithTenantOptions {
  /** The signed-in user, where `tenancy.membership` declares a membership rule. Default: the tenant's first member. */
  readonly user?: string;
}

/**
 * Runs `fn` in a transaction as the application role with the tenant set
 * transaction-locally, so that row-level security shows and accepts only that tenant's rows.
 * Both the role and the setting end with the transaction: nothing leaks into the next use of
 * a pooled connection, even when `fn` throws. The role and the setting are the project's
 * (`tenancy` in tenantseed.config.json); the shipped schema's by default.
 *
 * It is `SET LOCAL`, not `set_config(..., true)`, and `citus.propagate_set_commands` is set
 * to `local` first: on Citus only `SET LOCAL` reaches the workers, and only with that setting
 * (a tenant would see 0 rows otherwise). On PostgreSQL without Citus the first statement sets
 * a harmless placeholder. See {@link tenantContextStatements}. With `tenancy.setContext`
 * (`select set_org_context($1)`), that call sets the tenant, as the application's code does.
 *
 * It refuses (SafetyError) to run `fn` as a superuser or a BYPASSRLS role: row-level security
 * would not apply, and every tenant's rows would be visible. See {@link assertSubjectToRls}.
 *
 * Nested in another transaction (`knex` is a transaction, as inside another withTenant) it
 * runs in a savepoint and, when `fn` returns or throws, sets the outer transaction's role and
 * tenant back as they were: the outer code goes on reading its own tenant.
 *
 * Where the config declares `tenancy.membership` (a context function that refuses a tenant its
 * signed-in user is no member of), a member is signed in first, as the application does: the
 * rule's setting names `options.user`, else the tenant's first member by the user column.
 *
 * @example
 * const docs = await withTenant(knex, acmeId, (trx) => trx('documents').select('*'));
 * await withTenant(knex, companyId, (trx) => trx('projects').select('*'), project.tenancy);
 * await withTenant(knex, orgId, (trx) => trx('tasks').select('*'), project.tenancy, { user: aliceId });
 */
export async function withTenant<T>(
  knex: Knex,
  tenantId: string | number,
  fn: (trx: Knex.Transaction) => Promise<T>,
  tenancy: TenancyNames = DEFAULT_TENANCY,
  options: WithTenantOptions = {},
): Promise<T> {
  if (!isTenantId(tenantId)) {
    throw new UsageError(`withTenant: "${tenantId}" is not a tenant id (a UUID, an integer or a cuid)`, {
      hint: 'Pass the tenant\'s id, for example fixtures.tenant("acme").id, not its slug.',
    });
  }
  if (!knex.isTransaction) {
    return knex.transaction(async (trx) => {
      await actAsTenant(trx, tenancy, tenantId, options);
      return fn(trx);
    });
  }
  // Nested in a transaction, knex makes a savepoint, and `SET LOCAL` inside a savepoint survives
  // RELEASE SAVEPOINT (only ROLLBACK TO SAVEPOINT undoes it): without the restore below the
  // outer transaction would go on as the inner tenant. The outer role and tenant are restored
  // whether the inner call returns or throws.
  const outer = await readTenantContext(knex, tenancy);
  let result: T;
  try {
    result = await knex.transaction(async (trx) => {
      await actAsTenant(trx, tenancy, tenantId, options);
      return fn(trx);
    });
  } catch (err) {
    // If the restore fails too, the outer transaction is aborted: nothing more is read in it.
    await restoreTenantContext(knex, tenancy, outer).catch(() => undefined);
    throw err;
  }
  await restoreTenantContext(knex, tenancy, outer);
  return result;
}

/** Sets the role and the tenant, then makes sure the role is one row-level security applies to. */
async function actAsTenant(trx: Knex.Transaction, tenancy: TenancyNames, tenantId: string | number, options: WithTenantOptions): Promise<void> {
  const statements = tenantContextStatements(tenancy, tenantId);
  const signIn = await signInStatement(trx, tenancy, tenantId, options.user);
  // The user is signed in after the role is set and before the context call, as the application does.
  if (signIn) statements.splice(statements.length - 1, 0, signIn);
  for (const statement of statements) await trx.raw(statement);
  await assertSubjectToRls(trx, tenancy.appRole);
}

/** `set_config` of `tenancy.membership`'s setting to the user (given, else the tenant's first member), or nothing without a rule. */
async function signInStatement(trx: Knex.Transaction, tenancy: TenancyNames, tenantId: string | number, user: string | undefined): Promise<string | undefined> {
  const rule = tenancy.setContext ? tenancy.membership : undefined;
  if (!rule) {
    if (user === undefined) return undefined;
    throw new UsageError('withTenant: { user } names the signed-in user, which needs tenancy.membership and tenancy.setContext in tenantseed.config.json', {
      hint: 'Declare the membership rule your context function enforces (introspect writes it when it finds one), or leave { user } out.',
    });
  }
  const member = user ?? await firstMember(trx, rule, tenantId);
  return `SELECT set_config(${quoteLiteral(rule.setting)}, ${quoteLiteral(member)}, true)`;
}

/**
 * The tenant's first member by `tenancy.membership`'s user column (read as the caller's role,
 * before it acts as the application); a UsageError when the tenant has none.
 *
 * @example
 * await firstMember(knex, project.tenancy.membership, orgId) // '7c0e...' (a user id)
 */
export async function firstMember(q: Queryable, rule: MembershipRule, tenantId: string | number): Promise<string> {
  const member = (await queryRows<{ user: string }>(
    q,
    `SELECT ${quoteIdentifier(rule.userColumn)}::text AS "user" FROM ${quoteIdentifier(rule.table)} WHERE ${quoteIdentifier(rule.tenantColumn)}::text = ? AND ${quoteIdentifier(rule.userColumn)} IS NOT NULL ORDER BY 1 LIMIT 1`,
    [String(tenantId)],
  ))[0]?.user;
  if (member === undefined) {
    throw new UsageError(`tenant ${tenantId} has no member in ${rule.table} (tenancy.membership), so the context function would refuse it`, {
      hint: `Add a ${rule.table} row for the tenant, or pass { user } to sign in as a user of your choosing.`,
    });
  }
  return member;
}

/**
 * Refuses (SafetyError) to go on as a role that row-level security does not apply to: the
 * current role of `q` (after `SET ROLE`), which should be the project's application role
 * `appRole`. A superuser or a BYPASSRLS role sees every tenant's rows, so a test or a probe that
 * ran as it would pass while proving nothing.
 *
 * @example
 * await trx.raw('SET LOCAL ROLE app_user');
 * await assertSubjectToRls(trx, 'app_user'); // throws if app_user is a superuser or has BYPASSRLS
 */
export async function assertSubjectToRls(q: Queryable, appRole: string): Promise<void> {
  const [row] = await queryRows<{ name: string; superuser: boolean; bypass: boolean }>(
    q,
    'SELECT rolname AS name, rolsuper AS superuser, rolbypassrls AS bypass FROM pg_roles WHERE rolname = current_user',
  );
  if (!row || (!row.superuser && !row.bypass)) return;
  const what = row.superuser ? 'a superuser' : 'a role with BYPASSRLS';
  const named = row.name === appRole ? `the application role "${appRole}" is ${what}` : `it runs as "${row.name}", ${what}, in place of the application role "${appRole}"`;
  throw new SafetyError(`Refused to act as a tenant: ${named}, so row-level security does not apply and every tenant's rows would be visible`, {
    hint: `Name a role subject to row-level security in "tenancy.appRole" of tenantseed.config.json (not a superuser, without BYPASSRLS, granted the tenant tables), or ALTER ROLE ${quoteIdentifier(row.name)} NOBYPASSRLS${row.superuser ? ' NOSUPERUSER' : ''}.`,
  });
}

interface TenantContext {
  readonly role: string;
  readonly tenant: string | null;
  readonly propagate: string | null;
  /** The signed-in user's setting (`tenancy.membership`), when the rule is declared. */
  readonly user: string | null;
}

async function readTenantContext(trx: Knex, tenancy: TenancyNames): Promise<TenantContext> {
  const row = (await trx.raw(
    `SELECT current_setting('role') AS role, current_setting(?, true) AS tenant, current_setting('citus.propagate_set_commands', true) AS propagate, current_setting(?, true) AS "user"`,
    [tenancy.setting, tenancy.membership?.setting ?? tenancy.setting],
  )).rows[0];
  return { role: row.role, tenant: row.tenant, propagate: row.propagate, user: tenancy.membership ? row.user : null };
}

/** Sets the role and tenant back as they were, then Citus' propagation (the others propagate under it). */
async function restoreTenantContext(trx: Knex, tenancy: TenancyNames, outer: TenantContext): Promise<void> {
  const value = (v: string | null) => (v === null || v === '' ? 'DEFAULT' : quoteLiteral(v));
  await trx.raw(`SET LOCAL ROLE ${outer.role === 'none' ? 'NONE' : quoteIdentifier(outer.role)}`);
  await trx.raw(`SET LOCAL ${quoteSettingName(tenancy.setting)} TO ${value(outer.tenant)}`);
  if (tenancy.membership) await trx.raw(`SET LOCAL ${quoteSettingName(tenancy.membership.setting)} TO ${value(outer.user)}`);
  await trx.raw(`SET LOCAL citus.propagate_set_commands TO ${value(outer.propagate)}`);
}

/**
 * The statements that make the current transaction act as a tenant, on PostgreSQL and on
 * Citus alike: what an application's own code must run at the start of each transaction
 * (docs/scale-out.md). The value is quoted as a literal (`SET` takes no bind parameters). With
 * `tenancy.setContext`, its SQL (the `$1` replaced by the quoted id) sets the tenant in place of
 * `SET LOCAL` of the setting.
 *
 * @example
 * tenantContextStatements(project.tenancy, acmeId)
 * // ["SET LOCAL citus.propagate_set_commands TO 'local'", 'SET LOCAL ROLE "tenantseed_app"', `SET LOCAL "app"."current_tenant_id" TO '...'`]
 * tenantContextStatements({ ...project.tenancy, setContext: 'select set_org_context($1)' }, acmeId).at(-1)
 * // "select set_org_context('...')"
 */
export function tenantContextStatements(tenancy: TenancyNames, tenantId: string | number, options: { role?: boolean } = {}): string[] {
  const value = quoteLiteral(String(tenantId));
  return [
    `SET LOCAL citus.propagate_set_commands TO 'local'`,
    ...(options.role === false ? [] : [`SET LOCAL ROLE ${quoteIdentifier(tenancy.appRole)}`]),
    // The project's own call (`select set_org_context($1)`), as its application makes it, after
    // the role is set: the function runs with the application's rights.
    tenancy.setContext ? tenancy.setContext.replace(/\$1(?![0-9])/g, () => value) : `SET LOCAL ${quoteSettingName(tenancy.setting)} TO ${value}`,
  ];
}
