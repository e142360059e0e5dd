import type pg from 'pg';
import { freshClient } from '../db';
import { probeContextStatements } from './context-identity';
import { isNoTenantRefusal } from './no-tenant-read';
import { probeRunner, ProbeRunner } from './probe-batch';
import { actAsApplication } from './act-as-application';
import type { CheckContext, Finding } from './types';
import { ident } from './types';

/** How a transaction that set the tenant ends before the next one on the same connection. */
export const TRANSACTION_ENDS = ['COMMIT', 'ROLLBACK'] as const;

/**
 * Rows the application role sees in each table; 0 when the tenant setting refuses the read
 * ({@link isNoTenantRefusal}: its empty text cast, as `''::uuid`, after a transaction that set it
 * locally); the error's text for any other error.
 */
async function countsOrRefusals(client: pg.ClientBase, tables: readonly string[], setting: string, run: ProbeRunner): Promise<Array<number | string>> {
  const outcomes = await run(client, tables.map((table) => ({ kind: 'read' as const, sql: `SELECT count(*) AS n FROM ${ident(table)}` })));
  return outcomes.map((outcome) => {
    if (!outcome.code) return Number((outcome.row as { n: number }).n);
    return isNoTenantRefusal(outcome, setting) ? 0 : `${outcome.code}: ${outcome.message}`;
  });
}

/** What sets the tenant, as a finding names it: the project's context call, or the setting. */
function contextName(ctx: CheckContext): string {
  const { setContext, setting } = ctx.tenancy;
  return setContext ? `tenancy.setContext (${setContext})` : `the setting ${setting}`;
}

/**
 * The pooled-connection proof (part of `isolation`): on one connection, a transaction sets
 * `tenant` the application's way ({@link probeContextStatements}, so `tenancy.setContext`
 * when the project has one) and ends with COMMIT, or with ROLLBACK; the next transaction on
 * that same connection, with no tenant set, acts as the application role and must see no row
 * of any tenant table. A context set with `set_config(..., false)` or a plain `SET` outlives
 * its transaction, and a pooled connection hands the last tenant to the next request.
 *
 * Each connection is a new one and is closed after: nothing set here reaches another check.
 *
 * @example
 * const findings = await checkPooledContext(ctx, ['documents', 'users'], acmeId);
 * // [{ table: 'documents', message: 'after COMMIT, the next transaction on the same connection ...' }]
 */
export async function checkPooledContext(ctx: CheckContext, tables: readonly string[], tenant: string): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const end of TRANSACTION_ENDS) {
    const client = await freshClient(ctx.knex);
    try {
      await client.query('BEGIN');
      for (const statement of probeContextStatements(ctx, tenant)) await client.query(statement);
      await client.query(end);
      await client.query('BEGIN');
      await client.query(`SET LOCAL citus.propagate_set_commands TO 'local'`);
      await actAsApplication(client, ctx.tenancy.appRole);
      const counts = await countsOrRefusals(client, tables, ctx.tenancy.setting, await probeRunner(client, { citus: Boolean(ctx.distribution) }));
      for (const [k, table] of tables.entries()) {
        const n = counts[k];
        if (typeof n === 'string') {
          findings.push({ table, tenant, message: `after ${end}, the next transaction on the same connection could not read the table with no tenant set (${n}): nothing proven` });
        } else if (n > 0) {
          findings.push({ table, tenant, message: `after ${end}, the next transaction on the same connection sees ${n} row(s) with no tenant set: ${contextName(ctx)} outlives its transaction (use SET LOCAL, or set_config(..., true))` });
        }
      }
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end().catch(() => undefined);
    }
  }
  return findings;
}
