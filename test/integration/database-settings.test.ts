import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { copyDatabaseSettings, copyRoleDatabaseSettings, quoteIdentifier } from '../../src/db';
import { testServer } from '../support/database';
import { onServer } from '../support/on-server';

/** The settings pg_db_role_setting holds for a database: `role name=value` lines, sorted. */
async function settingsOf(client: pg.Client, database: string): Promise<string[]> {
  return (await client.query(
    `SELECT coalesce(r.rolname, '(database)') || ' ' || unnest(s.setconfig) AS line FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
       LEFT JOIN pg_roles r ON r.oid = s.setrole WHERE d.datname = $1 ORDER BY 1`,
    [database],
  )).rows.map((r) => r.line as string);
}

describe("a database's settings, carried to another database (reset's swap, the testing API's clones)", () => {
  const suffix = randomBytes(4).toString('hex');
  const [from, to] = [`settings_from_${suffix}`, `settings_to_${suffix}`];
  const [role, login] = [`settings_role_${suffix}`, `settings_login_${suffix}`];

  beforeAll(async () => {
    await onServer(async (client) => {
      for (const name of [from, to]) await client.query(`CREATE DATABASE ${name}`);
      await client.query(`CREATE ROLE ${role} NOLOGIN`);
      await client.query(`CREATE ROLE ${login} LOGIN PASSWORD 'settings-pass'`);
      await client.query(`ALTER DATABASE ${from} SET search_path = app, "my schema", public`);
      await client.query(`ALTER DATABASE ${from} SET DateStyle = ISO, DMY`);
      await client.query(`ALTER DATABASE ${from} SET app.note = 'it''s a "note"'`);
      await client.query(`ALTER ROLE ${role} IN DATABASE ${from} SET app.current_tenant_id = 'acme'`);
      await client.query(`ALTER ROLE ${role} IN DATABASE ${from} SET search_path = tenant, public`);
      // A role setting the target had of its own: replaced by the source's.
      await client.query(`ALTER ROLE ${role} IN DATABASE ${to} SET app.stale = 'yes'`);
    });
  });

  afterAll(async () => {
    await onServer(async (client) => {
      for (const name of [from, to]) await client.query(`DROP DATABASE IF EXISTS ${name}`);
      for (const name of [role, login]) await client.query(`DROP ROLE IF EXISTS ${name}`);
    });
  });

  it('copies each setting exactly: a list stays a list, quotes stay quotes; role settings replace the target\'s', async () => {
    await onServer(async (client) => {
      await copyDatabaseSettings(client, from, to);
      expect(await copyRoleDatabaseSettings(client, from, to)).toEqual([]);
      expect(await settingsOf(client, to)).toEqual(await settingsOf(client, from));
      expect(await settingsOf(client, to)).toEqual([
        `(database) app.note=it's a "note"`,
        '(database) DateStyle=iso, dmy',
        '(database) search_path=app, "my schema", public',
        `${role} app.current_tenant_id=acme`,
        `${role} search_path=tenant, public`,
      ].sort());
    });
  });

  it('returns the role settings a role without CREATEROLE may not make, as SQL to run, and aborts no transaction it runs in', async () => {
    const url = new URL(testServer().url);
    url.username = login;
    url.password = 'settings-pass';
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      await client.query('BEGIN');
      const refused = await copyRoleDatabaseSettings(client, from, to, { inTransaction: true });
      expect(refused).toContain(`ALTER ROLE ${quoteIdentifier(role)} IN DATABASE ${quoteIdentifier(to)} SET "app.current_tenant_id" = 'acme'`);
      expect(refused).toHaveLength(3);
      // The transaction goes on.
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await client.query('ROLLBACK');
    } finally {
      await client.end();
    }
  });
});
