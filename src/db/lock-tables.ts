import { TenantseedError } from '../errors';
import { requoteName } from './sql';

/** Runs one statement on the connection of the caller's transaction. */
export type LockQuery = (sql: string, params?: unknown[]) => Promise<{ rows: Array<Record<string, unknown>> }>;

/** Options of {@link lockTablesAtOnce}. */
export interface LockTablesOptions {
  /** How long to try in all before giving up. Default 30 s. */
  waitMs?: number;
  /** How long one attempt may wait: the longest any other session's access to a table is held up. Default 300 ms. */
  attemptMs?: number;
  /** Told, once per distinct set of holders, who holds the locks this waits for. */
  onWait?: (holders: string) => void;
}

/** The default bound of every lock wait of seed and reset (`--lock-wait`). */
export const DEFAULT_LOCK_WAIT_MS = 30_000;
const ATTEMPT_MS = 300;

/**
 * The sessions that hold (or wait ahead of us for) a lock on one of `tables`, as a line each:
 * pid, application name, state, since when, and the statement.
 */
async function describeHolders(query: LockQuery, tables: readonly string[]): Promise<string> {
  const result = await query(
    `SELECT DISTINCT a.pid, a.application_name, a.state, coalesce(a.xact_start, a.query_start) AS since, left(a.query, 200) AS query
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'relation' AND l.granted AND l.pid <> pg_backend_pid()
        AND l.relation IN (SELECT to_regclass(t)::oid FROM jsonb_array_elements_text($1::jsonb) t)
      ORDER BY a.pid`,
    [JSON.stringify(tables)],
  );
  if (result.rows.length === 0) return 'sessions that have since let go';
  return result.rows
    .map((r) => `pid ${r.pid} ("${r.application_name || 'no application name'}", ${r.state}${r.since ? ` since ${new Date(r.since as string).toISOString()}` : ''}): ${String(r.query).replace(/\s+/g, ' ')}`)
    .join('; ');
}

/**
 * Takes ACCESS EXCLUSIVE locks on all of `tables` at once or not at all, in the caller's open
 * transaction: short attempts (`lock_timeout` of `attemptMs` each, in a savepoint) with backoff,
 * rolling each failed attempt back to the savepoint so that no lock of the set is held while
 * it waits for the rest (a lock held while waiting would block the application's reads of the
 * tables already locked). While it waits it says who holds the locks; after `waitMs` it gives up
 * with an error that names them (the caller's transaction then rolls back: nothing changed).
 * Leaves `lock_timeout` at `waitMs` for the rest of the transaction: no later wait is unbounded.
 *
 * @example
 * await lockTablesAtOnce((sql, p) => client.query(sql, p), ['public.users', 'public.tenants'], { waitMs: 30_000 });
 */
export async function lockTablesAtOnce(query: LockQuery, tables: readonly string[], options: LockTablesOptions = {}): Promise<void> {
  const waitMs = options.waitMs ?? DEFAULT_LOCK_WAIT_MS;
  const attemptMs = Math.min(options.attemptMs ?? ATTEMPT_MS, waitMs);
  await query(`SELECT set_config('lock_timeout', $1, true)`, [`${waitMs}ms`]);
  if (tables.length === 0) return;
  const deadline = Date.now() + waitMs;
  let pause = 50;
  let told = '';
  for (;;) {
    await query('SAVEPOINT tenantseed_lock_attempt');
    try {
      await query(`SELECT set_config('lock_timeout', $1, true)`, [`${attemptMs}ms`]);
      await query(`LOCK TABLE ${tables.map(requoteName).join(', ')} IN ACCESS EXCLUSIVE MODE`);
      await query(`SELECT set_config('lock_timeout', $1, true)`, [`${waitMs}ms`]);
      await query('RELEASE SAVEPOINT tenantseed_lock_attempt');
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== '55P03') throw err;
      // Releases every lock of this attempt (and its lock_timeout): nothing of the set is held now.
      await query('ROLLBACK TO SAVEPOINT tenantseed_lock_attempt');
      await query('RELEASE SAVEPOINT tenantseed_lock_attempt');
    }
    const holders = await describeHolders(query, tables);
    if (Date.now() + pause >= deadline) {
      throw new TenantseedError(`Gave up after ${(waitMs / 1000).toFixed(1)} s waiting to lock ${tables.length} table(s), held by ${holders}`, {
        hint: 'Wait for those sessions to finish (or end them), or give more time with --lock-wait SECONDS. Nothing was changed.',
      });
    }
    if (holders !== told) options.onWait?.(holders);
    told = holders;
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 2, 1_000);
  }
}
