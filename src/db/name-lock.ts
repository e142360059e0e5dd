import { advisoryLockKey } from './advisory-lock';
import type { ServerClient } from './clone-database';

/**
 * Who is building a database tenantseed makes for a while (reset's scratch and previous
 * databases, the migrated-schema cache under construction): the process holds a session-level
 * advisory lock keyed by the database's name, taken before the database exists and held until
 * the process's session ends. A database of such a name whose lock nobody holds was left by a
 * killed run, whatever host or container it ran on. `pg_locks` shows the lock to every session
 * of the server, whatever database each is connected to.
 */
export const NAME_LOCK_CLASS = 0x74736e6c; // 'tsnl'

/** Takes the lock of `name` on `client` without waiting: false when another session holds it. */
export async function takeNameLock(client: ServerClient, name: string): Promise<boolean> {
  const rows = (await client.query('SELECT pg_try_advisory_lock($1, $2) AS ok', [NAME_LOCK_CLASS, advisoryLockKey(name)])).rows as Array<{ ok: boolean }>;
  return rows[0]?.ok === true;
}

/** The names among `names` whose lock some session of the server holds. */
export async function namesInUse(client: ServerClient, names: readonly string[]): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  const keys = names.map((n) => advisoryLockKey(n));
  const rows = (await client.query(
    `SELECT DISTINCT l.objid::bigint AS key FROM pg_locks l
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.classid::bigint = ($1::int4)::oid::bigint
        AND l.objid::bigint = ANY (SELECT (k::int4)::oid::bigint FROM unnest($2::int4[]) AS k)`,
    [NAME_LOCK_CLASS, keys],
  )).rows as Array<{ key: string }>;
  const held = new Set(rows.map((r) => String(r.key)));
  return new Set(names.filter((_, i) => held.has(String(keys[i] < 0 ? keys[i] + 4294967296 : keys[i]))));
}
