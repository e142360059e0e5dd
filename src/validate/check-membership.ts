import type { Knex } from 'knex';
import { probeContextStatements } from './context-identity';
import type { ContextIdentity, ContextIdentityReading } from './context-identity';
import type { CheckContext, Finding } from './types';
import { ident } from './types';

/** Thrown to end the membership probe's transaction: everything it did is rolled back. */
const ROLL_BACK = new Error('tenantseed membership probe: roll back');
/** At most this many (user, member tenant, other tenant) triples are tried for one the context accepts as a member. */
const MAX_TRIES = 10;

/** What the membership refusal probe found, and the sentence the report shows about it. */
export interface MembershipProbe {
  readonly findings: Finding[];
  readonly membership: string;
}

/** Runs the context call in a savepoint: the error's code and text when it raised, else the tenant setting it left. */
async function callContext(trx: Knex.Transaction, ctx: CheckContext, tenant: string, user: string): Promise<{ error?: string; setting?: string | null }> {
  await trx.raw('SAVEPOINT tenantseed_membership');
  try {
    for (const statement of probeContextStatements(ctx, tenant, { user })) await trx.raw(statement);
    return { setting: (await trx.raw('SELECT current_setting(?, true) AS s', [ctx.tenancy.setting])).rows[0].s };
  } catch (err) {
    const { code, message } = err as { code?: string; message?: string };
    await trx.raw('ROLLBACK TO SAVEPOINT tenantseed_membership');
    return { error: `${code ?? 'error'}: ${(message ?? String(err)).replace(/^[\s\S]*? - /, '')}` };
  }
}

/** Rows of `tenant` visible in each table (as the role and context the transaction now has), those with any. */
async function visibleRows(trx: Knex.Transaction, tables: ReadonlyArray<{ table: string; tenantColumn: string }>, tenant: string): Promise<Array<{ table: string; n: number }>> {
  const out: Array<{ table: string; n: number }> = [];
  for (const { table, tenantColumn } of tables) {
    await trx.raw('SAVEPOINT tenantseed_membership_count');
    try {
      const n = Number((await trx.raw(`SELECT count(*) AS n FROM ${ident(table)} WHERE ${ident(tenantColumn)}::text = ?`, [tenant])).rows[0].n);
      if (n > 0) out.push({ table, n });
    } catch {
      // A refused read shows nothing.
    } finally {
      await trx.raw('ROLLBACK TO SAVEPOINT tenantseed_membership_count');
    }
  }
  return out;
}

/** (user, a tenant it is a member of, a tenant it is not a member of), the probed tenants first. */
function triples(identity: ContextIdentity, tenants: readonly string[]): Array<{ user: string; member: string; other: string }> {
  const byUser = new Map<string, string[]>();
  for (const [tenant, users] of identity.members) for (const u of users) byUser.set(u, [...(byUser.get(u) ?? []), tenant]);
  const all = [...new Set([...tenants, ...identity.members.keys()])];
  const out: Array<{ user: string; member: string; other: string }> = [];
  for (const other of all) {
    for (const [user, of] of byUser) {
      if (!of.includes(other)) out.push({ user, member: of[0], other });
      if (out.length >= MAX_TRIES) return out;
    }
  }
  return out;
}

/**
 * Membership refusal (part of `isolation`): where the schema has a membership check (a function
 * that compares a membership table's user column with a setting the session sets), as the
 * application role, with the setting naming a user, the project's `tenancy.setContext` for a
 * tenant that user is no member of must be refused: it raises, or sets no tenant, or that
 * tenant's rows stay hidden. A finding names the context function, the user and the rows seen.
 * First the same user with a tenant it is a member of must be accepted: else the probe did not
 * name the user the way the function reads it, and proves nothing (a finding too).
 * Without a membership check the probe is not applicable, and the report says so; where the
 * config's `tenancy.membership` declares the rule, the probe runs whether or not a function of the
 * schema still checks it, and a rule it cannot try is a finding.
 *
 * @example
 * const { findings, membership } = await probeMembershipRefusal(ctx, reading, tables, tenants);
 * // membership: 'public.set_org_context refused user ... for tenant ..., not a member: P0001: not a member'
 */
export async function probeMembershipRefusal(
  ctx: CheckContext,
  reading: ContextIdentityReading,
  tables: ReadonlyArray<{ table: string; tenantColumn: string }>,
  tenants: readonly string[],
): Promise<MembershipProbe> {
  if (!reading.identity) {
    // Asked for by tenancy.membership: a rule that cannot be tried is no pass.
    if (reading.declared) return { findings: [{ table: ctx.tenancy.membership?.table, message: `the membership refusal could not be tried: ${reading.notApplicable}` }], membership: `not proven: ${reading.notApplicable}` };
    return { findings: [], membership: `not applicable: ${reading.notApplicable}` };
  }
  const identity = reading.identity;
  const probeCtx: CheckContext = { ...ctx, identity };
  const fn = identity.contextFunction;
  const where = identity.declared === 'no check left'
    ? `${identity.setting} (tenancy.membership: a member has a row in ${identity.table}.${identity.check.userColumn})`
    : `${identity.setting} (compared with ${identity.check.userColumn} by ${identity.check.function})`;
  const candidates = triples(identity, tenants);
  if (candidates.length === 0) {
    return { findings: [{ table: identity.table, message: `the membership refusal of ${fn} could not be tried: every user of ${identity.table} is a member of every tenant` }], membership: 'not proven: no non-member to try' };
  }
  let result: MembershipProbe | undefined;
  await ctx.knex.transaction(async (trx) => {
    for (const { user, member, other } of candidates) {
      const control = await callContext(trx, probeCtx, member, user);
      await trx.raw('ROLLBACK TO SAVEPOINT tenantseed_membership');
      // A raised control has no setting either: the member was refused.
      if (control.setting !== member) continue;
      const probe = await callContext(trx, probeCtx, other, user);
      const seen = probe.error ? [] : await visibleRows(trx, tables, other);
      if (seen.length === 0) {
        const how = probe.error ? `raised ${probe.error}` : `left ${ctx.tenancy.setting} ${probe.setting ? `'${probe.setting}'` : 'unset'} and showed none of its rows`;
        result = { findings: [], membership: `refused: ${fn} ${how} for tenant ${other} with ${where} = '${user}', not a member of it (a member of ${member}: accepted)` };
      } else {
        const rows = seen.map((s) => `${s.table}: ${s.n}`).join(', ');
        const skipped = identity.declared === 'no check left'
          ? `; no function of the schema compares ${identity.table}.${identity.check.userColumn} with ${identity.setting} any more (tenancy.membership declares the rule)`
          : identity.applied ? '' : `; the schema's membership check ${identity.check.function} is not applied by ${fn}`;
        result = {
          findings: [{ table: seen[0].table, tenant: other, message: `the context function ${fn} accepted tenant ${other} for ${where} = '${user}', who is not a member of it (${identity.table} has no row for them): its rows became visible (${rows})${skipped}` }],
          membership: `failed: ${fn} accepted a non-member`,
        };
      }
      break;
    }
    throw ROLL_BACK;
  }).catch((err) => {
    if (err !== ROLL_BACK) throw err;
  });
  return result ?? {
    findings: [{ table: identity.table, message: `the membership refusal of ${fn} proves nothing: with ${where} naming a member, tenancy.setContext (${ctx.tenancy.setContext}) refused the member's own tenant too (or left ${ctx.tenancy.setting} unset)` }],
    membership: 'not proven: even a member was refused',
  };
}
