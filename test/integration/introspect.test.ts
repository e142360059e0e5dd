import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { createKnex } from '../../src/db';
import { createScratchDatabase, createTestDatabase, ScratchDatabase, settleTestDatabases } from '../../src/testing';
import { testServer, useFileDatabase } from '../support/database';
import { REPO_ROOT, runCli } from '../support/run-cli';

/**
 * `tenantseed introspect` as a team runs it: the CLI as a subprocess, from the team's own
 * (empty) folder, against a migrated database; then the drafted files, unedited, seed and
 * validate. Two schemas: the shipped one (migrated by tenantseed) and the fixture project's,
 * applied with plain psql from a schema dump (migrated by "another tool").
 */
const SQL_SCHEMA = path.join(REPO_ROOT, 'test', 'fixtures', 'enpyco-sql', 'schema.sql');
const hasPsql = spawnSync('psql', ['--version']).status === 0;
const requireTools = process.env.TENANTSEED_REQUIRE_TOOLS === '1';

function userFolder(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-introspect-user-'));
}

function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const file = path.join(dir, entry);
    if (fs.statSync(file).isFile()) out[entry] = fs.readFileSync(file, 'utf8');
  }
  return out;
}

describe('introspect on the shipped schema: migrate, introspect, reset and validate with no edits', () => {
  const db = useFileDatabase();
  const cli = (args: string[], cwd?: string) => runCli(args, { cwd, env: { DATABASE_URL: db.target.url }, timeoutMs: 120_000 });

  it('drafts files that reset and validate with every check passing, byte-identical from the same database', async () => {
    expect((await cli(['migrate', 'latest'])).code).toBe(0);
    const first = userFolder();
    const second = userFolder();
    const run = await cli(['introspect', '--out', first], first);
    expect(run.stderr).not.toMatch(/^error/m);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/tenant root tenants/);
    expect(run.stdout).toMatch(/tenant setting app\.current_tenant_id/);
    expect(run.stdout).toMatch(/application role tenantseed_app/);
    expect(run.stdout).toMatch(/admin role tenantseed_admin/);
    expect(run.stdout).toMatch(/Checked: the development profile generates [\d,]+ rows/);
    expect(run.stdout).not.toMatch(/Needs a hand edit/);
    expect((await cli(['introspect', '--out', second], second)).code).toBe(0);
    expect(readTree(second)).toEqual(readTree(first));
    const config = JSON.parse(fs.readFileSync(path.join(first, 'tenantseed.config.json'), 'utf8'));
    expect(path.resolve(first, config.migrations)).toBe(path.join(REPO_ROOT, 'migrations'));
    const templates = JSON.parse(fs.readFileSync(path.join(first, 'definitions', 'templates.json'), 'utf8'));
    expect(templates['x-existing-rows']).toHaveLength(4);

    const reset = await cli(['reset', '--env', 'development'], first);
    expect(reset.stderr).not.toMatch(/^error/m);
    expect(reset.code).toBe(0);
    expect(reset.stdout).toMatch(/Validation passed: 7 checks passed\./);
    const validate = await cli(['validate', '--env', 'development'], first);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toMatch(/isolation .* as tenantseed_app/);
  });

  it('refuses to overwrite its files without --force, and writes nothing then', async () => {
    const dir = userFolder();
    fs.mkdirSync(path.join(dir, 'definitions'));
    fs.writeFileSync(path.join(dir, 'definitions', 'users.json'), '{"mine": true}\n');
    const refused = await cli(['introspect', '--out', dir], dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/would overwrite 1 file\(s\).*definitions\/users\.json/);
    expect(refused.stderr).toMatch(/--force/);
    expect(readTree(dir)).toEqual({ [path.join('definitions', 'users.json')]: '{"mine": true}\n' });
    const forced = await cli(['introspect', '--out', dir, '--force'], dir);
    expect(forced.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'definitions', 'users.json'), 'utf8'))['x-table']).toBe('users');
  });
});

describe('introspect and reset on a schema another tool migrates (the fixture project applied with psql)', () => {
  let scratch: ScratchDatabase;
  let knex: Knex;
  const folder = userFolder();
  const cli = (args: string[], cwd = folder) => runCli(args, { cwd, env: { DATABASE_URL: scratch.target.url }, timeoutMs: 120_000 });
  const constraintOids = async () => (await knex.raw(`SELECT oid::int8::text || ' ' || conname AS c FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1`)).rows.map((r: { c: string }) => r.c);

  beforeAll(async () => {
    scratch = await createScratchDatabase(testServer());
    knex = createKnex(scratch.target);
  });
  afterAll(async () => {
    await knex?.destroy();
    await scratch?.drop();
  });

  (hasPsql || requireTools ? it : it.skip)('applies the dump with psql, introspects it, and resets twice, validates and adds a tenant without an edit', async () => {
    const applied = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', scratch.target.url, '-f', SQL_SCHEMA], { encoding: 'utf8' });
    expect(applied.stderr).not.toMatch(/ERROR/);
    expect(applied.status).toBe(0);

    const run = await cli(['introspect', '--out', '.']);
    expect(run.stderr).not.toMatch(/^error/m);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/companies: tenant root companies/);
    expect(run.stdout).toMatch(/tenant column company_id on 6 table\(s\)/);
    expect(run.stdout).toMatch(/tenant setting app\.current_company_id/);
    expect(run.stdout).toMatch(/application role enpyco_app/);
    expect(run.stdout).toMatch(/admin role enpyco_admin/);
    expect(run.stdout).toMatch(/_prisma_migrations skipped: Prisma's migration bookkeeping/);
    expect(run.stdout).toMatch(/migrated by another tool/);
    expect(run.stdout).not.toMatch(/Needs a hand edit/);
    const config = JSON.parse(fs.readFileSync(path.join(folder, 'tenantseed.config.json'), 'utf8'));
    expect(config.migrations).toBeUndefined();
    expect(config.tenancy).toEqual({ setting: 'app.current_company_id', appRole: 'enpyco_app', adminRole: 'enpyco_admin' });
    expect(fs.readdirSync(path.join(folder, 'definitions')).sort()).toEqual(
      ['block_files.json', 'companies.json', 'content_blocks.json', 'files.json', 'projects.json', 'sections.json', 'users.json'],
    );

    const before = await constraintOids();
    for (const seed of ['1', '2']) {
      const reset = await cli(['reset', '--env', 'development', '--seed', seed]);
      expect(reset.stderr).not.toMatch(/^error/m);
      expect(reset.code).toBe(0);
      expect(reset.stdout).toMatch(/Validation passed: 7 checks passed\./);
      expect(reset.stdout).toMatch(/isolation .* as enpyco_app/);
    }
    // The schema is the other tool's: not a key dropped and made again, its ledger untouched.
    expect(await constraintOids()).toEqual(before);
    expect((await knex.raw('SELECT migration_name FROM _prisma_migrations')).rows).toEqual([{ migration_name: '20250102000000_multi_tenant_schema' }]);
    expect(Number((await knex.raw('SELECT count(*) AS n FROM companies')).rows[0].n)).toBe(8);

    // The draft profile has no newTenant with {name}: --name would be ignored, so it is refused.
    const named = await cli(['tenant', 'add', '--env', 'development', '--slug', 'newco', '--name', 'New Co']);
    expect(named.code).toBe(2);
    expect(named.stderr).toMatch(/--name "New Co" would be ignored/);
    const added = await cli(['tenant', 'add', '--env', 'development', '--slug', 'newco']);
    expect(added.stderr).not.toMatch(/^error/m);
    expect(added.code).toBe(0);
    const validate = await cli(['validate', '--env', 'development']);
    expect(validate.code).toBe(0);
    expect(Number((await knex.raw('SELECT count(*) AS n FROM companies')).rows[0].n)).toBe(9);

    const migrate = await cli(['migrate', 'latest']);
    expect(migrate.code).toBe(2);
    expect(migrate.stderr).toMatch(/names no "migrations": tenantseed does not own this schema/);
  });

  (hasPsql || requireTools ? it : it.skip)('refuses to reset when a table without a definition references the tables it would empty, and changes nothing', async () => {
    await knex.raw(`CREATE TABLE user_sessions (company_id uuid NOT NULL, user_id text NOT NULL, token text NOT NULL,
      FOREIGN KEY (company_id, user_id) REFERENCES users (company_id, id))`);
    await knex.raw(`INSERT INTO user_sessions SELECT company_id, id, 'token' FROM users LIMIT 3`);
    const counts = async () => (await knex.raw('SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM companies)::int AS companies, (SELECT count(*) FROM user_sessions)::int AS sessions')).rows[0];
    const before = await counts();
    const refused = await cli(['reset', '--env', 'development', '--yes']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/public\.user_sessions \(user_sessions_company_id_user_id_fkey\) -> public\.users/);
    expect(refused.stderr).toMatch(/Add a definition for public\.user_sessions/);
    expect(await counts()).toEqual(before);
    await knex.raw('DROP TABLE user_sessions');
  });
});

describe('the testing API on a schema another tool migrates', () => {
  let source: ScratchDatabase;
  const folder = userFolder();

  beforeAll(async () => {
    source = await createScratchDatabase(testServer());
  });
  afterAll(async () => {
    await settleTestDatabases();
    await source?.drop();
  });

  (hasPsql || requireTools ? it : it.skip)('clones test databases from a copy of the migrated schema, emptied and seeded in place', async () => {
    const applied = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', source.target.url, '-f', SQL_SCHEMA], { encoding: 'utf8' });
    expect(applied.status).toBe(0);
    expect((await runCli(['introspect', '--out', '.'], { cwd: folder, env: { DATABASE_URL: source.target.url } })).code).toBe(0);
    const config = path.join(folder, 'tenantseed.config.json');

    await expect(createTestDatabase({ config, env: 'development', poolSize: 0 })).rejects.toThrow(/names no "migrations", so createTestDatabase cannot build the schema itself/);

    const database = source.target.database;
    const db = await createTestDatabase({ config, env: 'development', poolSize: 0, schemaFrom: database });
    try {
      const acme = db.fixtures.tenant('acme');
      expect(Number((await db.knex.raw('SELECT count(*) AS n FROM companies')).rows[0].n)).toBe(8);
      const seen = await db.withTenant(acme.id, async (trx) => (await trx.raw('SELECT DISTINCT company_id FROM users')).rows);
      expect(seen).toEqual([{ company_id: acme.id }]);
      // The source keeps its schema and stays empty: the copy was seeded, not the source.
      const sourceKnex = createKnex(source.target);
      try {
        expect(Number((await sourceKnex.raw('SELECT count(*) AS n FROM companies')).rows[0].n)).toBe(0);
      } finally {
        await sourceKnex.destroy();
      }
    } finally {
      await db.destroy();
    }
  });
});

describe('introspect refuses what it cannot read, and writes nothing', () => {
  const db = useFileDatabase();

  it('an empty database: exit 1, naming the schema', async () => {
    const dir = userFolder();
    const run = await runCli(['introspect', '--out', dir], { cwd: dir, env: { DATABASE_URL: db.target.url } });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/The schema "public" of .* holds no tables: there is nothing to introspect/);
    expect(run.stderr).toMatch(/Nothing was written/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('a missing schema: exit 2, naming it and the flag', async () => {
    const dir = userFolder();
    const run = await runCli(['introspect', '--out', dir, '--schema', 'billing'], { cwd: dir, env: { DATABASE_URL: db.target.url } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/has no schema "billing"/);
    expect(run.stderr).toMatch(/--schema/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('a role that may not use the schema: exit 1, naming the GRANT', async () => {
    await db.knex.raw('CREATE SCHEMA private_app');
    await db.knex.raw('CREATE TABLE private_app.accounts (id uuid PRIMARY KEY)');
    const role = `ts_reader_${Date.now()}`;
    await db.knex.raw(`CREATE ROLE ${role} LOGIN PASSWORD 'reader-pass'`);
    const url = new URL(db.target.url);
    url.username = role;
    url.password = 'reader-pass';
    const dir = userFolder();
    const run = await runCli(['introspect', '--out', dir, '--schema', 'private_app'], { cwd: dir, env: { DATABASE_URL: url.toString() } });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`The role "${role}" may not use the schema "private_app"`));
    expect(run.stderr).toMatch(new RegExp(`GRANT USAGE ON SCHEMA private_app TO ${role}`));
    await db.knex.raw(`DROP ROLE ${role}`);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
