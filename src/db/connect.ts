import knexFactory, { Knex } from 'knex';
import pg from 'pg';
import { describeDatabase, DatabaseSource, DatabaseTarget, Logger, silentLogger } from '../config';
import { startEmbeddedServer, stopEmbeddedServer } from './embedded-server';
import { toDatabaseError } from './to-database-error';

/** How long to wait for a server to accept a connection before saying it is unreachable. */
export const CONNECT_TIMEOUT_MS = 5_000;

// Return bigint columns (count(*), bigserial) as JavaScript numbers when they fit, instead
// of strings; counts in this tool never exceed 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
});

/** Options of {@link createKnex}. */
export interface CreateKnexOptions {
  /** Where Knex's own warnings go (at debug level); dropped by default. */
  logger?: Logger;
  /** Largest pool size. Default 4. */
  poolMax?: number;
  /** Shown in pg_stat_activity and in lock messages. Default "tenantseed". */
  applicationName?: string;
  /**
   * The schemas unqualified names resolve in (the project's `schemas`), set as each
   * connection's search_path. Default: the server's.
   */
  searchPath?: readonly string[];
}

/**
 * A Knex instance for a database target. Call `destroy()` when done.
 *
 * @example
 * const knex = createKnex(parseDatabaseUrl(process.env.DATABASE_URL!, 'DATABASE_URL'));
 */
export function createKnex(target: DatabaseTarget, options: CreateKnexOptions = {}): Knex {
  return knexFactory({
    client: 'pg',
    connection: {
      connectionString: target.url,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      application_name: options.applicationName ?? 'tenantseed',
    } as Knex.PgConnectionConfig,
    searchPath: options.searchPath ? [...options.searchPath] : undefined,
    pool: { min: 0, max: options.poolMax ?? 4 },
    acquireConnectionTimeout: 60_000,
    // Knex prints some warnings (such as aborted acquires while a pool closes after an
    // error) straight to the console; route them to the caller's logger instead.
    log: {
      warn: (message: string) => options.logger?.debug?.(`knex: ${message}`),
      error: (message: string) => options.logger?.debug?.(`knex: ${message}`),
      deprecate: (message: string) => options.logger?.debug?.(`knex: ${message}`),
      debug: (message: string) => options.logger?.debug?.(`knex: ${message}`),
    },
  });
}

/**
 * Connects once and runs `SELECT 1`, turning failures into ConnectionErrors that name host
 * and port. Fails within {@link CONNECT_TIMEOUT_MS}.
 */
export async function assertReachable(target: DatabaseTarget): Promise<void> {
  const client = new pg.Client({ connectionString: target.url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    throw toDatabaseError(err, target);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A database opened for one command. */
export interface OpenedDatabase {
  readonly target: DatabaseTarget;
  /** Host, port, database and user (never the password), and where it came from. */
  readonly description: string;
  /** Whether it is the embedded server (whose data stays in .tenantseed/). */
  readonly embedded: boolean;
  /** Stops the embedded server when this command started it; otherwise does nothing. */
  release(): Promise<void>;
}

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions {
  logger?: Logger;
}

/**
 * Opens the database a source names: checks a URL is reachable, or uses the embedded server,
 * starting it for this command if it does not run (then `release()` stops it again).
 *
 * @example
 * const db = await openDatabase(resolveDatabaseSource({}));
 * try { ... } finally { await db.release(); }
 */
export async function openDatabase(source: DatabaseSource, options: OpenDatabaseOptions = {}): Promise<OpenedDatabase> {
  const logger = options.logger ?? silentLogger;
  if (source.kind === 'url') {
    await assertReachable(source.target);
    return {
      target: source.target,
      description: `${describeDatabase(source.target)} (from ${source.origin})`,
      embedded: false,
      release: async () => undefined,
    };
  }
  const server = await startEmbeddedServer({ dataDir: source.dataDir, logger });
  let released = false;
  return {
    target: server.target,
    description: `${describeDatabase(server.target)} (embedded server in ${source.dataDir}${server.startedHere ? ', started for this command' : ''})`,
    embedded: true,
    release: async () => {
      if (released || !server.startedHere) return;
      released = true;
      await stopEmbeddedServer({ dataDir: source.dataDir, logger });
    },
  };
}
