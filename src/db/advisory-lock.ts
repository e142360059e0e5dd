import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { TenantseedError } from '../errors';

/** A namespace for tenantseed's advisory locks, so they do not collide with an application's. */
export const ADVISORY_LOCK_CLASS = 0x74736564; // 'tsed'

/** The int4 key of a named lock. */
export function advisoryLockKey(name: string): number {
  return createHash('sha256').update(name).digest().readInt32BE(0);
}

/** Options of {@link withAdvisoryLock}. */
export interface AdvisoryLockOptions {
  /** How long to wait for the lock before failing. Default 60 s. */
  waitMs?: number;
  /** Called once when the lock is busy and this call starts waiting. */
  onWait?: (holder: string) => void;
}

async function describeHolder(knex: Knex | Knex.Transaction, key: number): Promise<string> {
  const result = await knex.raw(
    `SELECT a.pid, a.application_name, a.client_addr::text AS client, a.backend_start
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.classid::bigint = (?::int4)::oid::bigint AND l.objid::bigint = (?::int4)::oid::bigint AND l.granted
      LIMIT 1`,
    [ADVISORY_LOCK_CLASS, key],
  );
  const row = result.rows[0];
  if (!row) return 'another session (now gone)';
  const app = row.application_name ? `"${row.application_name}"` : 'a session';
  return `${app} (pid ${row.pid}${row.client ? ` from ${row.client}` : ''}, connected since ${new Date(row.backend_start).toISOString()})`;
}

/**
 * Runs `fn` while holding a PostgreSQL advisory lock named `name`, held by a transaction on a
 * connection of its own (so the lock goes away with that connection if the process dies).
 * Waits up to `waitMs` for a lock another session holds, then fails naming the holder.
 * `fn` runs its queries on other connections of the pool: the pool needs at least two.
 *
 * @example
 * await withAdvisoryLock(knex, 'tenantseed:migrate', {}, () => knex.migrate.latest());
 */
export async function withAdvisoryLock<T>(knex: Knex, name: string, options: AdvisoryLockOptions, fn: () => Promise<T>): Promise<T> {
  const key = advisoryLockKey(name);
  const waitMs = options.waitMs ?? 60_000;
  const trx = await knex.transaction();
  try {
    // The lock lives in this transaction, idle while `fn` works on other connections: a server
    // or role idle_in_transaction_session_timeout would end it silently, and the lock with it.
    await trx.raw('SET LOCAL idle_in_transaction_session_timeout = 0');
    const deadline = Date.now() + waitMs;
    let warned = false;
    for (;;) {
      const result = await trx.raw('SELECT pg_try_advisory_xact_lock(?::int4, ?::int4) AS locked', [ADVISORY_LOCK_CLASS, key]);
      if (result.rows[0].locked) break;
      const holder = await describeHolder(trx, key);
      if (Date.now() >= deadline) {
        throw new TenantseedError(`Timed out after ${Math.round(waitMs / 1000)} s waiting for the lock "${name}", held by ${holder}`, {
          hint: 'Another tenantseed command is working on this database; wait for it to finish, or stop it.',
        });
      }
      if (!warned) options.onWait?.(holder);
      warned = true;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return await fn();
  } finally {
    await trx.rollback().catch(() => undefined);
  }
}
