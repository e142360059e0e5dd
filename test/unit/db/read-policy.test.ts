import { findContextSetters, readPolicyComparisons, readSettings, SnapshotFunction } from '../../../src/db';

const fn = (name: string, body: string, extra: Partial<SnapshotFunction> = {}): SnapshotFunction => ({ schema: 'public', name, language: 'sql', body, args: 0, ...extra });

describe('readPolicyComparisons', () => {
  it('reads a column compared with current_setting as pg_get_expr prints it', () => {
    expect(readPolicyComparisons("(tenant_id = (NULLIF(current_setting('app.current_tenant_id'::text, true), ''::text))::uuid)"))
      .toEqual([{ column: 'tenant_id', setting: 'app.current_tenant_id', through: [] }]);
  });

  it('reads a quoted camelCase column, a cast column, and the setting on the left', () => {
    expect(readPolicyComparisons(`("tenantId" = current_setting('app.tenant'::text))`)[0].column).toBe('tenantId');
    expect(readPolicyComparisons(`((org_id)::text = current_setting('app.org'::text, true))`)[0].column).toBe('org_id');
    expect(readPolicyComparisons(`((current_setting('app.org'::text))::uuid = org_id)`)[0]).toEqual({ column: 'org_id', setting: 'app.org', through: [] });
  });

  it('follows a SQL function the policy calls to the setting it reads', () => {
    const functions = [fn('get_current_organization_context', "SELECT NULLIF(current_setting('app.current_organization_id', true), '')::uuid")];
    expect(readPolicyComparisons('(organization_id = get_current_organization_context())', functions))
      .toEqual([{ column: 'organization_id', setting: 'app.current_organization_id', through: ['public.get_current_organization_context'] }]);
  });

  it('follows PL/pgSQL bodies through several functions, schema-qualified calls included', () => {
    const functions = [
      fn('current_org', 'BEGIN\n  -- the session\'s org, as set by set_org_context()\n  RETURN auth.org_from_setting();\nEND;', { language: 'plpgsql' }),
      fn('org_from_setting', "DECLARE v text;\nBEGIN\n  v := current_setting('app.org_id', true);\n  RETURN nullif(v, '')::uuid;\nEND", { schema: 'auth', language: 'plpgsql' }),
    ];
    const [read] = readPolicyComparisons('(org_id = current_org())', functions);
    expect(read).toEqual({ column: 'org_id', setting: 'app.org_id', through: ['public.current_org', 'auth.org_from_setting'] });
  });

  it('ignores a bypass branch that compares a setting with a literal, and keeps the tenant comparison beside it', () => {
    const expression = "((current_setting('app.is_admin'::text, true) = 'true'::text) OR (tenant_id = (current_setting('app.tenant'::text))::uuid))";
    expect(readPolicyComparisons(expression)).toEqual([{ column: 'tenant_id', setting: 'app.tenant', through: [] }]);
    expect(readPolicyComparisons('true')).toEqual([]);
    expect(readPolicyComparisons("(current_setting('app.bypass'::text) = 'on'::text)")).toEqual([]);
  });

  it('reads nothing from a function that reads no setting (current_user)', () => {
    expect(readPolicyComparisons('(owner = who_am_i())', [fn('who_am_i', 'SELECT current_user')])).toEqual([]);
  });
});

describe('readSettings', () => {
  it('stops at the depth bound and says so', () => {
    const chain = [fn('f1', 'SELECT f2()'), fn('f2', 'SELECT f3()'), fn('f3', "SELECT current_setting('app.deep')")];
    expect(readSettings('f1()', chain, 3)).toEqual({ settings: ['app.deep'], through: ['public.f1', 'public.f2', 'public.f3'], bounded: false });
    const bounded = readSettings('f1()', chain, 2);
    expect(bounded.settings).toEqual([]);
    expect(bounded.bounded).toBe(true);
  });

  it('ends on a cycle of functions that call each other', () => {
    const cycle = [fn('a', 'SELECT b()'), fn('b', "SELECT CASE WHEN x THEN a() ELSE current_setting('app.t') END")];
    expect(readSettings('a()', cycle, 50)).toEqual({ settings: ['app.t'], through: ['public.a', 'public.b'], bounded: false });
  });

  it('does not read bodies of languages other than SQL and PL/pgSQL', () => {
    expect(readSettings('c_fn()', [fn('c_fn', "current_setting('app.t')", { language: 'c' })]).settings).toEqual([]);
  });
});

describe('findContextSetters', () => {
  it('finds the one-argument function that sets the setting for the transaction, through PERFORM set_config or SET LOCAL', () => {
    const functions = [
      fn('set_org_context', "BEGIN\n  PERFORM set_config('app.current_organization_id', org_id::text, true);\nEND", { language: 'plpgsql', args: 1, identityArgs: 'org_id uuid' }),
      fn('set_org_session', "SELECT set_config('app.current_organization_id', $1::text, false)", { args: 1 }),
      fn('enter_org', "BEGIN\n  EXECUTE format('SET LOCAL app.current_organization_id = %L', p);\nEND", { language: 'plpgsql', args: 1 }),
      fn('unrelated', "SELECT set_config('app.other', $1, true)", { args: 1 }),
    ];
    const setters = findContextSetters(functions, 'app.current_organization_id');
    expect(setters.map((s) => [s.function.name, s.local])).toEqual([['enter_org', true], ['set_org_context', true], ['set_org_session', false]]);
  });

  it('finds a setter that sets it through another function', () => {
    const functions = [
      fn('login_as', 'SELECT _put($1)', { args: 1 }),
      fn('_put', "SELECT set_config('app.t', $1::text, true)", { args: 1 }),
    ];
    expect(findContextSetters(functions, 'app.t').map((s) => s.function.name)).toEqual(['_put', 'login_as']);
  });
});
