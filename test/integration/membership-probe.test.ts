import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { resolveProjectConfig } from '../../src/config';
import { withTenant } from '../../src/db';
import { loadDefinitions } from '../../src/definitions';
import { settleTestDatabases } from '../../src/testing';
import { validateDatabase } from '../../src/validate';
import { useFileDatabase } from '../support/database';
import { REPO_ROOT, runCli } from '../support/run-cli';

interface Report { ok: boolean; checks: Array<{ name: string; ok: boolean; details: { summary: string; findings: Array<{ table?: string; message: string }>; membership?: string } }> }

/**
 * The membership refusal probe on test/fixtures/membership-app: raw SQL where the API signs a
 * user in (`app.current_user_id`) and enters an organization with set_organization_context($1),
 * which raises for an organization the user is no member of (through is_organization_member).
 * Introspected and seeded as a user would, then validated as is, and with the context function
 * broken: each break fails the new probe naming the function; without any membership check the
 * probe says it is not applicable.
 */
describe('validate: a context function must refuse a tenant the signed-in user is no member of', () => {
  const role = `probes_acme_api_${randomBytes(4).toString('hex')}`;
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-membership-app-'));
  afterAll(async () => {
    await settleTestDatabases();
    await db.knex.raw(`DROP OWNED BY ${role}`).catch(() => undefined);
    await db.knex.raw(`DROP ROLE IF EXISTS ${role}`);
    fs.rmSync(folder, { recursive: true, force: true });
  });
  const db = useFileDatabase();
  const cli = (args: string[]) => runCli(args, { cwd: folder, env: { DATABASE_URL: db.target.url }, timeoutMs: 180_000 });
  /** The isolation check, through the library (the probes' source, as the mutation run needs), as the project's config says. */
  const validate = async (): Promise<{ code: number; report: Report }> => {
    const project = resolveProjectConfig({ cwd: folder });
    const report = await validateDatabase({
      knex: db.knex, definitions: loadDefinitions(project.definitions), schemas: project.schemas, tenancy: project.tenancy, shared: project.validate?.shared, checks: ['isolation'],
    }) as unknown as Report;
    return { code: report.ok ? 0 : 1, report };
  };
  /** The same through the CLI: its exit code. */
  const validateCli = async () => {
    const run = await cli(['validate', '--env', 'development', '--check', 'isolation', '--json']);
    expect(run.stderr).not.toMatch(/^error/m);
    return run.code;
  };
  const isolation = (report: Report) => report.checks.find((c) => c.name === 'isolation')!;
  const original = `CREATE OR REPLACE FUNCTION set_organization_context(p_organization_id UUID) RETURNS VOID LANGUAGE plpgsql AS $$
    BEGIN
      IF NOT is_organization_member(p_organization_id) THEN
        RAISE EXCEPTION 'user % is not a member of organization %', current_setting('app.current_user_id', true), p_organization_id USING ERRCODE = 'insufficient_privilege';
      END IF;
      PERFORM set_config('app.current_organization_id', p_organization_id::text, true);
    END $$`;
  const skipping = `CREATE OR REPLACE FUNCTION set_organization_context(p_organization_id UUID) RETURNS VOID LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM set_config('app.current_organization_id', p_organization_id::text, true);
    END $$`;

  beforeAll(async () => {
    const dir = path.join(REPO_ROOT, 'test', 'fixtures', 'membership-app', 'migrations');
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) {
      await db.knex.raw(fs.readFileSync(path.join(dir, file), 'utf8').replace(/\bacme_api\b/g, role));
    }
    const introspect = await cli(['introspect', '--out', 'db']);
    expect(introspect.stderr).not.toMatch(/^error/m);
    expect(JSON.parse(fs.readFileSync(path.join(folder, 'tenantseed.config.json'), 'utf8')).tenancy)
      .toMatchObject({
        appRole: role, setting: 'app.current_organization_id', setContext: 'select set_organization_context($1)',
        membership: { table: 'memberships', tenantColumn: 'organization_id', userColumn: 'user_id', setting: 'app.current_user_id' },
      });
    expect(introspect.stdout).toMatch(/tenancy\.membership memberships\.user_id \(app\.current_user_id\): public\.set_organization_context refuses/);
    const reset = await cli(['reset', '--env', 'development']);
    expect(reset.stderr).not.toMatch(/^error/m);
    expect(reset.code).toBe(0);
  }, 600_000);

  it('passes the schema as written: a non-member is refused (the function raises), a member accepted', async () => {
    const { code, report } = await validate();
    expect(isolation(report).details.findings).toEqual([]);
    expect(isolation(report).details.membership).toMatch(/^refused: public\.set_organization_context raised 42501: user \S+ is not a member of organization \S+ for tenant \S+ with app\.current_user_id \(compared with user_id by public\.is_organization_member\) = '\S+', not a member of it \(a member of \S+: accepted\)$/);
    expect(code).toBe(0);
    expect(isolation(report).details).toMatchObject({ summary: expect.stringMatching(/; non-member refused$/) });
    expect(await validateCli()).toBe(0);
  });

  it('fails a context function that skips the membership check, naming it and the check it skips', async () => {
    await db.knex.raw(skipping);
    try {
      const { code, report } = await validate();
      expect(isolation(report).details.findings.map((f) => `${f.table}: ${f.message}`)).toEqual([
        expect.stringMatching(/^\w+: the context function public\.set_organization_context accepted tenant \S+ for app\.current_user_id \(compared with user_id by public\.is_organization_member\) = '\S+', who is not a member of it \(memberships has no row for them\): its rows became visible \((\w+: \d+, )+\w+: \d+\); the schema's membership check public\.is_organization_member is not applied by public\.set_organization_context$/),
      ]);
      expect(isolation(report).details.membership).toBe('failed: public.set_organization_context accepted a non-member');
      expect(code).toBe(1);
      expect(await validateCli()).toBe(1);
    } finally {
      await db.knex.raw(original);
    }
  });

  it('withTenant signs in a member first (tenancy.membership): the tenant\'s first member by default, a given user, a non-member refused', async () => {
    const tenancy = resolveProjectConfig({ cwd: folder }).tenancy;
    const a = (await db.knex.raw('SELECT min(organization_id::text) AS org FROM memberships')).rows[0].org as string;
    const own = Number((await db.knex.raw('SELECT count(*) AS n FROM projects WHERE organization_id = ?', [a])).rows[0].n);
    const seen = await withTenant(db.knex, a, async (trx) => ({
      projects: Number((await trx.raw('SELECT count(*) AS n FROM projects')).rows[0].n),
      user: (await trx.raw("SELECT current_setting('app.current_user_id', true) AS u")).rows[0].u as string,
    }), tenancy);
    expect(seen.projects).toBe(own);
    expect(seen.user).toBe((await db.knex.raw('SELECT min(user_id::text) AS u FROM memberships WHERE organization_id = ?', [a])).rows[0].u);
    const { outsider, other } = (await db.knex.raw(
      'SELECT u.id::text AS outsider, o.id::text AS other FROM users u CROSS JOIN organizations o WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.organization_id = o.id) ORDER BY 1, 2 LIMIT 1',
    )).rows[0] as { outsider: string; other: string };
    await expect(withTenant(db.knex, other, (trx) => trx.raw('SELECT 1'), tenancy, { user: outsider })).rejects.toThrow(/is not a member of organization/);
    await expect(withTenant(db.knex, a, (trx) => trx.raw('SELECT 1'), { ...tenancy, membership: undefined })).rejects.toThrow(/is not a member of organization/);
    await expect(withTenant(db.knex, a, (trx) => trx.raw('SELECT 1'), { ...tenancy, membership: undefined }, { user: outsider })).rejects.toThrow(/\{ user \} names the signed-in user, which needs tenancy\.membership/);
  });

  it('fails a check that never raises (its result ignored: PERFORM)', async () => {
    await db.knex.raw(original.replace(/IF NOT is_organization_member\(p_organization_id\) THEN[\s\S]*?END IF;/, 'PERFORM is_organization_member(p_organization_id);'));
    try {
      const { code, report } = await validate();
      expect(isolation(report).details.findings.map((f) => f.message)).toEqual([expect.stringMatching(/^the context function public\.set_organization_context accepted tenant \S+ for app\.current_user_id .* its rows became visible \(.*\)$/)]);
      expect(code).toBe(1);
    } finally {
      await db.knex.raw(original);
    }
  });

  it('fails as "nothing proven" where even a member is refused: the function wants more than the user the probe names', async () => {
    await db.knex.raw(original.replace('IF NOT is_organization_member(p_organization_id) THEN', "IF NOT is_organization_member(p_organization_id) OR current_setting('app.session_token', true) IS NULL THEN"));
    try {
      const { code, report } = await validate();
      expect(isolation(report).details.findings.map((f) => `${f.table}: ${f.message}`)).toContainEqual(
        "memberships: the membership refusal of public.set_organization_context proves nothing: with app.current_user_id (compared with user_id by public.is_organization_member) naming a member, tenancy.setContext (select set_organization_context($1)) refused the member's own tenant too (or left app.current_organization_id unset)",
      );
      expect(isolation(report).details.findings).toContainEqual(expect.objectContaining({ message: expect.stringMatching(/^setting tenant \S+ \(select set_organization_context\(\$1\)\) failed with 42501: user \S+ is not a member of organization \S+$/) }));
      expect(isolation(report).details.membership).toBe('not proven: even a member was refused');
      expect(code).toBe(1);
    } finally {
      await db.knex.raw(original);
    }
  });

  it('passes a context function that refuses silently: for a non-member it sets no tenant, or a tenant of no rows', async () => {
    for (const [refusal, left] of [['RETURN;', 'unset'], ["PERFORM set_config('app.current_organization_id', '00000000-0000-0000-0000-000000000000', true); RETURN;", "'00000000-0000-0000-0000-000000000000'"]]) {
      await db.knex.raw(original.replace(/RAISE EXCEPTION[^;]*;/, refusal));
      try {
        const { code, report } = await validate();
        expect(isolation(report).details.findings).toEqual([]);
        expect(isolation(report).details.membership).toMatch(new RegExp(`^refused: public\\.set_organization_context left app\\.current_organization_id ${left} and showed none of its rows for tenant \\S+ with app\\.current_user_id`));
        expect(code).toBe(0);
      } finally {
        await db.knex.raw(original);
      }
    }
  });

  it('fails as "nothing proven" where the context function sets another variable (a member is accepted, its tenant never set)', async () => {
    await db.knex.raw(original.replace("set_config('app.current_organization_id'", "set_config('app.current_org_id'"));
    try {
      const { code, report } = await validate();
      expect(isolation(report).details.membership).toBe('not proven: even a member was refused');
      expect(code).toBe(1);
    } finally {
      await db.knex.raw(original);
    }
  });

  it('fails where the check is gone from the schema altogether, since tenancy.membership (written by introspect) declares the rule', async () => {
    await db.knex.raw(skipping);
    await db.knex.raw('DROP FUNCTION is_organization_member(uuid)');
    try {
      const { code, report } = await validate();
      expect(isolation(report).details.findings.map((f) => `${f.table}: ${f.message}`)).toEqual([
        expect.stringMatching(/^\w+: the context function public\.set_organization_context accepted tenant \S+ for app\.current_user_id \(tenancy\.membership: a member has a row in memberships\.user_id\) = '\S+', who is not a member of it \(memberships has no row for them\): its rows became visible \(.*\); no function of the schema compares memberships\.user_id with app\.current_user_id any more \(tenancy\.membership declares the rule\)$/),
      ]);
      expect(isolation(report).details.membership).toBe('failed: public.set_organization_context accepted a non-member');
      expect(code).toBe(1);
      expect(await validateCli()).toBe(1);
    } finally {
      await db.knex.raw(fs.readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'membership-app', 'migrations', '002_organization_context.sql'), 'utf8')
        .match(/CREATE FUNCTION is_organization_member[\s\S]*?\$\$;/)![0]);
      await db.knex.raw(`GRANT EXECUTE ON FUNCTION is_organization_member(UUID) TO ${role}`);
      await db.knex.raw(original);
    }
  });

  it('fails, naming the config, where tenancy.membership names a table or column the schema does not have', async () => {
    const file = path.join(folder, 'tenantseed.config.json');
    const config = fs.readFileSync(file, 'utf8');
    try {
      for (const [membership, cause] of [
        [{ table: 'members', tenantColumn: 'organization_id', userColumn: 'user_id', setting: 'app.current_user_id' }, /tenancy\.membership \(members\.user_id, app\.current_user_id\) names a table the schemas do not hold/],
        [{ table: 'memberships', tenantColumn: 'organization_id', userColumn: 'member_id', setting: 'app.current_user_id' }, /memberships has no column member_id/],
      ] as const) {
        const parsed = JSON.parse(config);
        fs.writeFileSync(file, JSON.stringify({ ...parsed, tenancy: { ...parsed.tenancy, membership } }));
        const { code, report } = await validate();
        expect(isolation(report).details.membership).toMatch(/^not proven: /);
        expect(isolation(report).details.findings.map((f) => f.message)).toContainEqual(expect.stringMatching(cause));
        expect(code).toBe(1);
      }
    } finally {
      fs.writeFileSync(file, config);
    }
  });

  it('says "not applicable" (not a pass of the probe) where the schema has no membership check at all and the config declares none', async () => {
    const file = path.join(folder, 'tenantseed.config.json');
    const config = fs.readFileSync(file, 'utf8');
    const parsed = JSON.parse(config);
    delete parsed.tenancy.membership;
    fs.writeFileSync(file, JSON.stringify(parsed));
    await db.knex.raw(skipping);
    await db.knex.raw('DROP FUNCTION is_organization_member(uuid)');
    try {
      const { report } = await validate();
      expect(isolation(report).details.membership).toMatch(/^not applicable: no membership check: neither public\.set_organization_context \(what tenancy\.setContext calls\) nor any other function/);
      expect(isolation(report).details.findings).toEqual([]);
      expect(isolation(report).details).toMatchObject({ summary: expect.stringMatching(/; non-member not applicable$/) });
    } finally {
      fs.writeFileSync(file, config);
    }
  });
});
