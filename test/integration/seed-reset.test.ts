import type { Knex } from 'knex';
import { createKnex, migrate, writeEnvironmentStamp } from '../../src/db';
import { createScratchDatabase } from '../../src/testing';
import { testServer, useFileDatabase } from '../support/database';
import { hasStackTrace, runCli } from '../support/run-cli';
import { schemaSnapshot } from '../support/schema-snapshot';
import { editedProfile, GOLDEN_TEST_FINGERPRINT } from '../support/datasets';


/** What a database holds, to tell that a refused or failed command changed nothing. */
async function snapshot(knex: Knex): Promise<string> {
  const tables = await knex.raw(`SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_schema IN ('public', 'tenantseed') ORDER BY 1`);
  const parts: string[] = [];
  for (const { t } of tables.rows) {
    const [schema, name] = String(t).split('.');
    const count = await knex.raw(`SELECT count(*) AS n FROM "${schema}"."${name}"`);
    parts.push(`${t}=${count.rows[0].n}`);
  }
  const stamp = await knex.raw(`SELECT to_regclass('tenantseed.environment_stamp') AS t`);
  if (stamp.rows[0].t) parts.push(JSON.stringify((await knex.raw('SELECT environment, stamped_by FROM tenantseed.environment_stamp')).rows));
  return parts.join(' ');
}

describe('tenantseed reset and seed', () => {
  const db = useFileDatabase();
  const cli = (args: string[], env: Record<string, string | undefined> = {}) => runCli(['--database-url', db.target.url, ...args], { env: { CI: 'true', ...env } });

  it('resets to the test dataset: legacy rows absorbed, the dataset loaded, the manifest and stamp written', async () => {
    const run = await cli(['reset', '--env', 'test', '--json']);
    expect(run.stderr).toBe(`Project: the shipped reference schema\nDatabase: ${db.target.database} on ${db.target.host}:${db.target.port} as ${db.target.user} (from --database-url)\n`);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ status: 'seeded', environment: 'test', fingerprint: GOLDEN_TEST_FINGERPRINT, tenants: 3 });
    expect(summary.logins.map((l: { name: string }) => l.name)).toContain('admin@acme.test');
    const ledger = await db.knex('tenantseed.legacy_absorption').select('table_name', 'rows_absorbed').orderBy('table_name');
    expect(ledger).toEqual([{ table_name: 'documents', rows_absorbed: 6 }, { table_name: 'projects', rows_absorbed: 3 }]);
    expect((await db.knex('tenants').count({ n: '*' }))[0].n).toBe(4);
    const stamp = await db.knex('tenantseed.environment_stamp').first();
    expect(stamp).toMatchObject({ environment: 'test', stamped_by: 'reset' });
    const perTenant = await db.knex('users').select('tenant_id').count({ n: '*' }).groupBy('tenant_id');
    for (const row of perTenant as Array<{ tenant_id: string; n: number }>) expect(summary.counts.users[row.tenant_id]).toBe(row.n);
    // The keys, indexes and foreign keys dropped for the load are all back, as migrated.
    const fresh = await createScratchDatabase(testServer());
    const freshKnex = createKnex(fresh.target);
    try {
      await migrate({ knex: freshKnex, action: 'latest' });
      expect(await schemaSnapshot(db.knex)).toEqual(await schemaSnapshot(freshKnex));
    } finally {
      await freshKnex.destroy();
      await fresh.drop();
    }
  });

  it('leaves a database that already holds the dataset alone, and says so', async () => {
    const before = await snapshot(db.knex);
    const run = await cli(['seed', '--env', 'test']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Nothing to do: the database already holds this dataset \(test, seed 42/);
    expect(await snapshot(db.knex)).toBe(before);
  });

  it('refuses to seed another dataset over it (exit 1) and points at reset', async () => {
    const before = await snapshot(db.knex);
    const run = await cli(['seed', '--env', 'test', '--seed', '7']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/already holds another dataset \(test, seed 42, 3 tenants/);
    expect(run.stderr).toMatch(/tenantseed reset --env test/);
    expect(await snapshot(db.knex)).toBe(before);
  });

  it.each([
    ['--env production', ['reset', '--env', 'production', '--yes'], /Refusing to reset --env production/, {}],
    ['a database stamped as another environment', ['reset', '--env', 'development'], /is stamped "test", not "development"/, {}],
  ])('refuses %s with exit 3 and changes nothing', async (_label, args, message) => {
    const before = await snapshot(db.knex);
    const run = await cli(args as string[]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(message as RegExp);
    expect(run.stderr).toMatch(/Nothing was changed/);
    expect(hasStackTrace(run.stderr)).toBe(false);
    expect(await snapshot(db.knex)).toBe(before);
  });

  it('refuses a protected environment without --yes even on a database of that environment', async () => {
    await writeEnvironmentStamp(db.knex, 'staging', 'test setup');
    const before = await snapshot(db.knex);
    const run = await cli(['reset', '--env', 'staging', '--tenants', '3']);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/Refusing to reset: the database \S+ is the protected environment staging, and it would destroy \d+ table\(s\)/);
    expect(run.stderr).toMatch(/^\s+public\.users\s+[\d,]+ rows$/m);
    expect(await snapshot(db.knex)).toBe(before);
  });

  it('refuses any write to a database stamped production, --yes or not', async () => {
    await writeEnvironmentStamp(db.knex, 'production', 'test setup');
    const before = await snapshot(db.knex);
    for (const args of [['reset', '--env', 'test', '--yes'], ['seed', '--env', 'test', '--yes']]) {
      const run = await cli(args);
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(/stamped "production"/);
    }
    expect(await snapshot(db.knex)).toBe(before);
    await writeEnvironmentStamp(db.knex, 'test', 'test setup');
  });

  it('resets over another environment with --yes, and prints the bypass', async () => {
    const run = await cli(['reset', '--env', 'development', '--yes']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/--yes: reset destroys \d+ table\(s\) with \d+ row\(s\) of \S+, which is stamped "test", not "development"/);
    expect(run.stdout).toMatch(/Reset and seeded \d+ rows of 8 tenants \(development, seed 1\)/);
    expect(run.stdout).toMatch(/Development logins:\n {2}admin@acme\.test +acme-admin-password/);
  });

  it('keeps the bypass of reset --yes --json in the JSON and on stderr, and a warning of validate --json', async () => {
    // The previous test left the database stamped development: reset --env test needs the bypass.
    const run = await cli(['reset', '--env', 'test', '--yes', '--json']);
    expect(run.code).toBe(0);
    const bypass = /^--yes: reset destroys \d+ table\(s\) with [\d,]+ row\(s\) of \S+, which is stamped "development", not "test"\.$/;
    const summary = JSON.parse(run.stdout);
    expect(summary.notices).toHaveLength(1);
    expect(summary.notices[0]).toMatch(bypass);
    expect(run.stderr.split('\n')).toContain(summary.notices[0]);

    const validate = await cli(['validate', '--env', 'development', '--json']);
    const report = JSON.parse(validate.stdout);
    expect(report.notices).toEqual(['warning: the database is stamped "test", not "development"']);
    expect(validate.stderr).toMatch(/^warning: the database is stamped "test", not "development"$/m);

    // Nothing to confirm, nothing to report: an empty list, not a missing key.
    const again = JSON.parse((await cli(['seed', '--env', 'test', '--json'])).stdout);
    expect(again).toMatchObject({ status: 'already-seeded', notices: [] });
  });
});

describe('tenantseed tenant add', () => {
  const db = useFileDatabase();
  const cli = (args: string[]) => runCli(['--database-url', db.target.url, ...args], { env: { CI: 'true' } });

  beforeAll(async () => {
    expect((await cli(['reset', '--env', 'test'])).code).toBe(0);
  });

  it('scaffolds a tenant from the profile, with a config from the template, deterministic from the slug', async () => {
    const run = await cli(['tenant', 'add', '--env', 'test', '--slug', 'umbrella', '--name', 'Umbrella Corp', '--template', 'fintech', '--json']);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.logins).toEqual([{ table: 'users', tenant: 'umbrella', name: 'admin@umbrella.test', password: 'umbrella-admin-password' }]);
    const tenant = await db.knex('tenants').where({ slug: 'umbrella' }).first();
    expect(tenant).toMatchObject({ id: result.tenantId, name: 'Umbrella Corp', plan: 'starter', status: 'trial' });
    const config = await db.knex('tenant_configs').where({ tenant_id: tenant.id }).first();
    expect(config.template_id).toBe('00000000-0000-0000-0001-000000000001');
    expect((await db.knex('users').where({ tenant_id: tenant.id }).count({ n: '*' }))[0].n).toBe(5);
    // The validator's counts include the new tenant: tenant add records a manifest.
    const validate = await cli(['validate', '--env', 'test']);
    expect(validate.code).toBe(0);

    // The same slug in another database gives the same ids.
    const scratch = await createScratchDatabase(testServer());
    try {
      const other = (args: string[]) => runCli(['--database-url', scratch.target.url, ...args], { env: { CI: 'true' } });
      expect((await other(['reset', '--env', 'test'])).code).toBe(0);
      const again = JSON.parse((await other(['tenant', 'add', '--env', 'test', '--slug', 'umbrella', '--name', 'Umbrella Corp', '--template', 'fintech', '--json'])).stdout);
      expect(again.tenantId).toBe(result.tenantId);
    } finally {
      await scratch.drop();
    }
  });

  it('refuses an existing slug (exit 1), an unknown template and a malformed slug (exit 2), changing nothing', async () => {
    const before = await snapshot(db.knex);
    const existing = await cli(['tenant', 'add', '--env', 'test', '--slug', 'acme', '--name', 'Again']);
    expect(existing.code).toBe(1);
    expect(existing.stderr).toMatch(/The tenant "acme" already exists/);
    const template = await cli(['tenant', 'add', '--env', 'test', '--slug', 'newco', '--name', 'New', '--template', 'nope']);
    expect(template.code).toBe(2);
    expect(template.stderr).toMatch(/Use one of: fintech, generic, healthcare, legal/);
    const slug = await cli(['tenant', 'add', '--env', 'test', '--slug', 'Bad Slug', '--name', 'X']);
    expect(slug.code).toBe(2);
    expect(slug.stderr).toMatch(/--slug "Bad Slug" is not a valid tenants\.slug/);
    expect(await snapshot(db.knex)).toBe(before);
  });

  it('prints the bypass of tenant add --yes over another environment, and keeps it in --json', async () => {
    const run = await cli(['tenant', 'add', '--env', 'development', '--slug', 'bypass', '--name', 'Bypass', '--yes', '--json']);
    expect(run.code).toBe(0);
    const notice = '--yes: tenant add a database stamped "test" as "development".';
    expect(JSON.parse(run.stdout).notices).toEqual([notice]);
    expect(run.stderr.split('\n')).toContain(notice);
  });

  it('refuses --name or --template that the profile does not use, and a missing --name it does use (exit 2), changing nothing', async () => {
    const before = await snapshot(db.knex);
    const { directory } = editedProfile('test', (p) => {
      delete p.newTenant.values.name;
      p.newTenant.rows.users[0].name = 'Admin';
      delete p.newTenant.rows.tenant_configs;
    });
    const add = (args: string[]) => cli(['tenant', 'add', '--env', 'test', '--slug', 'newco', ...args]);
    const name = await add(['--environments', directory, '--name', 'New Co']);
    expect(name.code).toBe(2);
    expect(name.stderr).toMatch(/error: --name "New Co" would be ignored: the newTenant of \S+test\.json uses no \{name\}/);
    expect(name.stderr).toMatch(/hint: Leave out --name, or add "\{name\}"/);
    const template = await add(['--environments', directory, '--template', 'fintech']);
    expect(template.code).toBe(2);
    expect(template.stderr).toMatch(/error: --template "fintech" would be ignored: the newTenant of \S+test\.json uses no \{template\}/);
    const missing = await add(['--template', 'fintech']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/error: --name is required: the newTenant of \S+test\.json uses \{name\}/);
    for (const run of [name, template, missing]) {
      expect(hasStackTrace(run.stderr)).toBe(false);
      expect(run.stderr).not.toMatch(/^Database:/m); // refused before connecting
    }
    expect(await snapshot(db.knex)).toBe(before);

    // Without the flags it does not use, the same profile adds the tenant (--yes: an earlier test of
    // this file stamped the database development).
    const plain = await add(['--environments', directory, '--json', '--yes']);
    expect(plain.stderr).not.toMatch(/^error/m);
    expect(plain.code).toBe(0);
  });
});

describe("the README's tenant add example", () => {
  const db = useFileDatabase();
  const cli = (args: string[]) => runCli(['--database-url', db.target.url, ...args], { env: { CI: 'true' } });

  it('works on the database the README set-up makes (reset --env development)', async () => {
    expect((await cli(['reset', '--env', 'development'])).code).toBe(0);
    const run = await cli(['tenant', 'add', '--env', 'development', '--slug', 'umbrella', '--name', 'Umbrella Corp', '--template', 'fintech']);
    expect(run.stderr).not.toMatch(/^error/m);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Added tenant umbrella \(d4d49872-dc25-45f3-bd9c-be697bb3634e\): 227 rows$/m);
    expect(run.stdout).toMatch(/^Login: admin@umbrella\.test \/ umbrella-admin-password$/m);
    expect((await cli(['validate', '--env', 'development'])).code).toBe(0);
  });
});
