import knexFactory, { Knex } from 'knex';
import pg from 'pg';
import { describeDatabase, DatabaseSource, DatabaseTarget, Logger, silentLogger } from '../config';
import { startEmbeddedServer, stopEmbeddedServer } from './embedded-server';
import { toDatabaseError } from './to-database-error';

/** How long to wait for a server to accept a connection before saying it is unreachable. */
export const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Type parsers of tenantseed's own connections: bigint columns (count(*), bigserial ids) as
 * JavaScript numbers when they fit, instead of strings. Set per connection, never on pg's
 * global parsers, so an application that imports tenantseed keeps its own.
 */
const parseInt8 = (value: string): number | string => {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
};

export const TENANTSEED_TYPES = Object.freeze({
  getTypeParser(oid: number, format?: string): unknown {
    if (oid === pg.types.builtins.INT8 && format !== 'binary') return parseInt8;
    return (pg.types.getTypeParser as (oid: number, format?: string) => unknown)(oid, format);
  },
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
  /** Runs on each new connection before it is used (the testing API's application-role connections). */
  onConnect?: (client: pg.Client) => Promise<void>;
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
      types: TENANTSEED_TYPES,
    } as Knex.PgConnectionConfig,
    searchPath: options.searchPath ? [...options.searchPath] : undefined,
    pool: {
      min: 0,
      max: options.poolMax ?? 4,
      ...(options.onConnect
        ? { afterCreate: (client: pg.Client, done: (err: unknown, client: pg.Client) => void) => void options.onConnect!(client).then(() => done(null, client), (err) => done(err, client)) }
        : {}),
    },
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
    throw toDatabaseError(err, target, { connecting: true });
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Client sessions on a server other than the asking one. */
async function otherSessions(target: DatabaseTarget): Promise<number> {
  const client = new pg.Client({ connectionString: target.url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const result = await client.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`);
    return result.rows[0].n as number;
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
  /** Passed to the embedded server: how to create its system user when run as root (the CLI's). */
  createSystemUser?: (name: string) => void;
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
  const server = await startEmbeddedServer({ dataDir: source.dataDir, logger, createSystemUser: options.createSystemUser });
  let released = false;
  return {
    target: server.target,
    description: `${describeDatabase(server.target)} (embedded server in ${source.dataDir}${server.startedHere ? ', started for this command' : ''})`,
    embedded: true,
    release: async () => {
      if (released || !server.startedHere) return;
      released = true;
      // Another command (or the application) may have started using the server this command
      // started: then it is left running, and says so.
      const others = await otherSessions(server.target).catch(() => 0);
      if (others > 0) {
        logger.info(`Leaving the embedded PostgreSQL running: ${others} other session(s) use it (\`tenantseed db stop\` stops it).`);
        return;
      }
      await stopEmbeddedServer({ dataDir: source.dataDir, logger });
    },
  };
}

/**
 * A new connection, outside Knex's pool, with the same connection settings and search_path
 * as `knex`: a session that no earlier query set anything on (for probes that must see a
 * setting truly unset). The caller ends it.
 *
 * @example
 * const client = await freshClient(knex); try { ... } finally { await client.end(); }
 */
export async function freshClient(knex: Knex | Knex.Transaction): Promise<pg.Client> {
  const config = knex.client.config as Knex.Config;
  const client = new pg.Client({ ...(config.connection as pg.ClientConfig), types: TENANTSEED_TYPES as pg.CustomTypesConfig });
  client.on('error', () => undefined);
  await client.connect();
  const searchPath = config.searchPath;
  if (searchPath && searchPath.length > 0) {
    await client.query(`SELECT set_config('search_path', $1, false)`, [(Array.isArray(searchPath) ? searchPath : [searchPath]).map((s) => `"${String(s).replace(/"/g, '""')}"`).join(', ')]);
  }
  return client;
}
