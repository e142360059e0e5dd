import type { Knex } from 'knex';
import { groupEnd, quoteLiteral, readFunctions, readSettings } from '../db';
import { probeContextStatements } from './context-identity';
import type { SnapshotFunction } from '../db';
import type { CheckContext, Finding } from './types';
import { ident } from './types';

/** A policy as the catalog holds it, with the roles it applies to (`public` for PUBLIC). */
export interface PolicyRow {
  readonly table: string;
  readonly policy: string;
  readonly permissive: boolean;
  readonly command: string;
  readonly using?: string;
  /** The roles it applies to, `PUBLIC` for PUBLIC (as the catalog names them). */
  readonly roles?: readonly string[];
}

/**
 * A branch of a policy that may admit rows without the tenant comparison: it reads another
 * setting than the tenant's (itself or through the functions it calls), which any session may
 * set. `values` are what to try: the literals the policy and those functions compare with (quoted,
 * then bare whole numbers, each also plus one), then `on`, `true` and `1`.
 */
export interface BypassCandidate {
  readonly table: string;
  readonly policy: string;
  readonly setting: string;
  readonly values: readonly string[];
  /** Functions between the policy and the setting. */
  readonly through: readonly string[];
}

const LITERAL = /'((?:[^']|'')*)'/g;
/** At most this many literals of one policy are tried, besides on/true/1. */
const MAX_LITERALS = 12;

/**
 * The bypass candidates of policies: every setting a policy's USING reads (through functions,
 * bounded) other than the tenant setting, with the values to try. Pure.
 *
 * @example
 * bypassCandidates([{ table: 'documents', policy: 'bypass', permissive: true, command: '*',
 *   using: "(current_setting('app.bypass_rls', true) = 'on')" }], [], 'app.current_tenant_id')
 * // [{ table: 'documents', policy: 'bypass', setting: 'app.bypass_rls', values: ['on', 'true', '1'], through: [] }]
 */
export function bypassCandidates(policies: readonly PolicyRow[], functions: readonly SnapshotFunction[], tenantSetting: string): BypassCandidate[] {
  const out: BypassCandidate[] = [];
  for (const p of policies) {
    if (!p.using) continue;
    const read = readSettings(p.using, functions);
    const others = read.settings.filter((s) => s !== tenantSetting);
    const bodies = [p.using, ...functions.filter((f) => read.through.includes(`${f.schema}.${f.name}`)).map((f) => f.body)];
    const literals: string[] = [];
    for (const text of bodies) {
      for (const m of text.matchAll(LITERAL)) {
        const value = m[1].replace(/''/g, "'");
        if (read.settings.includes(value) || value === '' || literals.includes(value)) continue;
        literals.push(value);
      }
    }
    // Bare whole numbers too (`::int >= 9`), and each one more (`> 9`), outside the quoted literals.
    for (const text of bodies) {
      for (const m of text.replace(LITERAL, "''").matchAll(/(?<![\w.$])(\d+)(?![\w.])/g)) {
        for (const value of [m[1], String(Number(m[1]) + 1)]) if (!literals.includes(value)) literals.push(value);
      }
    }
    const values = [...literals.slice(0, MAX_LITERALS), ...['on', 'true', '1'].filter((v) => !literals.slice(0, MAX_LITERALS).includes(v))];
    for (const setting of others) out.push({ table: p.table, policy: p.policy, setting, values, through: read.through });
  }
  return out;
}

/**
 * A branch of a policy that tests the role rather than the tenant: `current_user = 'admin'`,
 * `session_user = ANY (ARRAY[...])`, `pg_has_role(current_user, 'support', 'member')`. A role
 * that satisfies it reads every row the policy's table holds.
 */
export interface RoleBranch {
  readonly table: string;
  readonly policy: string;
  readonly permissive: boolean;
  /** The branch as the policy (or the function it calls) writes it. */
  readonly branch: string;
  /** The function that holds it, when the policy calls one. */
  readonly through?: string;
}

const ROLE_WORD = /\b(current_user|session_user|current_role)\b/gi;
const HAS_ROLE = /\bpg_has_role\s*\(/gi;

/** The index of the parenthesis that closes the one at `open` (quotes skipped), or the text's end. */
function closingParen(text: string, open: number): number {
  let depth = 0;
  let quoted = false;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "'") quoted = !quoted;
    else if (!quoted && text[i] === '(') depth++;
    else if (!quoted && text[i] === ')' && --depth === 0) return i;
  }
  return text.length;
}

/** The role tests of one text: each pg_has_role(...) call, and each role word compared (=, <>, IN) with literals. */
function roleTests(text: string): string[] {
  const out: string[] = [];
  const calls: Array<[number, number]> = [];
  for (const m of text.matchAll(HAS_ROLE)) {
    const end = closingParen(text, m.index! + m[0].length - 1);
    calls.push([m.index!, end]);
    out.push(text.slice(m.index!, end + 1));
  }
  for (const m of text.matchAll(ROLE_WORD)) {
    if (calls.some(([from, to]) => m.index! >= from && m.index! <= to)) continue;
    const after = /^\s*(=|<>|!=)/.exec(text.slice(m.index! + m[0].length));
    const before = /(=|<>|!=)\s*$/.exec(text.slice(0, m.index!));
    let branch: string | undefined;
    if (after) branch = text.slice(m.index!, groupEnd(text, m.index! + m[0].length + after[0].length, 1)).trim();
    else if (before) branch = text.slice(groupEnd(text, m.index! - before[0].length - 1, -1) + 1, m.index! + m[0].length).trim();
    if (branch && /'/.test(branch) && !out.includes(branch)) out.push(branch);
  }
  return out;
}

/**
 * The role-test branches of policies, in the policy's own text and in the SQL and PL/pgSQL
 * functions it calls. Pure.
 *
 * @example
 * roleBranches([{ table: 'documents', policy: 'admins', permissive: true, command: '*', using: "(CURRENT_USER = 'admin'::name)" }], [])
 * // [{ table: 'documents', policy: 'admins', permissive: true, branch: "CURRENT_USER = 'admin'::name" }]
 */
export function roleBranches(policies: readonly PolicyRow[], functions: readonly SnapshotFunction[]): RoleBranch[] {
  const out: RoleBranch[] = [];
  for (const p of policies) {
    if (!p.using) continue;
    for (const branch of roleTests(p.using)) out.push({ table: p.table, policy: p.policy, permissive: p.permissive, branch });
    const through = readSettings(p.using, functions).through;
    for (const f of functions.filter((g) => through.includes(`${g.schema}.${g.name}`))) {
      for (const branch of roleTests(f.body)) out.push({ table: p.table, policy: p.policy, permissive: p.permissive, branch, through: `${f.schema}.${f.name}` });
    }
  }
  return out;
}

/**
 * A role test as the application role would meet it, to evaluate as any role: the role words
 * become the application role's name (`session_user` too: the application logs in as it), and
 * `pg_has_role('x', 'member')` (of the current role) names it first.
 */
export function asApplicationRole(branch: string, appRole: string): string {
  const role = `${quoteLiteral(appRole)}::name`;
  return branch
    .replace(/\bpg_has_role\s*\(/gi, (m, offset: number) => {
      const end = closingParen(branch, offset + m.length - 1);
      const args = branch.slice(offset + m.length, end).split(/,(?=(?:[^']*'[^']*')*[^']*$)/).length;
      return args === 2 ? `${m}${role}, ` : m;
    })
    .replace(ROLE_WORD, role);
}

/**
 * The policies of the schemas' tables that apply to the application role for reading: to
 * PUBLIC, to the role, or to a role it belongs to; FOR SELECT or FOR ALL; permissive and
 * restrictive.
 */
export async function readApplicablePolicies(knex: Knex, schemas: readonly string[], appRole: string): Promise<PolicyRow[]> {
  const rows = (await knex.raw(
    `SELECT c.relname AS "table", p.polname AS policy, p.polpermissive AS permissive, p.polcmd AS command,
            pg_get_expr(p.polqual, p.polrelid) AS using,
            ARRAY(SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE r::regrole::text END FROM unnest(p.polroles) r)::text[] AS roles
       FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY(?) AND p.polcmd IN ('r', '*')
        AND (0 = ANY(p.polroles) OR EXISTS (SELECT 1 FROM unnest(p.polroles) r WHERE r <> 0 AND pg_has_role(?, r, 'MEMBER')))
      ORDER BY 1, 2`,
    [schemas as string[], appRole],
  )).rows as Array<{ table: string; policy: string; permissive: boolean; command: string; using: string | null; roles: string[] }>;
  return rows.map((r) => ({ table: r.table, policy: r.policy, permissive: r.permissive, command: r.command, using: r.using ?? undefined, roles: r.roles }));
}

/** Thrown to end the bypass probes' transaction: everything they did is rolled back. */
const ROLL_BACK = new Error('tenantseed bypass probes: roll back');

/**
 * Bypass discovery: as the application role, with one tenant's context, tries each setting a
 * policy reads besides the tenant's ({@link bypassCandidates}) with each value its branch
 * compares with; a finding for each (policy, setting) under which rows of other tenants appear
 * in the policy's table. Runs in a transaction that is rolled back.
 */
export async function probeBypasses(
  ctx: CheckContext,
  tables: ReadonlyArray<{ table: string; tenantOf: string }>,
  tenant: string,
): Promise<{ findings: Finding[]; candidates: BypassCandidate[]; branches: RoleBranch[] }> {
  const policies = await readApplicablePolicies(ctx.knex, ctx.schemas, ctx.tenancy.appRole);
  const functions = await readFunctions(ctx.knex);
  const candidates = bypassCandidates(policies, functions, ctx.tenancy.setting);
  const columns = new Map(tables.map((t) => [t.table, t.tenantOf]));
  const branches = roleBranches(policies, functions);
  const findings = await probeRoleBranches(ctx, branches.filter((b) => b.permissive && columns.has(b.table)));
  const probed = candidates.filter((c) => columns.has(c.table));
  if (probed.length === 0) return { findings, candidates, branches };
  await ctx.knex.transaction(async (trx) => {
    for (const statement of probeContextStatements(ctx, tenant)) await trx.raw(statement);
    for (const c of probed) {
      for (const value of c.values) {
        const seen = await foreignRows(trx, c.table, columns.get(c.table)!, tenant, c.setting, value);
        if (seen > 0) {
          findings.push({
            table: c.table, tenant,
            message: `policy ${c.policy} admits ${seen} row(s) of other tenants when the application role sets ${c.setting} to '${value}'${c.through.length ? ` (read through ${c.through.join(', ')})` : ''}`,
          });
          break;
        }
      }
    }
    throw ROLL_BACK;
  }).catch((err) => {
    if (err !== ROLL_BACK) throw err;
  });
  return { findings, candidates, branches };
}

/**
 * A finding for each permissive role-test branch the application role satisfies: evaluated for
 * the application role ({@link asApplicationRole}), so `session_user` is the role the application
 * logs in as, and `pg_has_role` follows its memberships. A branch that cannot be evaluated on
 * its own (it reads a column or an argument) is left out.
 */
async function probeRoleBranches(ctx: CheckContext, branches: readonly RoleBranch[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  if (branches.length === 0) return findings;
  await ctx.knex.transaction(async (trx) => {
    for (const b of branches) {
      await trx.raw('SAVEPOINT tenantseed_role_branch');
      try {
        const { t } = (await trx.raw(`SELECT (${asApplicationRole(b.branch, ctx.tenancy.appRole)})::boolean AS t`)).rows[0];
        if (t === true) {
          findings.push({ table: b.table, message: `policy ${b.policy} admits every row to ${ctx.tenancy.appRole}: its branch ${b.branch}${b.through ? ` (in ${b.through})` : ''} is true for the application role` });
        }
      } catch {
        // Not a test of the role alone (it reads a column or an argument).
      } finally {
        await trx.raw('ROLLBACK TO SAVEPOINT tenantseed_role_branch');
      }
    }
    throw ROLL_BACK;
  }).catch((err) => {
    if (err !== ROLL_BACK) throw err;
  });
  return findings;
}

/**
 * Rows of other tenants the role sees in `table` with `setting` set to `value` (0 when setting it
 * fails); `tenantOf` is the SQL of a row's tenant as text over the table aliased `c`.
 */
async function foreignRows(trx: Knex.Transaction, table: string, tenantOf: string, tenant: string, setting: string, value: string): Promise<number> {
  await trx.raw('SAVEPOINT tenantseed_bypass');
  try {
    await trx.raw('SELECT set_config(?, ?, true)', [setting, value]);
    const row = (await trx.raw(`SELECT count(*)::int AS n FROM ${ident(table)} c WHERE (${tenantOf}) IS DISTINCT FROM ?`, [tenant])).rows[0];
    return Number(row.n);
  } catch {
    // A value the policy cannot cast, or a setting the role may not set: no bypass by this value.
    return 0;
  } finally {
    await trx.raw('ROLLBACK TO SAVEPOINT tenantseed_bypass');
  }
}
