import pg from 'pg';
import { DatabaseTarget, parseDatabaseUrl } from '../config';
import { quoteIdentifier } from './sql';

/** The URL of another database on the same server. */
export function withDatabaseName(target: DatabaseTarget, database: string): DatabaseTarget {
  const url = new URL(target.url);
  url.pathname = `/${encodeURIComponent(database)}`;
  return parseDatabaseUrl(url.toString(), 'a derived URL');
}

/** A connection that can run statements (a pg.Client or PoolClient). */
export interface ServerClient {
  query(sql: string, params?: unknown[]): Promise<pg.QueryResult>;
}

/**
 * PostgreSQL's settings that take a list (GUC_LIST_INPUT): pg_db_role_setting holds them as the
 * list's SQL (`search_path=app, "my schema"`), elements quoted where they need it.
 */
const LIST_SETTINGS = new Set(['search_path', 'temp_tablespaces', 'session_preload_libraries', 'local_preload_libraries', 'shared_preload_libraries', 'datestyle']);

/**
 * The statement that stores a setting as pg_db_role_setting holds it (`name=text`) on `what`
 * (`DATABASE x`, `ROLE r IN DATABASE x`): a list's text as the list it is (`SET search_path =
 * app, public`), where one quoted literal would make it a single element (`"app, public"`); any
 * other value as a literal.
 */
function settingStatement(what: string, setting: string): string {
  const at = setting.indexOf('=');
  const name = setting.slice(0, at);
  const text = setting.slice(at + 1);
  const value = LIST_SETTINGS.has(name.toLowerCase()) ? text : pg.escapeLiteral(text);
  return `ALTER ${what} SET ${quoteIdentifier(name)} = ${value}`;
}

/**
 * Settings and grants a clone does not inherit from its template (ALTER DATABASE ... SET,
 * GRANT ... ON DATABASE), copied onto it.
 */
export async function copyDatabaseSettings(client: ServerClient, template: string, clone: string): Promise<void> {
  const settings = (await client.query(
    `SELECT unnest(s.setconfig) AS setting FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = $1 AND s.setrole = 0`,
    [template],
  )).rows as Array<{ setting: string }>;
  for (const { setting } of settings) await client.query(settingStatement(`DATABASE ${quoteIdentifier(clone)}`, setting));
  const grants = (await client.query(
    `SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END AS grantee, a.privilege_type AS privilege
       FROM pg_database d, aclexplode(d.datacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee
      WHERE d.datname = $1 AND a.grantee <> d.datdba`,
    [template],
  )).rows as Array<{ grantee: string; privilege: string }>;
  for (const { grantee, privilege } of grants) {
    if (['CONNECT', 'CREATE', 'TEMPORARY'].includes(privilege)) await client.query(`GRANT ${privilege} ON DATABASE ${quoteIdentifier(clone)} TO ${grantee}`);
  }
}

/**
 * The settings roles have in database `from` (`ALTER ROLE ... IN DATABASE from SET ...`), made
 * theirs in `to` instead of whatever they had there: a database swapped in for another keeps
 * them. Each statement the connecting role may not run (42501: setting another role's settings
 * needs CREATEROLE, a superuser's needs a superuser) is returned, as the SQL to run, instead of
 * failing. `inTransaction`: the client is in a transaction block, which a refusal must not
 * abort (each statement runs in a savepoint).
 */
export async function copyRoleDatabaseSettings(client: ServerClient, from: string, to: string, options: { inTransaction?: boolean } = {}): Promise<string[]> {
  const read = async (database: string) => (await client.query(
    `SELECT r.rolname AS role, unnest(s.setconfig) AS setting FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase JOIN pg_roles r ON r.oid = s.setrole
      WHERE d.datname = $1 ORDER BY 1, 2`,
    [database],
  )).rows as Array<{ role: string; setting: string }>;
  const refused: string[] = [];
  const run = async (sql: string) => {
    if (options.inTransaction) await client.query('SAVEPOINT tenantseed_role_setting');
    try {
      await client.query(sql);
      if (options.inTransaction) await client.query('RELEASE SAVEPOINT tenantseed_role_setting');
    } catch (err) {
      if ((err as { code?: string }).code !== '42501') throw err;
      if (options.inTransaction) await client.query('ROLLBACK TO SAVEPOINT tenantseed_role_setting');
      refused.push(sql);
    }
  };
  for (const role of new Set((await read(to)).map((r) => r.role))) await run(`ALTER ROLE ${quoteIdentifier(role)} IN DATABASE ${quoteIdentifier(to)} RESET ALL`);
  for (const { role, setting } of await read(from)) await run(settingStatement(`ROLE ${quoteIdentifier(role)} IN DATABASE ${quoteIdentifier(to)}`, setting));
  return refused;
}

/** Options of {@link cloneDatabase}. */
export interface CloneDatabaseOptions {
  /**
   * PostgreSQL 15+: how the server copies (`FILE_COPY` copies the files after a checkpoint,
   * `WAL_LOG` copies block by block through the WAL). Default: the server's (WAL_LOG).
   */
  strategy?: 'FILE_COPY' | 'WAL_LOG';
}

/**
 * Clones a database with CREATE DATABASE ... TEMPLATE (a file-level copy made by the server:
 * no dump, no replay of migrations), then copies the settings and grants a clone does not
 * inherit. Sessions connected to the template make the copy wait 5 s and fail; the template
 * refuses new connections, but one may predate that: they are ended and the clone is tried once
 * more. Only for templates of tenantseed's own (a test template, a migrated-schema cache).
 *
 * @example
 * await cloneDatabase(client, 'tenantseed_tpl_ab12', 'tenantseed_test_cd34');
 */
export async function cloneDatabase(client: ServerClient, template: string, name: string, options: CloneDatabaseOptions = {}): Promise<void> {
  let strategy = '';
  if (options.strategy && Number((await client.query('SHOW server_version_num')).rows[0].server_version_num) >= 150000) strategy = ` STRATEGY ${options.strategy}`;
  const create = `CREATE DATABASE ${quoteIdentifier(name)} TEMPLATE ${quoteIdentifier(template)}${strategy}`;
  try {
    await client.query(create);
  } catch (err) {
    if ((err as { code?: string }).code !== '55006') throw err;
    await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [template]);
    await client.query(create);
  }
  await copyDatabaseSettings(client, template, name);
}
