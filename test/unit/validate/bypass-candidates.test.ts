import { asApplicationRole, bypassCandidates, roleBranches } from '../../../src/validate/bypass-discovery';

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

  it('tries the bare whole numbers a branch compares with, and each plus one, after the quoted literals', () => {
    // pg_get_expr's shape of `coalesce(current_setting('app.level', true), '0')::int > 9`; no digit inside a name or a quoted literal counts.
    const using = "((COALESCE(current_setting('app.level'::text, true), '0'::text))::integer > 9) OR (level2 = 'v3'::text)";
    expect(bypassCandidates([{ table: 't', policy: 'p', permissive: true, command: '*', using }], [], tenantSetting)[0].values)
      .toEqual(['0', 'v3', '9', '10', 'on', 'true', '1']);
  });

  it('lists nothing for a policy that reads only the tenant setting, or reads none', () => {
    expect(bypassCandidates([
      { table: 't', policy: 'iso', permissive: true, command: '*', using: "(tenant_id = current_setting('app.current_tenant_id')::uuid)" },
      { table: 't', policy: 'open', permissive: true, command: '*', using: 'true' },
    ], [], tenantSetting)).toEqual([]);
  });

  it('tries each literal once, unescaped, never the empty string or a setting name, and on/true/1 only once', () => {
    // pg_get_expr's shapes: the same literal on two branches, '' of NULLIF, a doubled quote, a literal 'on'.
    const using = "((NULLIF(current_setting('app.mode'::text, true), ''::text) = 'god'::text) OR (current_setting('app.mode'::text, true) = ANY (ARRAY['god'::text, 'on'::text, 'it''s'::text])))";
    expect(bypassCandidates([{ table: 't', policy: 'p', permissive: true, command: '*', using }], [], tenantSetting)[0].values)
      .toEqual(['god', 'on', "it's", 'true', '1']);
  });

  it('tries at most 12 of a policy\'s literals, in the order written, then on/true/1', () => {
    const literals = Array.from({ length: 14 }, (_, k) => `v${k}`);
    const using = `(current_setting('app.level'::text, true) = ANY (ARRAY[${literals.map((v) => `'${v}'::text`).join(', ')}]))`;
    expect(bypassCandidates([{ table: 't', policy: 'p', permissive: true, command: '*', using }], [], tenantSetting)[0].values)
      .toEqual([...literals.slice(0, 12), 'on', 'true', '1']);
  });

  it('takes the literals of the functions the policy reaches only, not of every function of the schema', () => {
    const functions = [
      { schema: 'public', name: 'is_admin', language: 'sql', args: 0, body: "select current_setting('app.role', true) = 'platform-admin'" },
      { schema: 'public', name: 'unrelated', language: 'sql', args: 0, body: "select 'not-this'::text" },
    ];
    expect(bypassCandidates([{ table: 't', policy: 'p', permissive: true, command: 'r', using: 'is_admin()' }], functions, tenantSetting)[0].values)
      .toEqual(['platform-admin', 'on', 'true', '1']);
  });

  it('lists one candidate a setting when a policy reads two besides the tenant\'s, and skips a policy with no USING (an INSERT one)', () => {
    const using = "((tenant_id = (current_setting('app.current_tenant_id'::text))::uuid) OR (current_setting('app.a'::text, true) = 'x'::text) OR (current_setting('app.b'::text, true) = 'y'::text))";
    expect(bypassCandidates([
      { table: 't', policy: 'ins', permissive: true, command: 'a' },
      { table: 't', policy: 'p', permissive: true, command: '*', using },
    ], [], tenantSetting).map((c) => [c.policy, c.setting, c.values.join(' ')])).toEqual([['p', 'app.a', 'x y on true 1'], ['p', 'app.b', 'x y on true 1']]);
  });
});

describe('roleBranches', () => {
  const policy = (using: string) => ({ table: 't', policy: 'p', permissive: true, command: '*', using });

  it('lists the role tests as pg_get_expr prints them: =, = ANY, <>, the literal on either side, pg_has_role', () => {
    expect(roleBranches([
      policy("((tenant_id = (current_setting('app.current_tenant_id'::text))::uuid) OR (CURRENT_USER = 'admin'::name))"),
      policy("(SESSION_USER = ANY (ARRAY['ops'::name, 'support'::name]))"),
      policy("(('auditor'::name = CURRENT_ROLE) OR pg_has_role(CURRENT_USER, 'platform_admins'::name, 'member'::text))"),
      policy("(pg_has_role('support'::name, 'usage'::text))"),
    ], []).map((b) => b.branch)).toEqual([
      "CURRENT_USER = 'admin'::name",
      "SESSION_USER = ANY (ARRAY['ops'::name, 'support'::name])",
      "pg_has_role(CURRENT_USER, 'platform_admins'::name, 'member'::text)",
      "'auditor'::name = CURRENT_ROLE",
      "pg_has_role('support'::name, 'usage'::text)",
    ]);
  });

  it('follows the functions a policy calls, and lists no per-row comparison of the role with a column', () => {
    const functions = [{ schema: 'public', name: 'is_staff', language: 'plpgsql', args: 0, body: "BEGIN RETURN pg_has_role(current_user, 'staff', 'member'); END" }];
    expect(roleBranches([policy('(is_staff() OR (owner = CURRENT_USER))')], functions))
      .toEqual([{ table: 't', policy: 'p', permissive: true, branch: "pg_has_role(current_user, 'staff', 'member')", through: 'public.is_staff' }]);
  });

  it('evaluates a branch for the application role: the role words and the two-argument pg_has_role name it', () => {
    expect(asApplicationRole("SESSION_USER = ANY (ARRAY['ops'::name])", 'app')).toBe("'app'::name = ANY (ARRAY['ops'::name])");
    expect(asApplicationRole("pg_has_role('support'::name, 'usage'::text)", 'app')).toBe("pg_has_role('app'::name, 'support'::name, 'usage'::text)");
    expect(asApplicationRole("pg_has_role(CURRENT_USER, 'x', 'member')", 'app')).toBe("pg_has_role('app'::name, 'x', 'member')");
  });
});
