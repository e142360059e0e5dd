import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DatabaseTarget } from '../config';
import { cloneDatabase, quoteIdentifier, toDatabaseError } from '../db';
import { DatabaseMarker, formatMarker, parseMarker } from './database-marker';
import { OWNER_ALIVE_SQL, releaseOwnerLock, takeOwnerLock } from './owner-lock';

export type { DatabaseMarker } from './database-marker';

/**
 * The databases the testing API makes, and how they are found again: by name prefix and by a
 * marker in the database's comment that parses exactly (database-marker.ts). Nothing without
 * both is ever dropped.
 */
export const TEMPLATE_PREFIX = 'tenantseed_tpl_';
export const POOL_PREFIX = 'tenantseed_pool_';
export const TEST_PREFIX = 'tenantseed_test_';

/** A database of the server with tenantseed's marker. */
export interface MarkedDatabase {
  readonly name: string;
  readonly marker: DatabaseMarker;
  readonly oid: string;
  /** Some session holds its owner lock (owner-lock.ts): a test file is using it. */
  readonly ownerAlive: boolean;
}

/** Runs `fn` on a connection to the server's maintenance database. */
export async function withServerClient<T>(server: DatabaseTarget, fn: (client: pg.Client) => Promise<T>, options: { unref?: boolean } = {}): Promise<T> {
  const client = new pg.Client({ connectionString: server.url });
  client.on('error', () => undefined);
  try {
    const connecting = client.connect();
    // A background statement that may be cut short (a drop: the next run prunes what it left)
    // must not keep a process alive, or jest force-exits its worker. Unref'd once connect()
    // made the socket's handle: before that, Node defers unref to 'connect', and a loaded
    // server can take seconds to accept.
    if (options.unref) (client as unknown as { connection: { stream: { unref(): void } } }).connection.stream.unref();
    await connecting;
    return await fn(client);
  } catch (err) {
    throw toDatabaseError(err, server);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The statement that marks a database as the testing API's. */
function markStatement(name: string, marker: Pick<DatabaseMarker, 'kind' | 'key'>): string {
  return `COMMENT ON DATABASE ${quoteIdentifier(name)} IS ${pg.escapeLiteral(formatMarker(marker))}`;
}

/** Marks a database as the testing API's. */
export async function markDatabase(client: pg.Client, name: string, marker: Pick<DatabaseMarker, 'kind' | 'key'>): Promise<void> {
  await client.query(markStatement(name, marker));
}

/** Every database of the server that carries the testing API's prefix and exact marker. */
export async function markedDatabases(client: pg.Client): Promise<MarkedDatabase[]> {
  const rows = (await client.query(
    `SELECT d.datname AS name, d.oid::text AS oid, shobj_description(d.oid, 'pg_database') AS comment, ${OWNER_ALIVE_SQL} AS alive
       FROM pg_database d WHERE d.datname LIKE 'tenantseed\\_%' ORDER BY 1`,
  )).rows as Array<{ name: string; oid: string; comment: string | null; alive: boolean }>;
  const out: MarkedDatabase[] = [];
  for (const row of rows) {
    const marker = parseMarker(row.comment);
    // Not a marker we wrote, or not one of our names: leave the database alone.
    if (!marker || ![TEMPLATE_PREFIX, POOL_PREFIX, TEST_PREFIX].some((p) => row.name.startsWith(p))) continue;
    out.push({ name: row.name, marker, oid: row.oid, ownerAlive: row.alive });
  }
  return out;
}

/** Options of {@link pruneTestDatabases}. */
export interface PruneOptions {
  /** The current template key: its template and pool are kept. */
  keepKey?: string;
  /** Templates and pools of other keys, and kept databases, older than this are dropped. Default 10 minutes. */
  olderThanMs?: number;
  /**
   * Test databases whose owner holds its lock are kept; with `all`, everything marked goes, in
   * use or not (the CLI asks first, or needs `--yes`).
   */
  all?: boolean;
  /** Only these names (those a person confirmed) are dropped. */
  only?: readonly string[];
  /** Drop nothing: return the names that would be dropped. */
  dryRun?: boolean;
  now?: Date;
}

/**
 * Drops what the testing API left behind: templates and pooled clones of other keys older than
 * the bound, test databases whose owner no longer holds its lock (a killed run), and databases
 * kept for inspection once older than the bound. Only databases with the testing API's prefix
 * and exact marker are touched; without `all`, one whose owner lock is held (in use, or being
 * claimed) is skipped, and the lock is held while it is dropped. Returns the names dropped.
 *
 * @example
 * await pruneTestDatabases(server, { keepKey: currentKey });
 */
export async function pruneTestDatabases(server: DatabaseTarget, options: PruneOptions = {}): Promise<string[]> {
  const now = (options.now ?? new Date()).getTime();
  const bound = options.olderThanMs ?? 10 * 60_000;
  return withServerClient(server, async (client) => {
    const dropped: string[] = [];
    for (const { name, marker, ownerAlive } of await markedDatabases(client)) {
      const age = now - Date.parse(marker.created);
      const stale = options.all
        || (marker.kind === 'test' && !ownerAlive)
        || (marker.kind === 'kept' && age > bound)
        || ((marker.kind === 'template' || marker.kind === 'pool') && marker.key !== options.keepKey && age > bound);
      if (!stale || (options.only && !options.only.includes(name))) continue;
      if (options.dryRun) {
        dropped.push(name);
        continue;
      }
      // Held while dropping: an owner that took it since the listing (a claim) wins.
      const locked = options.all ? undefined : await takeOwnerLock(client, name);
      if (!options.all && !locked) continue;
      try {
        if (marker.kind === 'template') await client.query(`ALTER DATABASE ${quoteIdentifier(name)} IS_TEMPLATE false`).catch(() => undefined);
        await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
        dropped.push(name);
      } catch {
        // Another process dropped or claimed it first.
      } finally {
        if (locked) await releaseOwnerLock(client, locked);
      }
    }
    return dropped;
  });
}

/** A new name for a pooled clone or a test database. */
export function newDatabaseName(prefix: string, key = ''): string {
  return `${prefix}${key ? `${key.slice(0, 12)}_` : ''}${randomBytes(6).toString('hex')}`;
}

/** Clones the template (see cloneDatabase, shared with reset's migrated-schema cache). */
export async function cloneTemplate(client: pg.Client, template: string, name: string): Promise<void> {
  await cloneDatabase(client, template, name);
}

/**
 * Takes a pooled clone of the template key, if one is ready, as `client`'s: its owner lock is
 * taken first (a clone whose lock another worker or a prune holds is skipped), then renaming it
 * and marking it as a test database is the claim. False when the pool is empty.
 */
export async function claimPooled(client: pg.Client, key: string, name: string): Promise<boolean> {
  const pooled = (await client.query(`SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY oid`, [`${POOL_PREFIX}${key.slice(0, 12)}\\_%`])).rows as Array<{ datname: string }>;
  for (const { datname } of pooled) {
    const oid = await takeOwnerLock(client, datname);
    if (!oid) continue;
    try {
      // Claimed and marked as a test database in one round trip.
      await client.query(`ALTER DATABASE ${quoteIdentifier(datname)} RENAME TO ${quoteIdentifier(name)}; ${markStatement(name, { kind: 'test', key })}`);
      return true;
    } catch {
      // Dropped by a prune, or still being made: try the next one.
      await releaseOwnerLock(client, oid);
    }
  }
  return false;
}

/** Pooled clones ready for a template key. */
export async function poolSize(client: pg.Client, key: string): Promise<number> {
  return Number((await client.query(`SELECT count(*)::int AS n FROM pg_database WHERE datname LIKE $1`, [`${POOL_PREFIX}${key.slice(0, 12)}\\_%`])).rows[0].n);
}
