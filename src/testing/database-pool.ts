import { randomBytes } from 'node:crypto';
import os from 'node:os';
import pg from 'pg';
import type { DatabaseTarget } from '../config';
import { cloneDatabase, quoteIdentifier, toDatabaseError } from '../db';

/**
 * The databases the testing API makes, and how they are found again: by name prefix and by a
 * marker in the database's comment (`tenantseed-test {"kind":...}`). Nothing without both is
 * ever dropped.
 */
export const TEMPLATE_PREFIX = 'tenantseed_tpl_';
export const POOL_PREFIX = 'tenantseed_pool_';
export const TEST_PREFIX = 'tenantseed_test_';
const MARKER = 'tenantseed-test ';

/** What the marker says about a database. */
export interface DatabaseMarker {
  readonly kind: 'template' | 'pool' | 'test' | 'kept';
  /** The template key it belongs to. */
  readonly key: string;
  /** ISO time it was made. */
  readonly created: string;
  /** The process that made it (pool, test): a test database of a dead process is left over. */
  readonly host?: string;
  readonly pid?: number;
}

/** A database of the server with tenantseed's marker. */
export interface MarkedDatabase {
  readonly name: string;
  readonly marker: DatabaseMarker;
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
function markStatement(name: string, marker: Omit<DatabaseMarker, 'created' | 'host' | 'pid'> & { created?: string }): string {
  const full: DatabaseMarker = { created: new Date().toISOString(), host: os.hostname(), pid: process.pid, ...marker };
  return `COMMENT ON DATABASE ${quoteIdentifier(name)} IS ${pg.escapeLiteral(MARKER + JSON.stringify(full))}`;
}

/** Marks a database as the testing API's. */
export async function markDatabase(client: pg.Client, name: string, marker: Omit<DatabaseMarker, 'created' | 'host' | 'pid'> & { created?: string }): Promise<void> {
  await client.query(markStatement(name, marker));
}

/** Every database of the server that carries the testing API's prefix and marker. */
export async function markedDatabases(client: pg.Client): Promise<MarkedDatabase[]> {
  const rows = (await client.query(
    `SELECT d.datname AS name, shobj_description(d.oid, 'pg_database') AS comment FROM pg_database d
      WHERE d.datname LIKE 'tenantseed\\_%' ORDER BY 1`,
  )).rows as Array<{ name: string; comment: string | null }>;
  const out: MarkedDatabase[] = [];
  for (const row of rows) {
    if (!row.comment?.startsWith(MARKER) || ![TEMPLATE_PREFIX, POOL_PREFIX, TEST_PREFIX].some((p) => row.name.startsWith(p))) continue;
    try {
      out.push({ name: row.name, marker: JSON.parse(row.comment.slice(MARKER.length)) as DatabaseMarker });
    } catch {
      // Not a marker we wrote: leave the database alone.
    }
  }
  return out;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Options of {@link pruneTestDatabases}. */
export interface PruneOptions {
  /** The current template key: its template and pool are kept. */
  keepKey?: string;
  /** Templates and pools of other keys, and kept databases, older than this are dropped. Default 10 minutes. */
  olderThanMs?: number;
  /** Test databases of processes still alive are kept; with `all`, everything marked goes. */
  all?: boolean;
  now?: Date;
}

/**
 * Drops what the testing API left behind: templates and pooled clones of other keys older than
 * the bound, test databases whose process is gone (a killed run) or older than a day, and
 * databases kept for inspection once older than the bound. Only databases with the testing
 * API's prefix and marker are touched. Returns the names dropped.
 *
 * @example
 * await pruneTestDatabases(server, { keepKey: currentKey });
 */
export async function pruneTestDatabases(server: DatabaseTarget, options: PruneOptions = {}): Promise<string[]> {
  const now = (options.now ?? new Date()).getTime();
  const bound = options.olderThanMs ?? 10 * 60_000;
  return withServerClient(server, async (client) => {
    const dropped: string[] = [];
    for (const { name, marker } of await markedDatabases(client)) {
      const age = now - Date.parse(marker.created);
      const stale = options.all
        || (marker.kind === 'test' && ((marker.host === os.hostname() && marker.pid !== undefined && !processAlive(marker.pid)) || age > 86_400_000))
        || (marker.kind === 'kept' && age > bound)
        || ((marker.kind === 'template' || marker.kind === 'pool') && marker.key !== options.keepKey && age > bound);
      if (!stale) continue;
      if (marker.kind === 'template') await client.query(`ALTER DATABASE ${quoteIdentifier(name)} IS_TEMPLATE false`).catch(() => undefined);
      try {
        await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
        dropped.push(name);
      } catch {
        // Another process dropped or claimed it first.
      }
    }
    return dropped;
  });
}

const HANDOUT_CLIENTS = Symbol.for('tenantseed.handoutClients');
const inFlight = new WeakMap<pg.Client, number>();
const idleTimers = new WeakMap<pg.Client, NodeJS.Timeout>();
const IDLE_CLOSE_MS = 2_000;
/** The last handout queued on each kept connection. */
const turns = new WeakMap<pg.Client, Promise<unknown>>();

/**
 * Runs `fn` once the handouts queued before it on `client` are done. Handouts at once share the
 * kept connection; pg 8 queued their statements itself (with a deprecation warning in the
 * user's test output), and pg 9 will not.
 */
function inTurn<T>(client: pg.Client, fn: () => Promise<T>): Promise<T> {
  const run = (turns.get(client) ?? Promise.resolve()).then(fn, fn);
  turns.set(client, run.catch(() => undefined));
  return run;
}

/**
 * Runs `fn` on this process's kept connection to the server's maintenance database, made once:
 * a handout then costs two statements, not a connection and its authentication (which took
 * most of the time). Between handouts its socket is unref'd, so an idle connection never keeps
 * a process alive, and after two idle seconds it is closed (a jest worker runs many files, each
 * with its own module state: kept connections must not pile up against max_connections).
 * Handouts at once take turns on it. A connection that broke is replaced once.
 */
export async function withHandoutClient<T>(server: DatabaseTarget, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const holder = globalThis as Record<symbol, Map<string, Promise<pg.Client>> | undefined>;
  const clients = (holder[HANDOUT_CLIENTS] ??= new Map());
  const connect = () => {
    const client = new pg.Client({ connectionString: server.url });
    const ready = client.connect().then(() => {
      (client as unknown as { connection: { stream: { unref(): void } } }).connection.stream.unref();
      return client;
    });
    client.on('error', () => clients.delete(server.url));
    client.on('end', () => clients.delete(server.url));
    ready.catch(() => clients.delete(server.url));
    clients.set(server.url, ready);
    return ready;
  };
  for (let attempt = 0; ; attempt++) {
    const entry = clients.get(server.url) ?? connect();
    const client = await entry.catch((err: unknown) => {
      throw toDatabaseError(err, server);
    });
    const socket = (client as unknown as { connection: { stream: { ref(): void; unref(): void } } }).connection.stream;
    // Handouts at once share the connection: it stays ref'd until the last one is done.
    inFlight.set(client, (inFlight.get(client) ?? 0) + 1);
    clearTimeout(idleTimers.get(client));
    socket.ref();
    try {
      return await inTurn(client, () => fn(client));
    } catch (err) {
      const lost = (client as unknown as { _ending?: boolean; _queryable?: boolean })._queryable === false;
      if (!lost || attempt > 0) throw err;
      clients.delete(server.url);
    } finally {
      const left = (inFlight.get(client) ?? 1) - 1;
      inFlight.set(client, left);
      if (left === 0) {
        socket.unref();
        const timer = setTimeout(() => {
          if ((inFlight.get(client) ?? 0) > 0) return;
          if (clients.get(server.url) === entry) clients.delete(server.url);
          void client.end().catch(() => undefined);
        }, IDLE_CLOSE_MS);
        timer.unref();
        idleTimers.set(client, timer);
      }
    }
  }
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
 * Takes a pooled clone of the template key, if one is ready: renaming it is the claim (one
 * process wins; a clone someone else renamed first is simply gone). Undefined when the pool is
 * empty.
 */
export async function claimPooled(client: pg.Client, key: string, name: string): Promise<boolean> {
  const pooled = (await client.query(`SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY oid`, [`${POOL_PREFIX}${key.slice(0, 12)}\\_%`])).rows as Array<{ datname: string }>;
  for (const { datname } of pooled) {
    try {
      // Claimed and marked as this process's test database in one round trip.
      await client.query(`ALTER DATABASE ${quoteIdentifier(datname)} RENAME TO ${quoteIdentifier(name)}; ${markStatement(name, { kind: 'test', key })}`);
      return true;
    } catch {
      // Claimed by another worker (or still being made): try the next one.
    }
  }
  return false;
}

/** Pooled clones ready for a template key. */
export async function poolSize(client: pg.Client, key: string): Promise<number> {
  return Number((await client.query(`SELECT count(*)::int AS n FROM pg_database WHERE datname LIKE $1`, [`${POOL_PREFIX}${key.slice(0, 12)}\\_%`])).rows[0].n);
}
