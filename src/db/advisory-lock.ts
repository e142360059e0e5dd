import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { TenantseedError } from '../errors';
import { freshClient } from './connect';

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

type Query = (sql: string, params: unknown[]) => Promise<{ rows: Array<Record<string, unknown>> }>;

async function describeHolder(query: Query, key: number): Promise<string> {
  const result = await query(
    `SELECT a.pid, a.application_name, a.client_addr::text AS client, a.backend_start
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.classid::bigint = ($1::int4)::oid::bigint AND l.objid::bigint = ($2::int4)::oid::bigint AND l.granted
      LIMIT 1`,
    [ADVISORY_LOCK_CLASS, key],
  );
  const row = result.rows[0];
  if (!row) return 'another session (now gone)';
  const app = row.application_name ? `"${row.application_name}"` : 'a session';
  return `${app} (pid ${row.pid}${row.client ? ` from ${row.client}` : ''}, connected since ${new Date(row.backend_start as string).toISOString()})`;
}

/**
 * Runs `fn` while holding a PostgreSQL advisory lock named `name`: a session-level lock, held
 * by a connection of its own (outside `knex`'s pool) that never opens a transaction. Were it
 * held by an open transaction, a migration that runs CREATE INDEX CONCURRENTLY (which waits
 * for every transaction older than its snapshot) would wait for it forever. The lock goes
 * with the connection: released at the end, and by the server when the process dies (a
 * SIGKILL leaves no lock behind). Waits up to `waitMs` for a lock another session holds, then
 * fails naming the holder.
 *
 * @example
 * await withAdvisoryLock(knex, 'tenantseed:migrate', {}, () => knex.migrate.latest());
 */
export async function withAdvisoryLock<T>(knex: Knex, name: string, options: AdvisoryLockOptions, fn: () => Promise<T>): Promise<T> {
  const key = advisoryLockKey(name);
  const waitMs = options.waitMs ?? 60_000;
  const client = await freshClient(knex);
  const query: Query = (sql, params) => client.query(sql, params);
  let locked = false;
  try {
    // The lock lives in this idle session while `fn` works on other connections: a server or
    // role idle_session_timeout (PostgreSQL 14+) would end it silently, and the lock with it.
    if (Number((await query('SHOW server_version_num', [])).rows[0].server_version_num) >= 140000) {
      await query(`SELECT set_config('idle_session_timeout', '0', false)`, []);
    }
    const deadline = Date.now() + waitMs;
    let warned = false;
    for (;;) {
      const result = await query('SELECT pg_try_advisory_lock($1::int4, $2::int4) AS locked', [ADVISORY_LOCK_CLASS, key]);
      if (result.rows[0].locked) break;
      const holder = await describeHolder(query, key);
      if (Date.now() >= deadline) {
        throw new TenantseedError(`Timed out after ${Math.round(waitMs / 1000)} s waiting for the lock "${name}", held by ${holder}`, {
          hint: 'Another tenantseed command is working on this database; wait for it to finish, or stop it.',
        });
      }
      if (!warned) options.onWait?.(holder);
      warned = true;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    locked = true;
    return await fn();
  } finally {
    // Ending the session releases the lock; unlocking first says so at once, even if the end is slow.
    if (locked) await query('SELECT pg_advisory_unlock($1::int4, $2::int4)', [ADVISORY_LOCK_CLASS, key]).catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}
