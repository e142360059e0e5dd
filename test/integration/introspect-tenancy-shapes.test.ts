import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { DEFAULT_TENANCY, readProjectConfig, shippedProjectConfig } from '../../src/config';
import { createKnex, withTenant } from '../../src/db';
import { SafetyError } from '../../src/errors';
import { createScratchDatabase, createTestDatabase, ScratchDatabase } from '../../src/testing';
import { testServer } from '../support/database';
import { runCli } from '../support/run-cli';

/**
 * Schemas as three tools write them, introspected through the CLI: raw SQL whose policies read
 * the tenant through functions (and set it through one), Alembic's admin-bypass policy to the
 * superuser beside an application role, and Knex tables whose `tenant` column has no foreign
 * key in a third of them. Roles are cluster-wide: each gets a random suffix and is dropped.
 */
const suffix = randomBytes(4).toString('hex');
const password = randomBytes(12).toString('hex');

interface Scratch { scratch: ScratchDatabase; knex: Knex; roles: string[] }

function useSchema(sql: (roles: Record<string, string>) => string, roleNames: string[]): { get: () => Scratch; roles: Record<string, string> } {
  const roles = Object.fromEntries(roleNames.map((r) => [r, `ts_${r}_${suffix}`]));
  let state: Scratch | undefined;
  beforeAll(async () => {
    const scratch = await createScratchDatabase(testServer());
    const knex = createKnex(scratch.target, { poolMax: 4 });
    state = { scratch, knex, roles: Object.values(roles) };
    await knex.raw(sql(roles));
  });
  afterAll(async () => {
    if (!state) return;
    for (const role of state.roles) await state.knex.raw(`DROP OWNED BY ${role}`).catch(() => undefined);
    await state.knex.destroy();
    await state.scratch.drop();
    const server = createKnex(testServer(), { poolMax: 1 });
    for (const role of state.roles) await server.raw(`DROP ROLE IF EXISTS ${role}`);
    await server.destroy();
  });
  return { get: () => state!, roles };
}

async function introspect(url: string): Promise<{ dir: string; config: Record<string, any>; definition: (table: string) => Record<string, any>; stdout: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-shapes-'));
  const run = await runCli(['introspect', '--out', dir], { cwd: dir, env: { DATABASE_URL: url } });
  expect(run.stderr).not.toMatch(/^error/m);
  expect(run.code).toBe(0);
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'tenantseed.config.json'), 'utf8'));
  const definitions = path.resolve(dir, config.definitions);
  return { dir, config, stdout: run.stdout, definition: (table) => JSON.parse(fs.readFileSync(path.join(definitions, `${table}.json`), 'utf8')) };
}

describe('raw SQL whose policies call context functions', () => {
  const db = useSchema((r) => `
    CREATE ROLE ${r.web} LOGIN PASSWORD '${password}' NOSUPERUSER NOBYPASSRLS;
    CREATE TABLE organizations (id uuid PRIMARY KEY, slug text NOT NULL UNIQUE, name text NOT NULL);
    CREATE TABLE projects (organization_id uuid NOT NULL REFERENCES organizations (id), id uuid NOT NULL, title text NOT NULL, PRIMARY KEY (organization_id, id));
    CREATE TABLE documents (organization_id uuid NOT NULL, id uuid NOT NULL, project_id uuid NOT NULL, body text NOT NULL,
      PRIMARY KEY (organization_id, id), FOREIGN KEY (organization_id, project_id) REFERENCES projects (organization_id, id));
    CREATE FUNCTION get_current_organization_context() RETURNS uuid LANGUAGE sql STABLE
      AS $$ SELECT nullif(current_setting('app.current_organization_id', true), '')::uuid $$;
    CREATE FUNCTION set_org_context(org uuid) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM set_config('app.current_organization_id', org::text, true);
        PERFORM set_config('app.context_by', 'set_org_context', true);
      END $$;
    ALTER TABLE projects ENABLE ROW LEVEL SECURITY; ALTER TABLE projects FORCE ROW LEVEL SECURITY;
    ALTER TABLE documents ENABLE ROW LEVEL SECURITY; ALTER TABLE documents FORCE ROW LEVEL SECURITY;
    CREATE POLICY org_isolation ON projects USING (organization_id = get_current_organization_context()) WITH CHECK (organization_id = get_current_organization_context());
    CREATE POLICY org_isolation ON documents USING (organization_id = get_current_organization_context()) WITH CHECK (organization_id = get_current_organization_context());
    GRANT SELECT, INSERT, UPDATE, DELETE ON organizations, projects, documents TO ${r.web};
  `, ['web']);

  it('drafts the setting read through the function, setContext from the function that sets it, and the granted role', async () => {
    const { config, definition } = await introspect(db.get().scratch.target.url);
    expect(config.tenancy).toEqual({ setting: 'app.current_organization_id', setContext: 'select set_org_context($1)', appRole: db.roles.web });
    expect(definition('projects')['x-tenant-column']).toBe('organization_id');
    expect(definition('documents')['x-tenant-column']).toBe('organization_id');
    expect(definition('organizations')['x-tenant-root']).toBe(true);
  });

  it('withTenant sets the tenant through setContext, as the application role, and a nested call restores the outer tenant', async () => {
    const { knex } = db.get();
    const [a, b] = [randomUUID(), randomUUID()];
    await knex.raw(`INSERT INTO organizations VALUES (?, 'a', 'A'), (?, 'b', 'B')`, [a, b]);
    await knex.raw(`INSERT INTO projects VALUES (?, ?, 'pa'), (?, ?, 'pb1'), (?, ?, 'pb2')`, [a, randomUUID(), b, randomUUID(), b, randomUUID()]);
    const { dir } = await introspect(db.get().scratch.target.url);
    const tenancy = readProjectConfig(path.join(dir, 'tenantseed.config.json')).tenancy;
    const seen = await withTenant(knex, a, async (trx) => {
      const context = (await trx.raw(`SELECT current_user AS role, current_setting('app.context_by', true) AS by`)).rows[0];
      const inner = await withTenant(trx, b, async (t) => (await t('projects').select('title')).map((r) => r.title).sort(), tenancy);
      const outer = (await trx('projects').select('title')).map((r) => r.title);
      return { context, inner, outer };
    }, tenancy);
    expect(seen.context).toEqual({ role: db.roles.web, by: 'set_org_context' });
    expect(seen.inner).toEqual(['pb1', 'pb2']);
    expect(seen.outer).toEqual(['pa']);
  });
});

describe('Alembic with an admin-bypass policy to the superuser', () => {
  const db = useSchema((r) => `
    CREATE ROLE ${r.svc} LOGIN PASSWORD '${password}' NOSUPERUSER NOBYPASSRLS;
    CREATE ROLE ${r.ops} LOGIN PASSWORD '${password}' NOSUPERUSER NOBYPASSRLS;
    CREATE ROLE ${r.admin} NOLOGIN BYPASSRLS;
    CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);
    CREATE TABLE tenants (tenant_id uuid PRIMARY KEY, slug varchar(63) NOT NULL UNIQUE);
    CREATE TABLE users (tenant_id uuid NOT NULL REFERENCES tenants (tenant_id), user_id uuid NOT NULL, email varchar(255) NOT NULL,
      PRIMARY KEY (tenant_id, user_id), UNIQUE (tenant_id, email));
    CREATE TABLE notes (tenant_id uuid NOT NULL REFERENCES tenants (tenant_id), note_id uuid NOT NULL, body text NOT NULL, PRIMARY KEY (tenant_id, note_id));
    DO $$ DECLARE t text; BEGIN
      FOREACH t IN ARRAY ARRAY['users', 'notes'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_setting(''app.current_tenant'')::uuid)', t);
        EXECUTE format('CREATE POLICY admin_bypass ON %I TO %I, ${r.ops} USING (true)', t, current_user);
      END LOOP;
    END $$;
    GRANT SELECT, INSERT, UPDATE, DELETE ON tenants, users, notes TO ${r.ops}, ${r.admin};
    GRANT SELECT, INSERT, UPDATE, DELETE ON users, notes TO ${r.svc};
  `, ['svc', 'ops', 'admin']);

  it('makes the granted role subject to the policies the application role, not the superuser nor a role only the bypass names', async () => {
    const { config, stdout } = await introspect(db.get().scratch.target.url);
    expect(config.tenancy).toEqual({ setting: 'app.current_tenant', appRole: db.roles.svc, adminRole: db.roles.admin });
    expect(stdout).toContain(`${db.roles.admin} (BYPASSRLS), ${db.roles.ops} (named only by a policy that does not compare the tenant)`);
  });
});

describe('Knex tables whose tenant column has no foreign key in a third of them', () => {
  const db = useSchema((r) => `
    CREATE ROLE ${r.api} LOGIN PASSWORD '${password}' NOSUPERUSER NOBYPASSRLS;
    CREATE TABLE knex_migrations (id serial PRIMARY KEY, name varchar(255));
    CREATE TABLE tenants (id uuid PRIMARY KEY, slug varchar(255) NOT NULL UNIQUE);
    CREATE TABLE tasks (tenant uuid NOT NULL REFERENCES tenants (id), task_id uuid NOT NULL, title text NOT NULL, PRIMARY KEY (tenant, task_id));
    CREATE TABLE boards (tenant uuid NOT NULL REFERENCES tenants (id), board_id uuid NOT NULL, name text NOT NULL, PRIMARY KEY (tenant, board_id));
    CREATE TABLE labels (tenant uuid NOT NULL REFERENCES tenants (id), label_id uuid NOT NULL, name text NOT NULL, PRIMARY KEY (tenant, label_id));
    CREATE TABLE comments (tenant uuid NOT NULL, comment_id uuid NOT NULL, body text NOT NULL, PRIMARY KEY (tenant, comment_id));
    CREATE TABLE audit_events (event_id bigserial PRIMARY KEY, tenant uuid NOT NULL, kind text NOT NULL);
    CREATE TABLE countries (id uuid PRIMARY KEY, code char(2) NOT NULL UNIQUE);
    DO $$ DECLARE t text; BEGIN
      FOREACH t IN ARRAY ARRAY['tasks', 'boards', 'labels', 'comments', 'audit_events'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_policy ON %I USING (tenant = current_setting(''app.tenant'', true)::uuid)', t);
      END LOOP;
    END $$;
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${r.api};
  `, ['api']);

  it('drafts the FK-less tenant columns as tenant columns, and the shared table without one', async () => {
    const { definition, stdout } = await introspect(db.get().scratch.target.url);
    for (const t of ['tasks', 'boards', 'labels', 'comments', 'audit_events']) expect([t, definition(t)['x-tenant-column']]).toEqual([t, 'tenant']);
    expect(definition('countries')['x-tenant-column']).toBeUndefined();
    expect(stdout).toMatch(/comments: tenant column tenant \(no foreign key to tenants\)/);
    expect(stdout).not.toMatch(/do not generate/);
  });
});

describe('withTenant refuses roles that row-level security does not apply to', () => {
  const db = useSchema((r) => `CREATE ROLE ${r.bypass} NOLOGIN BYPASSRLS; CREATE ROLE ${r.plain} NOLOGIN;`, ['bypass', 'plain']);

  it('as a superuser or a BYPASSRLS role in place of the application role: a SafetyError naming the role, and the callback never runs', async () => {
    const { knex } = db.get();
    const superuser = (await knex.raw('SELECT current_user AS u')).rows[0].u as string;
    const tenancy = { setting: 'app.tenant', appRole: superuser, adminRole: db.roles.bypass };
    let ran = false;
    const run = (appRole: string) => withTenant(knex, randomUUID(), async () => { ran = true; }, { ...tenancy, appRole });
    await expect(run(superuser)).rejects.toThrow(SafetyError);
    await expect(run(superuser)).rejects.toThrow(`the application role "${superuser}" is a superuser`);
    await expect(run(db.roles.bypass)).rejects.toThrow(`the application role "${db.roles.bypass}" is a role with BYPASSRLS`);
    expect(ran).toBe(false);
    await expect(run(db.roles.plain)).resolves.toBeUndefined();
    expect(ran).toBe(true);
  });

  it('the testing API\'s withTenant too, for a project whose application role is a superuser', async () => {
    const superuser = (await db.get().knex.raw('SELECT current_user AS u')).rows[0].u as string;
    const config = { ...shippedProjectConfig(), tenancy: { ...DEFAULT_TENANCY, appRole: superuser } };
    const test = await createTestDatabase({ config, env: 'test', poolSize: 0 });
    try {
      const acme = test.fixtures.tenant('acme').id;
      await expect(test.withTenant(acme, (trx) => trx('users').select('tenant_id'))).rejects.toThrow(`the application role "${superuser}" is a superuser`);
    } finally {
      await test.destroy();
    }
  });

  it('the testing API\'s asApp and make(..., { asApp: true }) too, as a superuser or a BYPASSRLS role: refused, nothing inserted', async () => {
    const superuser = (await db.get().knex.raw('SELECT current_user AS u')).rows[0].u as string;
    for (const [appRole, what] of [[superuser, 'a superuser'], [db.roles.bypass, 'a role with BYPASSRLS']] as const) {
      const config = { ...shippedProjectConfig(), tenancy: { ...DEFAULT_TENANCY, appRole } };
      const test = await createTestDatabase({ config, env: 'test', poolSize: 0 });
      try {
        const before = (await test.knex('documents').count({ n: '*' }))[0].n;
        await expect(test.asApp('acme')).rejects.toThrow(`the application role "${appRole}" is ${what}`);
        await expect(test.make('documents', { title: 'never' }, { tenant: 'acme', asApp: true })).rejects.toThrow(`the application role "${appRole}" is ${what}`);
        expect((await test.knex('documents').count({ n: '*' }))[0].n).toBe(before);
      } finally {
        await test.destroy();
      }
    }
  });
});
