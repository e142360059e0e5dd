import { freshClient } from '../db';
import { probeContextStatements } from './context-identity';
import type { CheckContext, Finding } from './types';
import { ident } from './types';

/** How a transaction that set the tenant ends before the next one on the same connection. */
export const TRANSACTION_ENDS = ['COMMIT', 'ROLLBACK'] as const;

/**
 * Errors a policy raises when no tenant is set, which refuse the read rather than leak: the
 * setting's empty text cast to the tenant key's type (22P02, as `''::uuid`), an unset setting
 * read without missing_ok (42704), an explicit RAISE (P0001).
 */
const REFUSED_WITHOUT_TENANT = new Set(['22P02', '42704', 'P0001']);

/** Rows the application role sees in `table`; 0 when the read is refused without a tenant; the error's text for any other error. */
async function countOrRefusal(client: Awaited<ReturnType<typeof freshClient>>, table: string): Promise<number | string> {
  await client.query('SAVEPOINT tenantseed_pooled');
  try {
    return Number((await client.query(`SELECT count(*) AS n FROM ${ident(table)}`)).rows[0].n);
  } catch (err) {
    const { code, message } = err as { code?: string; message: string };
    return code && REFUSED_WITHOUT_TENANT.has(code) ? 0 : `${code ?? 'error'}: ${message}`;
  } finally {
    await client.query('ROLLBACK TO SAVEPOINT tenantseed_pooled');
  }
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
      await client.query(`SET LOCAL ROLE ${ident(ctx.tenancy.appRole)}`);
      for (const table of tables) {
        const n = await countOrRefusal(client, table);
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
