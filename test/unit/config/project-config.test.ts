import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_TENANCY, resolveProjectConfig, shippedProjectConfig } from '../../../src/config';

function project(config: Record<string, unknown>, folders = ['db/migrations', 'db/definitions', 'db/environments']): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-config-'));
  for (const folder of folders) fs.mkdirSync(path.join(dir, folder), { recursive: true });
  fs.writeFileSync(path.join(dir, 'tenantseed.config.json'), JSON.stringify(config));
  return dir;
}

const FOLDERS = { migrations: 'db/migrations', definitions: 'db/definitions', environments: 'db/environments' };

describe('the project config', () => {
  it('is the shipped reference project when there is none', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-none-'));
    expect(resolveProjectConfig({ cwd: empty, env: {} })).toEqual(shippedProjectConfig());
    expect(shippedProjectConfig().tenancy).toEqual({ setting: 'app.current_tenant_id', appRole: 'tenantseed_app', adminRole: 'tenantseed_admin' });
  });

  it('is found in the nearest parent folder; paths are relative to the file; tenancy defaults per key', () => {
    const dir = project({ ...FOLDERS, tenancy: { setting: 'app.current_company_id' } });
    const config = resolveProjectConfig({ cwd: path.join(dir, 'db', 'definitions'), env: {} });
    expect(config.file).toBe(path.join(dir, 'tenantseed.config.json'));
    expect(config.migrations).toBe(path.join(dir, 'db', 'migrations'));
    expect(config.schemas).toEqual(['public']);
    expect(config.tenancy).toEqual({ ...DEFAULT_TENANCY, setting: 'app.current_company_id' });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads validate.accept: advice accepted with a reason, for one table or all', () => {
    const accept = [{ rule: 'TS-K02', table: 'users', reason: 'e-mails are global logins' }, { rule: 'TS-R01', reason: 'only migrations own tables' }];
    const config = resolveProjectConfig({ cwd: project({ ...FOLDERS, validate: { accept } }), env: {} });
    expect(config.validate?.accept).toEqual(accept);
    expect(resolveProjectConfig({ cwd: project(FOLDERS), env: {} }).validate?.accept).toEqual([]);
  });

  it('prefers --config over TENANTSEED_CONFIG over the search', () => {
    const a = project({ ...FOLDERS, schemas: ['a'] });
    const b = project({ ...FOLDERS, schemas: ['b'] });
    const c = project({ ...FOLDERS, schemas: ['c'] });
    const env = { TENANTSEED_CONFIG: path.join(b, 'tenantseed.config.json') };
    expect(resolveProjectConfig({ cwd: c, env, configFile: path.join(a, 'tenantseed.config.json') }).schemas).toEqual(['a']);
    expect(resolveProjectConfig({ cwd: c, env }).schemas).toEqual(['b']);
    expect(resolveProjectConfig({ cwd: c, env: {} }).schemas).toEqual(['c']);
  });

  it('takes the tenant column and the SQL that sets the tenant (tenancy.column, tenancy.setContext)', () => {
    const dir = project({ ...FOLDERS, tenancy: { column: 'tenant', setContext: 'select set_org_context($1)' } });
    expect(resolveProjectConfig({ cwd: dir, env: {} }).tenancy).toEqual({ ...DEFAULT_TENANCY, column: 'tenant', setContext: 'select set_org_context($1)' });
  });

  it('takes the membership rule the context function enforces (tenancy.membership)', () => {
    const membership = { table: 'memberships', tenantColumn: 'organization_id', userColumn: 'user_id', setting: 'app.current_user_id' };
    const dir = project({ ...FOLDERS, tenancy: { setContext: 'select set_org_context($1)', membership } });
    expect(resolveProjectConfig({ cwd: dir, env: {} }).tenancy.membership).toEqual(membership);
  });

  it('has no migrations when the schema belongs to another tool', () => {
    const { migrations: _m, ...rest } = FOLDERS;
    expect(resolveProjectConfig({ cwd: project(rest), env: {} }).migrations).toBeUndefined();
  });

  it.each([
    [{ ...FOLDERS, extra: 1 }, /unknown key "extra"/],
    [{ ...FOLDERS, tenancy: { role: 'x' } }, /unknown key "role" in \/tenancy/],
    [{ ...FOLDERS, tenancy: { setting: 'no_dot' } }, /\/tenancy\/setting: must match pattern/],
    [{ ...FOLDERS, tenancy: { setContext: 'select set_org_context()' } }, /\/tenancy\/setContext: must be SQL with \$1 where the tenant id goes/],
    [{ ...FOLDERS, tenancy: { setContext: 'select set_org_context(?)' } }, /\/tenancy\/setContext: must be SQL with \$1/],
    [{ ...FOLDERS, tenancy: { membership: { table: 'memberships', tenantColumn: 'org_id', setting: 'app.current_user_id' } } }, /missing key "userColumn"/],
    [{ ...FOLDERS, tenancy: { membership: { table: 'memberships', tenantColumn: 'organization_id', userColumn: 'user_id', setting: 'user_id' } } }, /\/tenancy\/membership\/setting: must match pattern/],
    [{ migrations: 'db/migrations', environments: 'db/environments' }, /missing key "definitions"/],
    [{ ...FOLDERS, schemas: [] }, /\/schemas: must NOT have fewer than 1 items/],
    [{ ...FOLDERS, validate: { accept: [{ rule: 'TS-K02' }] } }, /missing key "reason"/],
    [{ ...FOLDERS, validate: { accept: [{ rule: 'K02', reason: 'x' }] } }, /\/validate\/accept\/0\/rule: must match pattern/],
    [{ ...FOLDERS, definitions: 'nowhere' }, /"definitions" names the folder .*nowhere, which does not exist/],
  ])('refuses %j', (config, message) => {
    expect(() => resolveProjectConfig({ cwd: project(config), env: {} })).toThrow(message);
  });

  it('refuses a config file that --config or TENANTSEED_CONFIG names but that does not exist', () => {
    expect(() => resolveProjectConfig({ configFile: '/nope/tenantseed.config.json', env: {} })).toThrow(/--config names \/nope\/tenantseed\.config\.json, which does not exist/);
    expect(() => resolveProjectConfig({ env: { TENANTSEED_CONFIG: '/nope.json' } })).toThrow(/TENANTSEED_CONFIG names \/nope\.json/);
  });

  it('lets --definitions and --environments override its folders', () => {
    const dir = project(FOLDERS);
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-defs-'));
    expect(resolveProjectConfig({ cwd: dir, env: {}, definitions: other }).definitions).toBe(other);
    expect(() => resolveProjectConfig({ cwd: dir, env: {}, environments: 'missing' })).toThrow(/--environments missing: the folder .* does not exist/);
  });
});
