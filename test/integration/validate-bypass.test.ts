import type { Knex } from 'knex';
import { createKnex } from '../../src/db';
import { loadDefinitions, loadProfile } from '../../src/definitions';
import { buildPlan } from '../../src/generate';
import { createScratchDatabase, ScratchDatabase } from '../../src/testing';
import { validateDatabase, ValidationReport } from '../../src/validate';
import { resetDatabase } from '../../src/workflows';
import { testServer } from '../support/database';
import { SHIPPED_DEFINITIONS, SHIPPED_ENVIRONMENTS } from '../support/datasets';

const definitions = loadDefinitions(SHIPPED_DEFINITIONS);

function isolationFindings(report: ValidationReport): string[] {
  return report.checks.find((c) => c.name === 'isolation')!.details.findings.map((f) => `${f.table}: ${f.message}`);
}

/** Databases broken by a policy branch that admits rows without the tenant comparison. */
describe('validate: bypass discovery', () => {
  let seeded: ScratchDatabase;
  let clone: ScratchDatabase | undefined;
  let knex: Knex | undefined;
  const adminRole = `ts_bypass_admin_${process.pid}_${Date.now()}`;

  beforeAll(async () => {
    seeded = await createScratchDatabase(testServer(), { prefix: 'tenantseed_bypass' });
    const seeding = createKnex(seeded.target);
    try {
      await resetDatabase({ knex: seeding, plan: buildPlan({ definitions, profile: loadProfile(SHIPPED_ENVIRONMENTS, 'test') }) });
    } finally {
      await seeding.destroy();
    }
  });

  afterAll(async () => {
    await seeded.drop();
  });

  async function broken(sql: string[]): Promise<ValidationReport> {
    clone = await createScratchDatabase(testServer(), { template: seeded.name });
    knex = createKnex(clone.target);
    for (const statement of sql) await knex.raw(statement);
    return validateDatabase({ knex, definitions, checks: ['isolation'] });
  }

  afterEach(async () => {
    await knex?.destroy();
    await clone?.drop();
    knex = undefined;
    clone = undefined;
  });

  it('fails on a bypass policy on a setting any session may change (app.bypass_rls = on), naming the policy and the setting', async () => {
    const report = await broken([`CREATE POLICY bypass_rls_policy ON documents USING (current_setting('app.bypass_rls', true) = 'on')`]);
    expect(report.ok).toBe(false);
    expect(isolationFindings(report)).toEqual([expect.stringMatching(/^documents: policy bypass_rls_policy admits \d+ row\(s\) of other tenants when the application role sets app.bypass_rls to 'on'$/)]);
  });

  it('fails on a boolean bypass (app.is_uber_admin), trying on/true/1 beside the literals', async () => {
    const report = await broken([`CREATE POLICY uber_admin ON users FOR SELECT USING (coalesce(nullif(current_setting('app.is_uber_admin', true), '')::boolean, false))`]);
    expect(isolationFindings(report)).toEqual([expect.stringMatching(/^users: policy uber_admin admits \d+ row\(s\) of other tenants when the application role sets app.is_uber_admin to 'on'$/)]);
  });

  it('fails on a bypass read through a function, with the value the function compares with', async () => {
    const report = await broken([
      `CREATE FUNCTION support_mode() RETURNS boolean LANGUAGE sql STABLE AS $$ SELECT coalesce(current_setting('app.support_mode', true), '') = 'impersonate' $$`,
      `CREATE FUNCTION is_support() RETURNS boolean LANGUAGE plpgsql STABLE AS $$ BEGIN RETURN support_mode(); END $$`,
      `CREATE POLICY support_reads ON audit_logs FOR ALL USING (tenant_id = nullif(current_setting('app.current_tenant_id', true), '')::uuid OR is_support())`,
    ]);
    expect(isolationFindings(report)).toEqual([
      expect.stringMatching(/^audit_logs: policy support_reads admits \d+ row\(s\) of other tenants when the application role sets app.support_mode to 'impersonate' \(read through public.is_support, public.support_mode\)$/),
    ]);
  });

  it('fails on a permissive policy TO PUBLIC with USING (true)', async () => {
    const report = await broken([`CREATE POLICY open_to_all ON documents FOR SELECT TO PUBLIC USING (true)`]);
    // The finding names the cause: the policy, whom it applies to, and its expression.
    expect(isolationFindings(report)).toContainEqual(expect.stringMatching(/^documents: sees \d+ row\(s\) of other tenants: policy open_to_all \(to PUBLIC\) admits \d+ of them: USING \(true\)$/));
  });

  it('fails on a table the application role can read (through PUBLIC) that is neither a tenant table nor declared shared, with each tenant\'s count', async () => {
    const report = await broken([
      'CREATE TABLE countries (code text PRIMARY KEY, name text NOT NULL)',
      `INSERT INTO countries VALUES ('NL', 'Netherlands'), ('FR', 'France')`,
      'GRANT SELECT ON countries TO PUBLIC',
    ]);
    const tenants = report.checks.find((c) => c.name === 'isolation')!.details.tenants as string[];
    expect(isolationFindings(report)).toEqual([
      `countries: tenantseed_app can read it, but it is neither a tenant table nor declared shared ("x-global": true in its definition, or validate.shared in the config): ${tenants.map((t) => `${t} sees 2 row(s)`).join(', ')}`,
    ]);
  });

  it('passes a readable table the config declares shared (validate.shared), and a migration tool\'s ledger, each listed as shared', async () => {
    await broken([
      'CREATE TABLE countries (code text PRIMARY KEY, name text NOT NULL)',
      `INSERT INTO countries VALUES ('NL', 'Netherlands'), ('FR', 'France')`,
      'CREATE TABLE "_prisma_migrations" (id text PRIMARY KEY, migration_name text NOT NULL)',
      `INSERT INTO "_prisma_migrations" VALUES ('1', '20240101_init')`,
      'GRANT SELECT ON countries, "_prisma_migrations" TO PUBLIC',
    ]);
    const report = await validateDatabase({ knex: knex!, definitions, checks: ['isolation'], shared: [{ table: 'countries', reason: 'the same list for every tenant' }] });
    expect(isolationFindings(report)).toEqual([]);
    expect(report.checks.find((c) => c.name === 'isolation')!.details.shared).toEqual(expect.arrayContaining(['countries', '_prisma_migrations']));
    const undeclared = await validateDatabase({ knex: knex!, definitions, checks: ['isolation'] });
    expect(isolationFindings(undeclared)).toEqual([expect.stringMatching(/^countries: tenantseed_app can read it/)]);
  });

  it('fails on a chain table with no policy: tied to a tenant only through a reference, granted to a role the application role belongs to', async () => {
    const role = `ts_bypass_readers_${process.pid}_${Date.now()}`;
    const report = await broken([
      'CREATE TABLE document_comments (id bigserial PRIMARY KEY, document_id uuid NOT NULL, body text NOT NULL)',
      'INSERT INTO document_comments (document_id, body) SELECT id, \'hello\' FROM documents',
      `CREATE ROLE ${role}`,
      `GRANT SELECT ON document_comments TO ${role}`,
      `GRANT ${role} TO tenantseed_app`,
    ]).finally(async () => {
      await knex!.raw(`DROP OWNED BY ${role}`);
      await knex!.raw(`DROP ROLE ${role}`);
    });
    expect(isolationFindings(report)).toEqual([expect.stringMatching(/^document_comments: tenantseed_app can read it, but it is neither a tenant table nor declared shared \("x-global": true in its definition, or validate.shared in the config\): \S+ sees [1-9]\d* row\(s\)/)]);
  });

  it('fails on the shipped global table when its definition no longer declares it shared', async () => {
    await broken([]);
    const undeclared = { ...definitions, tables: definitions.tables.map((t) => (t.table === 'templates' ? { ...t, global: false } : t)) };
    const report = await validateDatabase({ knex: knex!, definitions: undeclared, checks: ['isolation'] });
    expect(isolationFindings(report)).toEqual([expect.stringMatching(/^templates: tenantseed_app can read it, but it is neither a tenant table nor declared shared/)]);
    expect((await validateDatabase({ knex: knex!, definitions, checks: ['isolation'] })).ok).toBe(true);
  });

  it('fails on a role-test branch the application role satisfies by name (session_user: the role the application logs in as)', async () => {
    // The probes SET ROLE, which leaves session_user the validator's own: only the role-branch probe sees this one.
    const report = await broken([`CREATE POLICY ops_sessions ON documents FOR SELECT USING (session_user = 'tenantseed_app')`]);
    expect(isolationFindings(report)).toEqual([
      "documents: policy ops_sessions admits every row to tenantseed_app: its branch SESSION_USER = 'tenantseed_app'::name is true for the application role",
    ]);
    expect(report.checks.find((c) => c.name === 'isolation')!.details.roleBranches).toEqual(["ops_sessions on documents: SESSION_USER = 'tenantseed_app'::name"]);
  });

  it('fails on a pg_has_role branch (in a function the policy calls) for a role granted to the application role, and passes current_user = another role', async () => {
    const staff = `probes_staff_${process.pid}_${Date.now()}`;
    const report = await broken([
      `CREATE ROLE ${staff}`,
      `CREATE ROLE ${staff}_other`,
      `GRANT ${staff} TO tenantseed_app`,
      `CREATE FUNCTION is_staff() RETURNS boolean LANGUAGE plpgsql STABLE AS $$ BEGIN RETURN pg_has_role(current_user, '${staff}', 'member'); END $$`,
      `CREATE POLICY staff_reads ON audit_logs FOR SELECT USING (is_staff())`,
      `CREATE POLICY admin_only ON users FOR SELECT USING (current_user = 'admin' OR pg_has_role('${staff}_other', 'member'))`,
      `CREATE POLICY auditors ON users FOR SELECT USING (current_user = ANY (ARRAY['auditor', 'root']::name[]))`,
    ]).finally(async () => {
      await knex!.raw(`DROP OWNED BY ${staff}`);
      await knex!.raw(`DROP ROLE ${staff}, ${staff}_other`);
    });
    const findings = isolationFindings(report);
    expect(findings).toContainEqual(`audit_logs: policy staff_reads admits every row to tenantseed_app: its branch pg_has_role(current_user, '${staff}', 'member') (in public.is_staff) is true for the application role`);
    expect(findings.filter((f) => f.startsWith('users:'))).toEqual([]);
    expect(report.checks.find((c) => c.name === 'isolation')!.details.roleBranches).toEqual(expect.arrayContaining([
      "admin_only on users: CURRENT_USER = 'admin'::name",
      `admin_only on users: pg_has_role('${staff}_other'::name, 'member'::text)`,
      "auditors on users: CURRENT_USER = ANY (ARRAY['auditor'::name, 'root'::name])",
    ]));
  });

  it('passes when the bypass applies only to a role the application role does not belong to', async () => {
    await knex?.destroy();
    const report = await (async () => {
      clone = await createScratchDatabase(testServer(), { template: seeded.name });
      knex = createKnex(clone.target);
      await knex.raw(`CREATE ROLE ${adminRole}`);
      try {
        await knex.raw(`CREATE POLICY admin_bypass ON documents TO ${adminRole} USING (current_setting('app.bypass_rls', true) = 'on')`);
        return await validateDatabase({ knex, definitions, checks: ['isolation'] });
      } finally {
        await knex.raw(`DROP POLICY admin_bypass ON documents`);
        await knex.raw(`DROP ROLE ${adminRole}`);
      }
    })();
    expect(isolationFindings(report)).toEqual([]);
    expect(report.ok).toBe(true);
  });
});
