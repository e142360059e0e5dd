import { bypassCandidates } from '../../../src/validate/bypass-discovery';

const tenantSetting = 'app.current_tenant_id';

describe('bypassCandidates', () => {
  it('lists a setting other than the tenant\'s, with the literals its branch compares with, then on/true/1', () => {
    expect(bypassCandidates([{ table: 't', policy: 'p', permissive: true, command: '*', using: "(tenant_id = current_setting('app.current_tenant_id')::uuid) OR (current_setting('app.mode', true) = 'god')" }], [], tenantSetting))
      .toEqual([{ table: 't', policy: 'p', setting: 'app.mode', values: ['god', 'on', 'true', '1'], through: [] }]);
  });

  it('follows the functions a policy calls, taking their literals', () => {
    const functions = [{ schema: 'public', name: 'is_admin', language: 'sql', args: 0, body: "select current_setting('app.role', true) = 'platform-admin'" }];
    expect(bypassCandidates([{ table: 't', policy: 'p', permissive: true, command: 'r', using: 'is_admin()' }], functions, tenantSetting))
      .toEqual([{ table: 't', policy: 'p', setting: 'app.role', values: ['platform-admin', 'on', 'true', '1'], through: ['public.is_admin'] }]);
  });

  it('lists nothing for a policy that reads only the tenant setting, or reads none', () => {
    expect(bypassCandidates([
      { table: 't', policy: 'iso', permissive: true, command: '*', using: "(tenant_id = current_setting('app.current_tenant_id')::uuid)" },
      { table: 't', policy: 'open', permissive: true, command: '*', using: 'true' },
    ], [], tenantSetting)).toEqual([]);
  });
});
