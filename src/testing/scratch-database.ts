import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { DatabaseTarget } from '../config';
import { quoteIdentifier, toDatabaseError, withDatabaseName } from '../db';

/** A database created for one test file, and the way to drop it. */
export interface ScratchDatabase {
  readonly target: DatabaseTarget;
  readonly name: string;
  drop(): Promise<void>;
}

/** The URL of another database on the same server (shared with reset's scratch databases). */
export { withDatabaseName } from '../db';

/** Runs one statement on the server's maintenance database. */
export async function runOnServer(server: DatabaseTarget, sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: server.url });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.query(sql, params);
  } catch (err) {
    throw toDatabaseError(err, server);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Options of {@link createScratchDatabase}. */
export interface CreateScratchDatabaseOptions {
  /** A prefix for the generated name. Default "tenantseed_test". */
  prefix?: string;
  /** Clone this database instead of creating an empty one. */
  template?: string;
}

/**
 * Creates a new, uniquely named database on a server (empty, or cloned from a template).
 * `drop()` removes it, disconnecting any session still on it.
 *
 * @example
 * const db = await createScratchDatabase(server.target);
 * try { ... db.target.url ... } finally { await db.drop(); }
 */
export async function createScratchDatabase(server: DatabaseTarget, options: CreateScratchDatabaseOptions = {}): Promise<ScratchDatabase> {
  const name = `${options.prefix ?? 'tenantseed_test'}_${randomBytes(6).toString('hex')}`;
  const template = options.template ? ` TEMPLATE ${quoteIdentifier(options.template)}` : '';
  await runOnServer(server, `CREATE DATABASE ${quoteIdentifier(name)}${template}`);
  return {
    name,
    target: withDatabaseName(server, name),
    drop: async () => {
      await runOnServer(server, `DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
    },
  };
}
