import type { Knex } from 'knex';
import { DEFAULT_TENANCY, TenancyNames } from '../../src/config';
import { createKnex } from '../../src/db';
import { loadDefinitions, loadProfile } from '../../src/definitions';
import { buildPlan } from '../../src/generate';
import { createScratchDatabase, ScratchDatabase } from '../../src/testing';
import { validateDatabase, ValidationReport } from '../../src/validate';
import { resetDatabase } from '../../src/workflows';
import { testServer } from '../support/database';
import { SHIPPED_DEFINITIONS, SHIPPED_ENVIRONMENTS } from '../support/datasets';

const definitions = loadDefinitions(SHIPPED_DEFINITIONS);

/**
 * Each isolation probe, on a database broken exactly the way that probe is there to catch:
 * each test fails when its probe is taken out of checkIsolation (each was, once).
 */
describe('every isolation probe fails the database broken its way', () => {
  let seeded: ScratchDatabase;
  let clone: ScratchDatabase | undefined;
  let knex: Knex | undefined;

  beforeAll(async () => {
    seeded = await createScratchDatabase(testServer(), { prefix: 'tenantseed_probes' });
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

  afterEach(async () => {
    await knex?.destroy();
    await clone?.drop();
    knex = undefined;
    clone = undefined;
  });

  /** The isolation check's messages on a copy of the seeded database broken by `sql`. */
  async function isolation(sql: string[], tenancy: TenancyNames = DEFAULT_TENANCY): Promise<string[]> {
    clone = await createScratchDatabase(testServer(), { template: seeded.name });
    knex = createKnex(clone.target);
    for (const statement of sql) await knex.raw(statement);
    const report: ValidationReport = await validateDatabase({ knex, definitions, tenancy, checks: ['isolation'] });
    const check = report.checks.find((c) => c.name === 'isolation')!;
    const messages = check.details.findings.map((f) => `${f.table}: ${f.message}`);
    expect(check.ok).toBe(messages.length === 0);
    return messages;
  }

  it('passes the database as seeded, with and without a context function that sets the tenant locally', async () => {
    expect(await isolation([])).toEqual([]);
    await knex!.destroy();
    await clone!.drop();
    expect(await isolation([
      `CREATE FUNCTION set_tenant_locally(t text) RETURNS void LANGUAGE sql AS $$ SELECT set_config('app.current_tenant_id', t, true) $$`,
    ], { ...DEFAULT_TENANCY, setContext: 'select set_tenant_locally($1)' })).toEqual([]);
  });

  it('foreign rows visible: a permissive SELECT policy that shows other tenants\' rows', async () => {
    const messages = await isolation([`CREATE POLICY leak ON audit_logs FOR SELECT USING (action = 'login')`]);
    expect(messages).toContainEqual(expect.stringMatching(/^audit_logs: sees \d+ row\(s\) of other tenants: policy leak \(to PUBLIC\) admits \d+ of them: USING \(action = 'login'::text\)$/));
  });

  it('UPDATE across tenants: an UPDATE policy USING (true)', async () => {
    const messages = await isolation([`CREATE POLICY leak ON audit_logs FOR UPDATE USING (true)`]);
    // Moved to the tenant's own id, audit_logs rows still name another tenant's user: the foreign key says so.
    expect(messages).toContainEqual(expect.stringMatching(/^audit_logs: an UPDATE without WHERE (touched \d+ row\(s\), \d+ of them its own|reached other tenants' rows \(it failed with 23503 setting its own id\))$/));
  });

  it('UPDATE and DELETE of a named tenant\'s rows: a policy for every command USING (true)', async () => {
    const messages = await isolation([`CREATE POLICY leak ON audit_logs USING (true)`]);
    expect(messages).toContainEqual(expect.stringMatching(/^audit_logs: updated \d+ row\(s\) of tenant /));
    expect(messages).toContainEqual(expect.stringMatching(/^audit_logs: deleted \d+ row\(s\) of tenant /));
  });

  it('DELETE across tenants: a DELETE policy USING (true)', async () => {
    const messages = await isolation([`CREATE POLICY leak ON audit_logs FOR DELETE USING (true)`]);
    expect(messages).toContainEqual(expect.stringMatching(/^audit_logs: a DELETE without WHERE touched \d+ row\(s\), \d+ of them its own$/));
  });

  it('INSERT with another tenant\'s id: a policy whose WITH CHECK is true', async () => {
    const messages = await isolation([`ALTER POLICY tenant_isolation ON audit_logs WITH CHECK (true)`]);
    // The copied row still names its own tenant's user: the foreign key refuses it, not the policy.
    expect(messages).toContainEqual(expect.stringMatching(/^audit_logs: inserting a row of tenant \S+ failed with 23503, not with a row-level security violation$/));
  });

  it('one statement at a time, for an application role that may not run PL/pgSQL: the same findings as the batch', async () => {
    // The probes run in server-side batches (DO blocks, each statement in a subtransaction rolled
    // back); without USAGE on plpgsql the application role cannot run one, and each probe is sent alone.
    const broken = [
      `CREATE POLICY leak ON audit_logs FOR SELECT USING (action = 'login')`,
      'CREATE POLICY leak ON documents USING (true)',
      `ALTER POLICY tenant_isolation ON content_blocks USING (tenant_id::text = current_setting('app.current_tenant_id', true)::int::text)`,
      `ALTER POLICY tenant_isolation ON users WITH CHECK (true)`,
      `CREATE POLICY untenanted ON projects FOR SELECT USING (current_setting('app.current_tenant_id', true) IS NULL)`,
    ];
    const batched = await isolation(broken);
    await knex!.destroy();
    await clone!.drop();
    const oneByOne = await isolation([...broken, 'REVOKE USAGE ON LANGUAGE plpgsql FROM PUBLIC']);
    for (const found of [/^audit_logs: sees \d+ row\(s\) of other tenants: policy leak/, /^documents: deleted \d+ row\(s\) of tenant /, /^content_blocks: probing as tenant \S+ failed with 22P02: /,
      /^users: inserted a row of tenant \S+$/, /^projects: without a tenant, \d+ row\(s\) are visible$/]) {
      expect(batched).toContainEqual(expect.stringMatching(found));
    }
    expect(oneByOne).toEqual(batched);
  });

  it('rows without a tenant: a policy that shows rows when no tenant is set', async () => {
    const messages = await isolation([`CREATE POLICY untenanted ON audit_logs FOR SELECT USING (current_setting('app.current_tenant_id', true) IS NULL)`]);
    expect(messages).toContainEqual(expect.stringMatching(/^audit_logs: without a tenant, \d+ row\(s\) are visible$/));
  });

  it('the tenant root without a tenant: a root policy that falls back to every row (COALESCE(setting, id))', async () => {
    const messages = await isolation([
      `ALTER POLICY tenant_isolation ON tenants USING (id = COALESCE(nullif(current_setting('app.current_tenant_id', true), '')::uuid, id))`,
      'GRANT UPDATE, DELETE ON tenants TO tenantseed_app',
    ]);
    expect(messages).toContainEqual(expect.stringMatching(/^tenants: without a tenant, \d+ row\(s\) are visible$/));
    expect(messages).toContainEqual(expect.stringMatching(/^tenants: without a tenant, UPDATE touched \d+ row\(s\) of the tenant root$/));
    // With a tenant set the policy holds: each tenant sees and touches its own root row only.
    expect(messages.filter((m) => !m.includes('without a tenant'))).toEqual([]);
  });

  it('the tenant root with a tenant set: UPDATE and DELETE policies USING (true) on the root', async () => {
    const messages = await isolation([
      'CREATE POLICY leak_update ON tenants FOR UPDATE USING (true)',
      'CREATE POLICY leak_delete ON tenants FOR DELETE USING (true)',
      'GRANT UPDATE, DELETE ON tenants TO tenantseed_app',
    ]);
    expect(messages).toContainEqual(expect.stringMatching(/^tenants: an UPDATE of the tenant root without WHERE (reached other tenants' rows \(it failed with 23505 setting its own id\)|touched \d+ row\(s\))$/));
    // Without a tenant the DELETE policy reaches every root row (the foreign keys cascade, or refuse: 23503).
    expect(messages).toContainEqual(expect.stringMatching(/^tenants: without a tenant, DELETE (touched \d+ row\(s\) of the tenant root|reached rows \(it failed with 23503)/));
  });

  it('a policy that reads the setting without missing_ok: the error with no tenant set is nothing visible', async () => {
    expect(await isolation([
      `ALTER POLICY tenant_isolation ON audit_logs USING (tenant_id = current_setting('app.current_tenant_id')::uuid) WITH CHECK (tenant_id = current_setting('app.current_tenant_id')::uuid)`,
    ])).toEqual([]);
  });

  it('any other error with no tenant set stays a failure naming the table and the error', async () => {
    const messages = await isolation([
      `CREATE POLICY broken ON audit_logs FOR SELECT USING (1 / length(coalesce(current_setting('app.current_tenant_id', true), '')) > 0)`,
    ]);
    expect(messages).toContainEqual(expect.stringMatching(/^audit_logs: without a tenant, reading it failed with 22012: division by zero$/));
  });

  it('a policy that casts the tenant id to a type the ids are not: a finding with a hint, not a crash', async () => {
    clone = await createScratchDatabase(testServer(), { template: seeded.name });
    knex = createKnex(clone.target);
    await knex.raw(`ALTER POLICY tenant_isolation ON audit_logs USING (tenant_id::text = current_setting('app.current_tenant_id', true)::int::text)`);
    const report = await validateDatabase({ knex, definitions, tenancy: DEFAULT_TENANCY, checks: ['isolation'] });
    const check = report.checks.find((c) => c.name === 'isolation')!;
    expect(check.ok).toBe(false);
    expect(check.details.findings.map((f) => `${f.table}: ${f.message}`)).toContainEqual(expect.stringMatching(/^audit_logs: probing as tenant \S+ failed with 22P02: invalid input syntax for type integer/));
    expect(check.details.hint).toMatch(/casts the tenant id to a type the tenant ids are not.*"format": "uuid"/);
  });

  it('an application role without grants: the finding and the hint name the role, not the URL\'s user', async () => {
    clone = await createScratchDatabase(testServer(), { template: seeded.name });
    knex = createKnex(clone.target);
    await knex.raw('REVOKE ALL ON audit_logs FROM tenantseed_app');
    const report = await validateDatabase({ knex, definitions, tenancy: DEFAULT_TENANCY, checks: ['isolation'] });
    const check = report.checks.find((c) => c.name === 'isolation')!;
    expect(check.ok).toBe(false);
    expect(check.details.findings.map((f) => `${f.table}: ${f.message}`)).toEqual(['audit_logs: tenantseed_app has no SELECT privilege on it']);
    expect(check.details.hint).toMatch(/GRANT SELECT, INSERT, UPDATE, DELETE ON audit_logs TO "?tenantseed_app"?\), or name the role your application connects as in tenancy.appRole/);
  });

  it('pooled connection: a context function that sets the tenant for the session (set_config(..., false))', async () => {
    const messages = await isolation([
      `CREATE FUNCTION set_tenant_for_session(t text) RETURNS void LANGUAGE sql AS $$ SELECT set_config('app.current_tenant_id', t, false) $$`,
    ], { ...DEFAULT_TENANCY, setContext: 'select set_tenant_for_session($1)' });
    expect(messages).toContainEqual(expect.stringMatching(/^audit_logs: after COMMIT, the next transaction on the same connection sees \d+ row\(s\) with no tenant set: tenancy.setContext \(select set_tenant_for_session\(\$1\)\) outlives its transaction/));
    // A rolled-back transaction takes its session settings with it (PostgreSQL undoes SET on abort).
    expect(messages.filter((m) => m.includes('after ROLLBACK'))).toEqual([]);
  });

  it('foreign rows name their cause: row-level security disabled, a policy to a role the application role belongs to, a context call that ignores its tenant', async () => {
    expect(await isolation(['ALTER TABLE audit_logs DISABLE ROW LEVEL SECURITY'])).toContainEqual(
      expect.stringMatching(/^audit_logs: sees \d+ row\(s\) of other tenants: row-level security is disabled on it$/));
    await knex!.destroy();
    await clone!.drop();
    const member = `tenantseed_probes_member_${process.pid}`;
    try {
      expect(await isolation([`CREATE ROLE ${member} NOLOGIN`, `GRANT ${member} TO tenantseed_app`, `CREATE POLICY members_read ON audit_logs FOR SELECT TO ${member} USING (true)`])).toContainEqual(
        expect.stringMatching(new RegExp(`^audit_logs: sees \\d+ row\\(s\\) of other tenants: policy members_read \\(to ${member}\\) admits \\d+ of them: USING \\(true\\)$`)));
    } finally {
      await knex!.destroy();
      await clone!.drop();
      const server = createKnex(testServer());
      await server.raw(`DROP ROLE IF EXISTS ${member}`).finally(() => server.destroy());
    }
    // Whichever tenant it is given, it sets the first one.
    const messages = await isolation([
      `CREATE FUNCTION set_first_tenant(t text) RETURNS void LANGUAGE sql SECURITY DEFINER AS $$ SELECT set_config('app.current_tenant_id', (SELECT min(id::text) FROM tenants), true) $$`,
    ], { ...DEFAULT_TENANCY, setContext: 'select set_first_tenant($1)' });
    // The first tenant may have no rows in a table: then the others see none of their own, for the same cause.
    expect(messages).toContainEqual(expect.stringMatching(/^audit_logs: sees (\d+ row\(s\) of other tenants|0 of its \d+ rows): tenancy.setContext \(select set_first_tenant\(\$1\)\) ignores the tenant it is given: called for \S+, it left app.current_tenant_id = '/));
    expect(messages).toContainEqual(expect.stringMatching(/^documents: sees \d+ row\(s\) of other tenants: tenancy.setContext \(select set_first_tenant\(\$1\)\) ignores the tenant it is given/));
  });
});
