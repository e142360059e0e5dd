import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '../../src/testing';
import { useFileDatabase } from '../support/database';
import { hasStackTrace, REPO_ROOT, runCli } from '../support/run-cli';

/**
 * A team's own project (test/fixtures/enpyco: shared/seeds/004's schema), used as the team
 * would: the real CLI as a subprocess, from the project's folder, with its config, its
 * TypeScript migrations, its definitions and profiles, its tenancy names.
 */
const PROJECT = path.join(REPO_ROOT, 'test', 'fixtures', 'enpyco');

/** A copy of the project in a temporary folder, to edit. */
function copyProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-enpyco-'));
  fs.cpSync(PROJECT, dir, { recursive: true });
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'tenantseed.config.json'), 'utf8'));
  delete config.$schema;
  fs.writeFileSync(path.join(dir, 'tenantseed.config.json'), JSON.stringify(config));
  return dir;
}

describe('a team\'s own schema, from its project folder (test/fixtures/enpyco)', () => {
  const db = useFileDatabase();
  const cli = (args: string[], cwd = PROJECT) => runCli(args, { cwd, env: { DATABASE_URL: db.target.url }, timeoutMs: 120_000 });
  const count = async (sql: string) => Number((await db.knex.raw(sql)).rows[0].n);

  it('migrates with the project\'s TypeScript migrations, into its schema and nothing else', async () => {
    const latest = await cli(['migrate', 'latest']);
    expect(latest.stderr).toMatch(/Project: .*enpyco\/tenantseed\.config\.json/);
    expect(latest.code).toBe(0);
    expect(latest.stdout).toMatch(/20250101000000_memoir_generator\n\s+20250102000000_multi_tenant_schema/);
    const status = await cli(['migrate', 'status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/applied\s+20250102000000_multi_tenant_schema\n2 applied, 0 pending/);
    // Not the shipped schema: no tenants table, the team's companies instead.
    expect((await db.knex.raw(`SELECT to_regclass('tenants') AS t, to_regclass('companies') AS c`)).rows[0]).toEqual({ t: null, c: 'companies' });
  });

  it('resets twice with different seeds (plain CREATE TYPE included): every check passes, legacy rows absorbed', async () => {
    for (const seed of ['1', '2']) {
      const run = await cli(['reset', '--env', 'development', '--seed', seed]);
      expect(run.stderr).toBe(run.stderr.replace(/^error:.*/m, ''));
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/Validation passed: 7 checks passed\./);
      expect(run.stdout).toMatch(/isolation .* as enpyco_app/);
      expect(run.stdout).toMatch(/legacy-absorption\s+17 legacy rows in 2 tables belong to the default tenant/);
    }
    const ledger = (await db.knex.raw('SELECT table_name, rows_absorbed FROM tenantseed.legacy_absorption ORDER BY 1')).rows;
    expect(ledger.map((r: { table_name: string; rows_absorbed: number }) => [r.table_name, Number(r.rows_absorbed)])).toEqual([['projects', 5], ['sections', 12]]);
    const defaultCompany = '00000000-0000-4000-8000-00000000e001';
    expect(await count(`SELECT count(*) AS n FROM projects WHERE company_id = '${defaultCompany}'`)).toBe(5);
    // The columns a legacy table gained after tenancy are left to the migration for legacy rows.
    expect(await count(`SELECT count(*) AS n FROM projects WHERE company_id = '${defaultCompany}' AND client IS NULL AND techniques = '{}'`)).toBe(5);
  });

  it('leaves nothing of the old schema behind on reset (types, domains, functions, views, sequences) and keeps the schema\'s privileges', async () => {
    await db.knex.raw(`
      CREATE DOMAIN leftover_domain AS text;
      CREATE TYPE leftover_type AS (a int);
      CREATE FUNCTION leftover_fn(x int) RETURNS int LANGUAGE sql AS 'SELECT x';
      CREATE SEQUENCE leftover_seq;
      CREATE VIEW leftover_view AS SELECT id FROM companies;
      GRANT USAGE ON SCHEMA public TO enpyco_app`);
    const acl = async () => (await db.knex.raw(`SELECT nspacl::text AS acl FROM pg_namespace WHERE nspname = 'public'`)).rows[0].acl;
    const before = await acl();
    // The database is stamped development: resetting it as test needs --yes.
    const run = await cli(['reset', '--env', 'test', '--yes']);
    expect(run.code).toBe(0);
    const left = (await db.knex.raw(`SELECT to_regtype('leftover_domain') AS d, to_regtype('leftover_type') AS t, to_regprocedure('leftover_fn(int)') AS f,
      to_regclass('leftover_seq') AS s, to_regclass('leftover_view') AS v`)).rows[0];
    expect(left).toEqual({ d: null, t: null, f: null, s: null, v: null });
    expect(await acl()).toBe(before);
    expect((await cli(['reset', '--env', 'development', '--seed', '2', '--yes'])).code).toBe(0);
  });

  it('writes text[] columns as arrays, enum and numeric(p,s) values, cuid and bigint ids, and distinct join-table pairs', async () => {
    const tags = (await db.knex.raw(`SELECT tags FROM content_blocks WHERE cardinality(tags) > 1 LIMIT 1`)).rows[0].tags;
    expect(Array.isArray(tags)).toBe(true);
    expect(await count(`SELECT count(*) AS n FROM users WHERE id !~ '^c[a-z0-9]{24}$'`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM content_blocks WHERE quality_score IS NOT NULL AND quality_score <> round(quality_score, 2)`)).toBe(0);
    expect(await count(`SELECT count(*) - count(DISTINCT (company_id, block_id, file_id)) AS n FROM block_files`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM block_files`)).toBeGreaterThan(0);
    // The identity sequence was moved past the loaded ids: the application's next insert works.
    const company = (await db.knex.raw(`SELECT id FROM companies WHERE slug = 'batiplus'`)).rows[0].id;
    await db.knex.raw(`INSERT INTO files (company_id, file_name, size_bytes) VALUES (?, 'new.pdf', 1)`, [company]);
    await db.knex.raw(`DELETE FROM files WHERE file_name = 'new.pdf'`);
  });

  it('validates with the configured role and setting, and fails when that role\'s policy is opened', async () => {
    const ok = await cli(['validate', '--env', 'development', '--json']);
    expect(ok.code).toBe(0);
    const report = JSON.parse(ok.stdout);
    expect(report.checks.find((c: { name: string }) => c.name === 'isolation').details.summary).toMatch(/as enpyco_app/);
    await db.knex.raw(`CREATE POLICY wide_open ON files FOR SELECT TO enpyco_app USING (true)`);
    try {
      const open = await cli(['validate', '--env', 'development', '--check', 'isolation']);
      expect(open.code).toBe(1);
      expect(open.stdout).toMatch(/files, tenant .*: sees \d+ row\(s\) of other tenants/);
    } finally {
      await db.knex.raw('DROP POLICY wide_open ON files');
    }
  });

  it('adds ten tenants, each keeping every check green', async () => {
    for (let i = 1; i <= 10; i++) {
      const run = await cli(['tenant', 'add', '--env', 'development', '--slug', `company-${i}`, '--name', `Company ${i}`]);
      expect(run.stderr).not.toMatch(/^error/m);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`Login: admin@company-${i}.test / company-${i}-admin-password`));
    }
    const run = await cli(['validate', '--env', 'development']);
    expect(run.code).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM companies WHERE slug LIKE 'company-%'`)).toBe(10);
    // Integer ids stay unique across companies, also for added ones.
    expect(await count(`SELECT count(*) - count(DISTINCT id) AS n FROM files`)).toBe(0);
  });

  it('generates byte-identical files twice, with no database', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-enpyco-out-'));
    const first = await runCli(['generate', '--env', 'development', '--out', path.join(out, 'a'), '--format', 'sql'], { cwd: PROJECT });
    const second = await runCli(['generate', '--env', 'development', '--out', path.join(out, 'b'), '--format', 'sql'], { cwd: PROJECT });
    expect([first.code, second.code]).toEqual([0, 0]);
    const files = fs.readdirSync(path.join(out, 'a')).filter((f) => f.endsWith('.sql'));
    expect(files.length).toBe(7);
    for (const file of files) expect(fs.readFileSync(path.join(out, 'b', file))).toEqual(fs.readFileSync(path.join(out, 'a', file)));
  });

  it('rolls every migration back, then migrates again', async () => {
    // The database is stamped development (by reset and tenant add): --env says so, so no --yes is needed.
    const back = await cli(['migrate', 'rollback', '--all', '--env', 'development']);
    expect(back.code).toBe(0);
    expect(back.stdout).toMatch(/0 applied, 2 pending/);
    expect((await db.knex.raw(`SELECT to_regclass('companies') AS c, to_regtype('user_role_enum') AS t`)).rows[0]).toEqual({ c: null, t: null });
    const again = await cli(['migrate', 'latest']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/2 applied, 0 pending/);
  });

  it('hands out test databases of the project through createTestDatabase({ config })', async () => {
    const test = await createTestDatabase({ config: path.join(PROJECT, 'tenantseed.config.json') });
    try {
      const demo = test.fixtures.tenant('enpyco-demo');
      const admin = test.fixtures.user('admin@enpyco-demo.test');
      expect(admin.tenantId).toBe(demo.id);
      const users = await test.withTenant(demo.id, (trx) => trx('users').select('company_id', 'email'));
      expect(users.length).toBe(3); // the test profile's count, its two named users included
      expect(new Set(users.map((u) => u.company_id))).toEqual(new Set([demo.id]));
      expect(users.map((u) => u.email)).toContain('admin@enpyco-demo.test');
    } finally {
      await test.destroy();
    }
  });
});

describe('the project config', () => {
  it('is found from a subfolder of the project', async () => {
    const run = await runCli(['generate', '--env', 'test', '--out', fs.mkdtempSync(path.join(os.tmpdir(), 'ts-sub-')) + '/x'], { cwd: path.join(PROJECT, 'db', 'definitions') });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/companies/);
  });

  it('is named by --config and TENANTSEED_CONFIG from anywhere', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-cfg-'));
    const file = path.join(PROJECT, 'tenantseed.config.json');
    for (const [args, env] of [[['--config', file], {}], [[], { TENANTSEED_CONFIG: file }]] as const) {
      const run = await runCli([...args, 'generate', '--env', 'test', '--out', path.join(out, String(args.length))], { cwd: os.tmpdir(), env });
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/_companies\.csv/);
    }
  });

  it('refuses an unknown key, a missing folder and a missing file with exit 2, naming them', async () => {
    const dir = copyProject();
    const file = path.join(dir, 'tenantseed.config.json');
    const config = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ ...config, migratons: 'db/migrations' }));
    const unknown = await runCli(['migrate', 'status'], { cwd: dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/tenantseed\.config\.json: unknown key "migratons"/);
    fs.writeFileSync(file, JSON.stringify({ ...config, tenancy: { ...config.tenancy, appRol: 'x' } }));
    expect((await runCli(['migrate', 'status'], { cwd: dir })).stderr).toMatch(/unknown key "appRol" in \/tenancy/);
    fs.writeFileSync(file, JSON.stringify({ ...config, definitions: 'db/defs' }));
    const missing = await runCli(['generate', '--env', 'test', '--out', path.join(dir, 'out')], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/"definitions" names the folder .*db\/defs, which does not exist/);
    const named = await runCli(['--config', path.join(dir, 'nope.json'), 'migrate', 'status'], { cwd: dir });
    expect(named.code).toBe(2);
    expect(named.stderr).toMatch(/--config names .*nope\.json, which does not exist/);
    for (const run of [unknown, missing, named]) expect(hasStackTrace(run.stderr)).toBe(false);
  });

  describe('with a database', () => {
    const db = useFileDatabase();

    it('runs a migration\'s TypeScript source, never a stale compiled file beside it', async () => {
      const dir = copyProject();
      fs.writeFileSync(path.join(dir, 'db', 'migrations', '20250101000000_memoir_generator.js'), 'throw new Error("stale build ran");\n');
      const run = await runCli(['migrate', 'latest'], { cwd: dir, env: { DATABASE_URL: db.target.url } });
      expect(run.stderr).not.toMatch(/stale build ran/);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/Applied 2 migration\(s\)/);
    });

    it('names the table, the row, the column and the definition when a value does not fit the schema', async () => {
      const dir = copyProject();
      const file = path.join(dir, 'db', 'definitions', 'files.json');
      const definition = JSON.parse(fs.readFileSync(file, 'utf8'));
      // 300 characters into varchar(255): the definition forgot its maxLength.
      definition.properties.file_name = { type: 'string', 'x-generate': { const: 'x'.repeat(300) } };
      fs.writeFileSync(file, JSON.stringify(definition));
      const run = await runCli(['reset', '--env', 'test'], { cwd: dir, env: { DATABASE_URL: db.target.url } });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^error: Loading files failed at the row \(company_id=[0-9a-f-]{36}, id=\d+\), column file_name: value too long/m);
      expect(run.stderr).toMatch(/^hint: To fix it, change the generator of file_name \(.*db\/definitions\/files\.json at \/properties\/file_name\) so that its values fit the column \(character varying\(255\)\)/m);
    });

    it('names the constraint, the key and the definition when the loaded rows break a key: rebuilt (many rows) or checked by COPY (few)', async () => {
      const dir = copyProject();
      const file = path.join(dir, 'db', 'definitions', 'users.json');
      const definition = JSON.parse(fs.readFileSync(file, 'utf8'));
      // Every user of a company gets the same email: UNIQUE (company_id, email) cannot hold.
      definition.properties.email = { type: 'string', 'x-generate': { const: 'same@example.com' } };
      fs.writeFileSync(file, JSON.stringify(definition));
      const profile = path.join(dir, 'db', 'environments', 'test.json');
      const test = JSON.parse(fs.readFileSync(profile, 'utf8'));
      for (const tenant of test.tenants.named) delete tenant.rows.users;
      // 3 tenants x 400 users: past DEFER_FROM_ROWS, so the key is dropped for the load and rebuilt.
      fs.writeFileSync(profile, JSON.stringify({ ...test, counts: { ...test.counts, users: 400 } }));
      const reset = () => runCli(['reset', '--env', 'test', '--yes'], { cwd: dir, env: { DATABASE_URL: db.target.url }, timeoutMs: 120_000 });
      const rebuilt = await reset();
      expect(rebuilt.code).toBe(1);
      expect(rebuilt.stderr).toMatch(/^error: The loaded rows of users break users_company_id_email_key: Key \(company_id, email\)=\([0-9a-f-]{36}, same@example\.com\) is duplicated/m);
      expect(rebuilt.stderr).toMatch(/^hint: To fix it, make those columns unique in .*db\/definitions\/users\.json/m);
      // A few users: COPY goes into the constrained table, which names the row, and gives the same fix.
      fs.writeFileSync(profile, JSON.stringify(test));
      const copied = await reset();
      expect(copied.code).toBe(1);
      expect(copied.stderr).toMatch(/^error: Loading users failed at the row \(company_id=[0-9a-f-]{36}, id=[^)]+\): duplicate key value violates unique constraint "users_company_id_email_key"/m);
      expect(copied.stderr).toMatch(/^hint: To fix it, make those columns unique in .*db\/definitions\/users\.json \(x-unique on a column, or x-primary-key for the tuple\); Key \(company_id, email\)=\([0-9a-f-]{36}, same@example\.com\) already exists\. Nothing was committed\./m);
    });

    it('says that a project without migrations is not migrated by tenantseed, nor given legacy rows to absorb (exit 2)', async () => {
      const dir = copyProject();
      const file = path.join(dir, 'tenantseed.config.json');
      const { migrations: _migrations, ...config } = JSON.parse(fs.readFileSync(file, 'utf8'));
      fs.writeFileSync(file, JSON.stringify(config));
      const migrate = await runCli(['migrate', 'latest'], { cwd: dir, env: { DATABASE_URL: db.target.url } });
      expect(migrate.code).toBe(2);
      expect(migrate.stderr).toMatch(/names no "migrations": tenantseed does not own this schema/);
      // reset empties and reseeds such a schema in place (test/integration/introspect.test.ts);
      // legacy rows would need the migrations to absorb them.
      const reset = await runCli(['reset', '--env', 'test'], { cwd: dir, env: { DATABASE_URL: db.target.url } });
      expect(reset.code).toBe(2);
      expect(reset.stderr).toMatch(/names no "migrations", but the profile asks for legacy rows in projects, sections/);
      expect(reset.stderr).toMatch(/Nothing was changed/);
    });
  });
});
