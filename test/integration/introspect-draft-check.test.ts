import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { useFileDatabase } from '../support/database';
import { runCli } from '../support/run-cli';

/**
 * Introspect's draft is true: it loads what it drafted into rolled-back copies of the tables, so a
 * constraint the draft cannot satisfy fails introspect (exit 1, naming the file and the reason)
 * instead of the user's first reset. The schema's unique index on an expression is not read by
 * the draft (it says so), and its rows pass their JSON Schema: only the load finds them wrong.
 */
describe('introspect checks that its draft loads', () => {
  // The application role the draft names: without one, introspect counts a hand edit.
  const appRole = `draft_app_${randomBytes(4).toString('hex')}`;
  // Declared before the database's own hooks, so it runs while the connection is open.
  afterAll(async () => {
    await db.knex.raw(`DROP OWNED BY ${appRole}`).catch(() => undefined);
    await db.knex.raw(`DROP ROLE IF EXISTS ${appRole}`);
  });
  const db = useFileDatabase();
  const folder = () => fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-draft-check-'));
  const introspect = (cwd: string, out: string) => runCli(['introspect', '--out', out], { cwd, env: { DATABASE_URL: db.target.url }, timeoutMs: 120_000 });


  beforeAll(async () => {
    await db.knex.raw(`CREATE ROLE ${appRole} NOLOGIN`);
    await db.knex.raw(`
      CREATE TABLE orgs (id uuid PRIMARY KEY, slug text NOT NULL UNIQUE, name text NOT NULL);
      CREATE TABLE members (org_id uuid NOT NULL REFERENCES orgs (id), id uuid NOT NULL, email text NOT NULL,
        PRIMARY KEY (org_id, id), UNIQUE (org_id, email));
      CREATE TABLE notes (org_id uuid NOT NULL REFERENCES orgs (id), id uuid NOT NULL, body text NOT NULL, PRIMARY KEY (org_id, id));
      ALTER TABLE members ENABLE ROW LEVEL SECURITY;
      ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
      CREATE POLICY members_org ON members USING (org_id = nullif(current_setting('app.org', true), '')::uuid);
      CREATE POLICY notes_org ON notes USING (org_id = nullif(current_setting('app.org', true), '')::uuid);
      GRANT SELECT, INSERT, UPDATE, DELETE ON members, notes TO ${appRole};
    `);
  });

  it('writes the config where it runs, pointing into --out, and says "0 hand edits" for a draft that loads', async () => {
    const cwd = folder();
    const run = await introspect(cwd, 'db');
    expect(run.stderr).not.toMatch(/^error/m);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/loads them \(rolled back\) with every key, CHECK and foreign key in place/);
    expect(run.stdout).toMatch(/^0 hand edits\.$/m);
    expect(run.stdout).toMatch(/Next, from this folder: npx tenantseed reset --env development/);
    const config = JSON.parse(fs.readFileSync(path.join(cwd, 'tenantseed.config.json'), 'utf8'));
    expect(config).toMatchObject({ definitions: 'db/definitions', environments: 'db/environments' });
    expect(fs.existsSync(path.join(cwd, 'db', 'tenantseed.config.json'))).toBe(false);
    const profile = JSON.parse(fs.readFileSync(path.join(cwd, 'db', 'environments', 'development.json'), 'utf8'));
    expect(profile.newTenant).toEqual({ values: {}, rows: { members: [{ email: 'admin@{slug}.test' }] } });
    // Nothing of the trial load is left behind.
    expect(Number((await db.knex.raw('SELECT (SELECT count(*) FROM orgs) + (SELECT count(*) FROM members) + (SELECT count(*) FROM notes) AS n')).rows[0].n)).toBe(0);
  });

  it('exits 1 naming the file and the constraint when its draft does not load, though every row fits its JSON Schema', async () => {
    // One note in all: an expression the draft does not read, and 10 notes per tenant do not fit.
    await db.knex.raw('CREATE UNIQUE INDEX notes_one_in_all ON notes ((true))');
    try {
      const cwd = folder();
      const run = await introspect(cwd, 'db');
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/introspect's draft does not load: db\/definitions\/notes\.json: .*notes_one_in_all/);
      expect(run.stdout).toMatch(/unique index notes_one_in_all is partial or on an expression/);
      expect(run.stdout).not.toMatch(/hand edits\./);
      // The files are written, for the user to edit.
      expect(fs.existsSync(path.join(cwd, 'db', 'definitions', 'notes.json'))).toBe(true);
      expect(Number((await db.knex.raw('SELECT count(*) AS n FROM orgs')).rows[0].n)).toBe(0);
    } finally {
      await db.knex.raw('DROP INDEX notes_one_in_all');
    }
  });
});
