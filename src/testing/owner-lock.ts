import pg from 'pg';

/**
 * Who is using a test database: its owner holds a session-level advisory lock keyed by the
 * database's OID (stable across the rename that claims a pooled clone) for as long as it uses
 * it. The lock goes with the owner's session: a killed process, or one whose container shares
 * a hostname with others, leaves a database whose lock nobody holds. `pg_locks` shows the lock
 * to every session of the server, whatever database each is connected to.
 */
export const OWNER_LOCK_CLASS = 0x74736f77; // 'tsow'

/** The lock's second key: the OID as the int4 pg_advisory_lock takes (pg_locks shows it back as the OID). */
const KEY = (oid: string) => `(CASE WHEN ${oid}::bigint > 2147483647 THEN ${oid}::bigint - 4294967296 ELSE ${oid}::bigint END)::int4`;

/**
 * Takes the owner lock of the database `name` on `client`, without waiting: its OID, or
 * undefined when another session holds the lock (or the database is gone). Held until
 * `releaseOwnerLock` or the session ends.
 */
export async function takeOwnerLock(client: pg.Client, name: string): Promise<string | undefined> {
  const rows = (await client.query(`SELECT d.oid::text AS oid, pg_try_advisory_lock($1, ${KEY('d.oid')}) AS ok FROM pg_database d WHERE d.datname = $2`, [OWNER_LOCK_CLASS, name])).rows as Array<{ oid: string; ok: boolean }>;
  return rows[0]?.ok === true ? rows[0].oid : undefined;
}

/** Gives back an owner lock that `takeOwnerLock` took on `client` (by OID: the database may be gone). */
export async function releaseOwnerLock(client: pg.Client, oid: string): Promise<void> {
  await client.query(`SELECT pg_advisory_unlock($1, ${KEY('$2::oid')})`, [OWNER_LOCK_CLASS, oid]);
}

/** An SQL condition, over `pg_database d`, true while some session holds the database's owner lock. */
export const OWNER_ALIVE_SQL = `EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.classid = ${OWNER_LOCK_CLASS} AND l.objid = d.oid AND l.objsubid = 2)`;

/**
 * A connection to the server's maintenance database that holds the owner lock of one test
 * database for its lifetime. Its socket is unref'd: it never keeps a process (a jest or Vitest
 * worker) alive; when the process ends, the server ends the session and the lock with it.
 */
export async function connectOwner(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** The socket of a pg client, to ref or unref it. */
export function socketOf(client: pg.Client): { ref(): void; unref(): void } {
  return (client as unknown as { connection: { stream: { ref(): void; unref(): void } } }).connection.stream;
}
