import type { Knex } from 'knex';
import { createKnex, migrate } from '../../src/db';
import { loadDefinitions, loadProfile } from '../../src/definitions';
import { buildPlan } from '../../src/generate';
import { createScratchDatabase, ScratchDatabase } from '../../src/testing';
import { CHECK_NAMES, validateDatabase, ValidationReport } from '../../src/validate';
import { resetDatabase } from '../../src/workflows';
import { SafetyError } from '../../src/errors';
import { testServer } from '../support/database';
import { SHIPPED_DEFINITIONS, SHIPPED_ENVIRONMENTS } from '../support/datasets';
import { runCli } from '../support/run-cli';

const DEFAULT_TENANT = '00000000-0000-0000-0000-000000000001';
const definitions = loadDefinitions(SHIPPED_DEFINITIONS);

function failed(report: ValidationReport): string[] {
  return report.checks.filter((c) => !c.ok).map((c) => c.name);
}

describe('tenantseed validate', () => {
  let seeded: ScratchDatabase;
  let clone: ScratchDatabase | undefined;
  let knex: Knex | undefined;

  beforeAll(async () => {
    seeded = await createScratchDatabase(testServer(), { prefix: 'tenantseed_validate' });
    const seeding = createKnex(seeded.target);
    try {
      await resetDatabase({ knex: seeding, plan: buildPlan({ definitions, profile: loadProfile(SHIPPED_ENVIRONMENTS, 'test') }) });
    } finally {
      // CREATE DATABASE ... TEMPLATE needs the template without sessions.
      await seeding.destroy();
    }
  });

  afterAll(async () => {
    await seeded.drop();
  });

  /** A fresh copy of the seeded database, broken by `sql` as a careless operator would. */
  async function broken(sql: string[]): Promise<ValidationReport> {
    clone = await createScratchDatabase(testServer(), { template: seeded.name });
    knex = createKnex(clone.target);
    for (const statement of sql) await knex.raw(statement);
    return validateDatabase({ knex, definitions });
  }

  afterEach(async () => {
    await knex?.destroy();
    await clone?.drop();
    knex = undefined;
    clone = undefined;
  });

  it('passes every check on a freshly seeded database', async () => {
    const report = await broken([]);
    expect(report.checks.map((c) => c.name)).toEqual([...CHECK_NAMES]);
    expect(report.checks.filter((c) => c.skipped)).toEqual([]);
    expect(failed(report)).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('advises, and passes, when RLS is not forced on a table no application role owns', async () => {
    const report = await broken(['ALTER TABLE users NO FORCE ROW LEVEL SECURITY']);
    expect(failed(report)).toEqual([]);
    expect(report.advice).toEqual([expect.objectContaining({ rule: 'TS-R01', severity: 'medium', table: 'users', message: 'row-level security is not forced (the table owner bypasses it)' })]);
    expect(report.actedAs).toEqual({ reader: expect.any(String), application: 'tenantseed_app' });
  });

  it('fails schema when RLS is not forced on a table the application role owns', async () => {
    const report = await broken(['ALTER TABLE users NO FORCE ROW LEVEL SECURITY', 'ALTER TABLE users OWNER TO tenantseed_app']);
    expect(failed(report)).toContain('schema');
    expect(report.checks[0].details.findings).toEqual([
      { table: 'users', message: 'row-level security is not forced, and tenantseed_app owns the table (or is a member of its owner): it reads every tenant' },
    ]);
    expect(report.advice.filter((a) => a.rule === 'TS-R01')).toEqual([]);
  });

  it('shows an accepted advice item as accepted, with its reason, and refuses to accept a rule that does not exist', async () => {
    await broken(['ALTER TABLE users NO FORCE ROW LEVEL SECURITY', 'ALTER TABLE documents NO FORCE ROW LEVEL SECURITY']);
    const report = await validateDatabase({ knex: knex!, definitions, checks: ['schema'], accept: [{ rule: 'TS-R01', table: 'users', reason: 'only the migration role owns users' }] });
    expect(report.ok).toBe(true);
    expect(report.advice.map((a) => [a.table, a.accepted]).sort()).toEqual([['documents', undefined], ['users', 'only the migration role owns users']]);
    await expect(validateDatabase({ knex: knex!, definitions, accept: [{ rule: 'TS-Z99', reason: 'x' }] })).rejects.toThrow(/validate.accept names the rule TS-Z99, which is no rule/);
  });

  it('refuses (a safety error) to probe as a superuser or BYPASSRLS application role, naming it', async () => {
    await broken([]);
    for (const attribute of ['SUPERUSER', 'BYPASSRLS']) {
      const role = `ts_escapes_${attribute.toLowerCase()}_${Date.now()}`;
      await knex!.raw(`CREATE ROLE ${role} ${attribute}`);
      try {
        const run = validateDatabase({ knex: knex!, definitions, tenancy: { setting: 'app.current_tenant_id', appRole: role, adminRole: 'tenantseed_admin' } });
        await expect(run).rejects.toBeInstanceOf(SafetyError);
        await expect(run).rejects.toThrow(new RegExp(`Refusing to validate as the application role "${role}": it is ${attribute === 'SUPERUSER' ? 'a superuser' : 'a role with BYPASSRLS'}`));
      } finally {
        await knex!.raw(`DROP ROLE ${role}`);
      }
    }
  });

  it('proves what fails and advises on every key, policy and index gap of tenant tables', async () => {
    const report = await broken([
      'ALTER TABLE projects DISABLE ROW LEVEL SECURITY',
      'DROP POLICY tenant_isolation ON documents',
      'CREATE POLICY everyone ON tenant_configs USING (true)',
      'ALTER TABLE audit_logs ADD CONSTRAINT audit_logs_id_everywhere UNIQUE (id)',
      'CREATE UNIQUE INDEX documents_id_everywhere ON documents (id)',
      'ALTER TABLE tenant_api_keys DROP CONSTRAINT tenant_api_keys_pkey, DROP CONSTRAINT tenant_api_keys_tenant_id_prefix_key, ADD PRIMARY KEY (id)',
      'DROP INDEX tenant_api_keys_created_by_idx',
      'CREATE UNIQUE INDEX users_id_everywhere ON users (id)',
      'ALTER TABLE content_blocks DROP CONSTRAINT content_blocks_author_fkey, ADD CONSTRAINT content_blocks_author_fkey FOREIGN KEY (author_user_id) REFERENCES users (id)',
    ]);
    expect(report.checks[0].details.findings).toEqual([{ table: 'projects', message: 'row-level security is not enabled' }]);
    expect(report.advice.map((a) => [a.rule, a.table, a.message])).toEqual(expect.arrayContaining([
      ['TS-P01', 'documents', 'no policy restricts reads to the current tenant (tenant_id = current_setting(...))'],
      ['TS-P02', 'documents', 'no policy checks written rows against the current tenant (WITH CHECK on tenant_id)'],
      ['TS-P03', 'tenant_configs', 'policy everyone lets every row through (true)'],
      ['TS-K02', 'audit_logs', 'unique constraint audit_logs_id_everywhere (id) lacks tenant_id: it is unique across tenants'],
      ['TS-K02', 'documents', 'unique index documents_id_everywhere lacks tenant_id: it is unique across tenants'],
      ['TS-K01', 'tenant_api_keys', 'primary key tenant_api_keys_pkey (id) lacks tenant_id'],
      ['TS-I01', 'tenant_api_keys', 'no index starts with tenant_id'],
      ['TS-K02', 'users', 'unique index users_id_everywhere lacks tenant_id: it is unique across tenants'],
      ['TS-K03', 'content_blocks', "foreign key content_blocks_author_fkey (author_user_id) references users without tenant_id: a row may point at another tenant's row"],
    ]));
    expect(report.advice).toHaveLength(9);
    // The proofs catch the holes the advice points at: the isolation probe sees them.
    expect(failed(report)).toEqual(['schema', 'isolation']);
  });

  it('gives no advice on a policy that reads the tenant through a function', async () => {
    const report = await broken([
      `CREATE FUNCTION current_tenant() RETURNS uuid LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('app.current_tenant_id', true), '')::uuid $$`,
      'GRANT EXECUTE ON FUNCTION current_tenant() TO tenantseed_app',
      'DROP POLICY tenant_isolation ON documents',
      'CREATE POLICY through_function ON documents USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant())',
    ]);
    expect(report.advice).toEqual([]);
    expect(failed(report)).toEqual([]);
  });

  it('fails row-counts, only, when rows disappear after the seed', async () => {
    const report = await broken([`DELETE FROM audit_logs WHERE id IN (SELECT id FROM audit_logs WHERE tenant_id <> '${DEFAULT_TENANT}' ORDER BY id LIMIT 2)`]);
    expect(failed(report)).toEqual(['row-counts']);
    const finding = report.checks[1].details.findings[0];
    expect(finding).toMatchObject({ table: 'audit_logs', message: 'rows differ from the manifest' });
    // Expected (the manifest) against actual (the table): the deleted rows are missing.
    expect(Number(finding.expected) - Number(finding.actual)).toBeGreaterThan(0);
    expect(finding.tenant).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('fails foreign-keys, only, for an orphan behind a disabled foreign key', async () => {
    const report = await broken([
      'ALTER TABLE documents DISABLE TRIGGER ALL',
      `UPDATE documents SET project_id = '11111111-1111-4111-8111-111111111111' WHERE id = (SELECT id FROM documents WHERE tenant_id <> '${DEFAULT_TENANT}' ORDER BY id LIMIT 1)`,
    ]);
    expect(failed(report)).toEqual(['foreign-keys']);
    const findings = report.checks[2].details.findings;
    expect(findings.some((f) => f.table === 'documents' && /reference a missing projects row/.test(f.message) && f.examples!.some((e) => e.includes('11111111-1111-4111-8111-111111111111')))).toBe(true);
  });

  it('fails tenant-consistency, only, when a row points at another tenant\'s row', async () => {
    const report = await broken([
      'ALTER TABLE content_blocks DROP CONSTRAINT content_blocks_author_fkey',
      `UPDATE content_blocks c SET author_user_id = (SELECT u.id FROM users u WHERE u.tenant_id <> c.tenant_id ORDER BY u.id LIMIT 1)
        WHERE c.id = (SELECT id FROM content_blocks ORDER BY id LIMIT 1)`,
    ]);
    expect(failed(report)).toEqual(['tenant-consistency']);
    expect(report.checks[3].details.findings[0]).toMatchObject({ table: 'content_blocks', message: expect.stringMatching(/1 row\(s\) point through author_user_id at a users row of another tenant/) });
  });

  it('fails isolation, only, when a permissive policy leaks rows across tenants', async () => {
    const report = await broken([`CREATE POLICY support_reads_logins ON audit_logs FOR SELECT USING (action = 'login')`]);
    expect(failed(report)).toEqual(['isolation']);
    expect(report.checks[4].details.findings.some((f) => f.table === 'audit_logs' && /sees \d+ row\(s\) of other tenants/.test(f.message))).toBe(true);
  });

  it("fails isolation, only, when the application role logs in with a tenant already set (ALTER ROLE ... IN DATABASE ... SET): its sessions see that tenant's rows with none set", async () => {
    // Probes switch to the role inside a session; PostgreSQL applies a role's settings only at
    // login, so validation applies them itself. Scoped to this database: the role is the server's.
    const report = await broken([
      `DO $$ BEGIN EXECUTE format('ALTER ROLE tenantseed_app IN DATABASE %I SET app.current_tenant_id = %L', current_database(), (SELECT id::text FROM tenants WHERE slug = 'acme')); END $$`,
    ]);
    expect(failed(report)).toEqual(['isolation']);
    const findings = report.checks[4].details.findings;
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) expect(f.message).toMatch(/^without a tenant, \d+ row\(s\) are visible \(tenantseed_app logs in with app.current_tenant_id set, by ALTER ROLE ... SET/);
  });

  it('fails isolation when the application role logs in with row_security off, and passes with login settings that decide no row\'s visibility', async () => {
    const inDatabase = (setting: string) => `DO $$ BEGIN EXECUTE format('ALTER ROLE tenantseed_app IN DATABASE %I SET ${setting}', current_database()); END $$`;
    // With row security off, a query RLS would filter fails for the role: the application cannot read without a tenant set.
    expect(failed(await broken([inDatabase('row_security = off')]))).toEqual(['isolation']);
    await knex?.destroy();
    await clone?.drop();
    // A timeout and a search_path are the application's own business: applied, they would only keep the probes from running.
    const report = await broken([inDatabase(`statement_timeout = ''1ms''`), inDatabase(`search_path = pg_catalog`)]);
    expect(failed(report)).toEqual([]);
  });

  it('fails legacy-absorption, only, when an absorbed legacy row is lost', async () => {
    const report = await broken([`DELETE FROM documents WHERE id = (SELECT id FROM documents WHERE tenant_id = '${DEFAULT_TENANT}' ORDER BY id LIMIT 1)`]);
    expect(failed(report)).toEqual(['legacy-absorption']);
    expect(report.checks[5].details.findings).toEqual([{ table: 'documents', tenant: DEFAULT_TENANT, message: 'the default tenant\'s rows differ from the rows the ledger says were absorbed', expected: 6, actual: 5 }]);
  });

  it('fails json-schema, only, when a JSONB value loses a required key', async () => {
    const report = await broken([`UPDATE tenant_configs SET settings = settings - 'models' WHERE id = (SELECT id FROM tenant_configs ORDER BY id LIMIT 1)`]);
    expect(failed(report)).toEqual(['json-schema']);
    expect(report.checks[6].details.findings[0]).toMatchObject({ table: 'tenant_configs', message: expect.stringMatching(/1 row\(s\) have settings that does not match its schema: settings must have required property 'models'/) });
  });

  it('never changes data, even while probing isolation', async () => {
    const report = await broken([]);
    expect(report.ok).toBe(true);
    const again = await validateDatabase({ knex: knex!, definitions });
    expect(again.checks.find((c) => c.name === 'row-counts')!.ok).toBe(true);
  });
});

describe('validate on a database tenantseed did not seed', () => {
  let scratch: ScratchDatabase;

  beforeAll(async () => {
    scratch = await createScratchDatabase(testServer());
    const knex = createKnex(scratch.target);
    await migrate({ knex, action: 'latest' });
    await knex.destroy();
  });

  afterAll(() => scratch.drop());

  it('fails closed on the checks it cannot run (exit 1), and lets them pass only with --allow-skip', async () => {
    const run = await runCli(['--database-url', scratch.target.url, 'validate', '--env', 'test', '--json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as ValidationReport;
    expect(report.ok).toBe(false);
    expect(report.checks.filter((c) => c.skipped).map((c) => [c.name, c.ok])).toEqual([['row-counts', false], ['isolation', false]]);
    const text = await runCli(['--database-url', scratch.target.url, 'validate', '--env', 'test']);
    expect(text.stdout).toMatch(/Validation failed: 0 of 7 checks failed, 2 could not run \(row-counts, isolation; pass --allow-skip to accept that\)\./);
    const allowed = await runCli(['--database-url', scratch.target.url, 'validate', '--env', 'test', '--json', '--allow-skip']);
    expect(allowed.code).toBe(0);
    const passed = JSON.parse(allowed.stdout) as ValidationReport;
    expect(passed.ok).toBe(true);
    expect(passed.checks.filter((c) => c.skipped).map((c) => [c.name, c.ok])).toEqual([['row-counts', true], ['isolation', true]]);
    // A pass that skipped isolation proves no isolation, and its verdict line says so.
    const allowedText = await runCli(['--database-url', scratch.target.url, 'validate', '--env', 'test', '--allow-skip']);
    expect(allowedText.code).toBe(0);
    expect(allowedText.stdout).toMatch(/^Validation passed, isolation NOT proven \(needs at least two tenants to probe\): 5 checks passed, 2 skipped \(--allow-skip\)\.$/m);
  });

  it('runs one check with --check, refuses an unknown one with exit 2', async () => {
    const one = await runCli(['--database-url', scratch.target.url, 'validate', '--env', 'test', '--check', 'schema']);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^ok {4}schema {15}7 tenant tables under row-level security/);
    expect(one.stdout).toMatch(/Acted as tenantseed_app \(the application role\) for the probes/);
    const bad = await runCli(['--database-url', scratch.target.url, 'validate', '--env', 'test', '--check', 'vibes']);
    expect(bad.code).toBe(2);
  });

  it('exits 1 with the evidence when a check fails', async () => {
    const knex = createKnex(scratch.target);
    try {
      await knex.raw('ALTER TABLE projects DISABLE ROW LEVEL SECURITY');
      const run = await runCli(['--database-url', scratch.target.url, 'validate', '--env', 'test']);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^FAIL {2}schema/m);
      // Failed and unrun checks first, before any that passed.
      const marks = [...run.stdout.matchAll(/^(FAIL|skip|ok  ) {2}[a-z-]+/gm)].map((m) => m[1]);
      expect(marks.slice(0, 3).sort()).toEqual(['FAIL', 'skip', 'skip']);
      expect(marks.slice(3).every((m) => m === 'ok  ')).toBe(true);
      expect(run.stdout).toMatch(/ {6}projects: row-level security is not enabled/);
      expect(run.stdout).toMatch(/what to do: /);
      expect(run.stdout).toMatch(/Validation failed: 1 of 7 checks failed \(schema\), 2 could not run \(row-counts, isolation;/);
    } finally {
      await knex.raw('ALTER TABLE projects ENABLE ROW LEVEL SECURITY');
      await knex.destroy();
    }
  });
});
