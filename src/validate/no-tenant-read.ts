import type pg from 'pg';
import type { ProbeRunner } from './probe-batch';
import type { Finding } from './types';
import { ident } from './types';

/** A PostgreSQL error as the driver throws it. */
interface PgError {
  readonly code?: string;
  readonly message?: string;
}

/**
 * Whether `err`, thrown by a read with no tenant set, is the tenant setting refusing to be read:
 * a policy that calls `current_setting('<setting>')` without `missing_ok` fails with 42704
 * (undefined_object, "unrecognized configuration parameter") on a connection where it was never
 * set, and a cast of the empty value it holds after a transaction that set it locally
 * (`''::uuid`) fails with 22P02; a policy's function that raises when no tenant is set (RAISE
 * EXCEPTION: P0001) refuses on purpose. Each means nothing is visible: the safe outcome. Any
 * other error is not this and stays a failure.
 */
export function isNoTenantRefusal(err: unknown, setting: string): boolean {
  const { code, message = '' } = err as PgError;
  if (code === '42704') return message.includes(`"${setting}"`);
  return code === 'P0001' || (code === '22P02' && /: ""$/.test(message));
}

/**
 * Counts the rows each table shows on `client` (in a transaction, as the application role, with
 * no tenant set), each read in a subtransaction of its own, batched by `run`: the count, 0 when
 * the tenant setting refuses the read ({@link isNoTenantRefusal}), or a finding naming the table
 * and the error.
 */
export async function countWithoutTenant(client: pg.ClientBase, tables: readonly string[], setting: string, run: ProbeRunner): Promise<Array<number | Finding>> {
  const outcomes = await run(client, tables.map((table) => ({ kind: 'read' as const, sql: `SELECT count(*) AS n FROM ${ident(table)}` })));
  return outcomes.map((outcome, k) => {
    if (!outcome.code) return Number((outcome.row as { n: number }).n);
    if (isNoTenantRefusal(outcome, setting)) return 0;
    return { table: tables[k], message: `without a tenant, reading it failed with ${outcome.code}: ${outcome.message}` };
  });
}

/**
 * The rows an UPDATE or DELETE without a tenant touched on `client` (in a savepoint, rolled back):
 * its row count, 0 when it failed for want of the tenant or of the privilege, or a finding when
 * it failed another way after reaching rows (a foreign key refusing to lose its parent: 23503).
 */
export async function writeWithoutTenant(client: pg.ClientBase, table: string, sql: string, setting: string): Promise<number | Finding> {
  await client.query('SAVEPOINT tenantseed_no_tenant');
  try {
    return (await client.query(sql)).rowCount ?? 0;
  } catch (err) {
    const { code } = err as PgError;
    if (code === '23503') return { table, message: `without a tenant, ${sql.split(' ')[0]} reached rows (it failed with 23503: other tables' rows reference them)` };
    if (code === '42501' || isNoTenantRefusal(err, setting)) return 0;
    const { message } = err as PgError;
    return { table, message: `without a tenant, ${sql.split(' ')[0]} failed with ${code ?? 'an error'}: ${message ?? String(err)}` };
  } finally {
    await client.query('ROLLBACK TO SAVEPOINT tenantseed_no_tenant');
  }
}
