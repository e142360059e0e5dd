import { findContextSetters, groupEnd, readPolicyComparisons, readSettings, SnapshotFunction } from '../../../src/db';

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

describe('calledFunctions: the words that are no call of a user function', () => {
  // Each entry of NOT_CALLS, in a text PostgreSQL prints (pg_get_expr) or a function body holds,
  // with `(` after it. The schema has a user function of that very name reading another setting:
  // unquoted and unqualified, the word is a key word or PostgreSQL's own built-in (pg_catalog comes
  // first on the search path), never that function; qualified, it is the function.
  const texts: Record<string, string> = {
    current_setting: "(tenant_id = (current_setting('app.t'::text))::uuid)",
    set_config: "SELECT set_config('app.t', p_org::text, true)",
    nullif: "(NULLIF(current_setting('app.t'::text, true), ''::text))::uuid",
    coalesce: "(COALESCE(current_setting('app.t'::text, true), 'off'::text) = 'on'::text)",
    greatest: '(GREATEST(a, b) > 0)',
    least: '(LEAST(a, b) > 0)',
    cast: "SELECT CAST(current_setting('app.t') AS uuid)",
    exists: '(EXISTS ( SELECT 1 FROM memberships m WHERE (m.user_id = CURRENT_USER)))',
    in: "IF kind IN ('a', 'b') THEN RETURN true; END IF;",
    any: "(kind = ANY (ARRAY['a'::text, 'b'::text]))",
    all: "(kind <> ALL (ARRAY['a'::text, 'b'::text]))",
    some: "SELECT kind = SOME (ARRAY['a'])",
    and: '((a = 1) AND (b = 2))',
    or: '((a = 1) OR (b = 2))',
    not: '(NOT (a = 1))',
    select: "SELECT (current_setting('app.t'))::uuid",
    from: 'SELECT x FROM (SELECT 1 AS x) s',
    where: 'SELECT 1 FROM m WHERE (m.a = 1)',
    values: 'SELECT x FROM (VALUES (1), (2)) v(x)',
    array: '(org_id = ANY (ARRAY( SELECT m.org_id FROM memberships m)))',
    row: '(ROW(a, b) = ROW(1, 2))',
    case: 'CASE (a) WHEN 1 THEN true ELSE false END',
    when: 'CASE WHEN (a = 1) THEN true ELSE false END',
    then: 'CASE WHEN a THEN (b = 1) ELSE false END',
    else: 'CASE WHEN a THEN true ELSE (b = 1) END',
    return: 'BEGIN RETURN (a = 1); END',
    if: 'BEGIN IF (a = 1) THEN RETURN true; END IF; RETURN false; END',
    elsif: 'BEGIN IF a THEN RETURN true; ELSIF (b = 1) THEN RETURN false; END IF; END',
    format: "BEGIN EXECUTE format('SET LOCAL app.t = %L', p); END",
    lower: "(lower(email) = lower(current_setting('app.user'::text)))",
    upper: "(upper(code) = 'X'::text)",
    trim: "(TRIM(BOTH FROM name) <> ''::text)",
    btrim: "(btrim(name) <> ''::text)",
    length: '(length(name) > 0)',
    substring: "(SUBSTRING(name FROM 1 FOR 2) = 'ab'::text)",
    position: "(POSITION(('@'::text) IN (email)) > 0)",
    perform: 'BEGIN PERFORM (SELECT 1); END',
    execute: "BEGIN EXECUTE ('SET LOCAL app.t = ' || quote_literal(p)); END",
    using: 'SELECT 1 FROM a JOIN b USING (id)',
    on: 'SELECT 1 FROM a JOIN b ON (a.id = b.id)',
    as: 'WITH s AS (SELECT 1) SELECT * FROM s',
    numeric: '((amount)::numeric(10,2) > (0)::numeric)',
    varchar: "SELECT p::varchar(20) = 'x'",
    character: "((code)::character(3) = 'abc'::bpchar)",
    varying: "((name)::character varying(20) = 'x'::text)",
    char: "SELECT p::char(3) = 'abc'",
    timestamp: '(created_at > (now())::timestamp(0) without time zone)',
  };

  it.each(Object.entries(texts))('%s ( is no call of a user function of that name', (word, text) => {
    const decoy = fn(word, "SELECT current_setting('app.decoy')");
    expect(text.toLowerCase()).toMatch(new RegExp(`\\b${word}\\s*\\(`));
    expect(readSettings(text, [decoy]).settings).not.toContain('app.decoy');
    // The same schema's function, called qualified, is read.
    expect(readSettings(`(x = public.${word}())`, [decoy]).settings).toEqual(['app.decoy']);
  });

  it('reads a quoted call of a function named like a key word as the call it is ("end"(), as pg_get_expr prints it)', () => {
    expect(readSettings('(org_id = "end"())', [fn('end', "SELECT current_setting('app.org')::uuid")]).settings).toEqual(['app.org']);
    expect(readSettings('(org_id = "CurrentOrg"())', [fn('CurrentOrg', "SELECT current_setting('app.org')::uuid")]).settings).toEqual(['app.org']);
    expect(readSettings('(org_id = currentorg())', [fn('CurrentOrg', "SELECT current_setting('app.org')::uuid")]).settings).toEqual([]);
  });

  it('reads no call, and no setting, written inside a string literal or a comment', () => {
    const functions = [fn('current_org', "SELECT current_setting('app.org')::uuid")];
    expect(readSettings("(note = 'see current_org() and current_setting(''app.x'')'::text)", functions)).toEqual({ settings: [], through: [], bounded: false });
    expect(readSettings("(note = ('current_setting('::text || 'app.x'::text))", functions).settings).toEqual([]);
    expect(readSettings('SELECT 1 -- current_org()\n/* current_org() */', functions).settings).toEqual([]);
    // A comment between two words parts them: it reads as a space.
    expect(readSettings('SELECT/* the org */current_org()', functions).settings).toEqual(['app.org']);
    // A `--` in a literal starts no comment: what follows is still read.
    expect(readSettings("((note <> '--'::text) AND (org_id = current_org()))", functions).settings).toEqual(['app.org']);
    expect(readSettings("((note <> '/*'::text) AND (org_id = current_org()) AND (x <> '*/'::text))", functions).settings).toEqual(['app.org']);
  });

  it('takes a function once, with its schema when the call names one', () => {
    const functions = [fn('org', "SELECT current_setting('app.public_org')"), fn('org', "SELECT current_setting('app.auth_org')", { schema: 'auth' })];
    expect(readSettings('(a = auth.org()) OR (b = auth.org())', functions)).toEqual({ settings: ['app.auth_org'], through: ['auth.org'], bounded: false });
    expect(readSettings('(a = "auth"."org"())', functions).settings).toEqual(['app.auth_org']);
    // Spaces around the dot and before the parenthesis, as a function body may write them.
    expect(readSettings('SELECT auth . org ()', functions).settings).toEqual(['app.auth_org']);
    expect(readSettings('(a = org())', functions).settings).toEqual(['app.public_org', 'app.auth_org']);
  });
});

describe('groupEnd: where an operand ends', () => {
  it('reads forward to the closing parenthesis, a comma, a semicolon, AND/OR at its level, or the end', () => {
    const text = "(a = f(x, (y)) AND b = 'x' OR c)";
    expect(groupEnd(text, 4, 1)).toBe(text.indexOf(' AND') + 1);
    expect(groupEnd('(a = 1)', 4, 1)).toBe(6);
    expect(groupEnd('f(a, b)', 2, 1)).toBe(3);
    expect(groupEnd('a := 1; b := 2', 4, 1)).toBe(6);
    expect(groupEnd('a = 1', 3, 1)).toBe(5);
    expect(groupEnd('x = y or z', 3, 1)).toBe(6);
  });

  it('reads backward alike, to -1 at the start', () => {
    const text = "(c OR b = 'x' AND f((y), x) = a)";
    expect(groupEnd(text, text.lastIndexOf(' ='), -1)).toBe(text.indexOf('AND') + 2);
    expect(groupEnd('(a = 1)', 2, -1)).toBe(0);
    expect(groupEnd('f(a, b = 1)', 6, -1)).toBe(3);
    expect(groupEnd('a = 1', 1, -1)).toBe(-1);
    expect(groupEnd('z or y = 1', 6, -1)).toBe(3);
  });

  it('skips string literals and quoted identifiers whole, doubled quotes included, both ways', () => {
    const forward = "x = 'a) AND (b, c'';d' AND y";
    expect(groupEnd(forward, 3, 1)).toBe(forward.lastIndexOf('AND'));
    const quotedName = 'x = "Org) OR ""Y"", (" AND y';
    expect(groupEnd(quotedName, 3, 1)).toBe(quotedName.lastIndexOf('AND'));
    const backward = "y OR 'a) AND (b, c'';d' = x";
    expect(groupEnd(backward, backward.indexOf(' ='), -1)).toBe(3);
    const backwardName = 'y OR "a) AND (b, ""c" = x';
    expect(groupEnd(backwardName, backwardName.indexOf(' ='), -1)).toBe(3);
  });

  it('ends at AND/OR as whole words only, in any case, and at the words a caller names', () => {
    expect(groupEnd('x = android_or ORDER BY band', 3, 1)).toBe(28);
    expect(groupEnd('x = 1 aNd y', 3, 1)).toBe(6);
    expect(groupEnd('x = 1 Or y', 3, 1)).toBe(6);
    expect(groupEnd('y oR x = 1', 6, -1)).toBe(3);
    expect(groupEnd('origin_and = 1', 10, -1)).toBe(-1);
    expect(groupEnd('x = 1 (AND) THEN y', 3, 1)).toBe(18);
    expect(groupEnd('x = 1 THEN y', 3, 1, /^then$/i)).toBe(6);
    expect(groupEnd('IF y = 1', 4, -1, /^if$/i)).toBe(1);
    expect(groupEnd('x = $1 AND y', 3, 1)).toBe(7);
  });
});

describe('readPolicyComparisons on the shapes PostgreSQL 15 prints (pg_policies.qual)', () => {
  const functions = [
    fn('current_org', "select nullif(current_setting('app.org', true), '')::uuid"),
    fn('Weird Fn', " select current_setting('app.weird')::uuid "),
    fn('org', " select current_setting('app.auth_org')::uuid ", { schema: 'auth' }),
  ];
  // Each qual as `CREATE POLICY ... USING (...)` came back from pg_policies on PostgreSQL 15.
  const shapes: Array<[string, Array<[string, string]>]> = [
    ["(tenant_id = (current_setting('app.tenant'::text))::uuid)", [['tenant_id', 'app.tenant']]],
    ["((owner = '('::text) AND (tenant_id = (current_setting('app.t2'::text))::uuid))", [['tenant_id', 'app.t2']]],
    ["((tenant_id = (NULLIF(current_setting('app.tenant'::text, true), ''::text))::uuid) AND (status <> 'a''b=c('::text))", [['tenant_id', 'app.tenant']]],
    ["((COALESCE(current_setting('app.bypass'::text, true), 'off'::text) = 'on'::text) OR (tenant_id = current_org()))", [['tenant_id', 'app.org']]],
    [`(("Org ""X"" id" = "Weird Fn"()) OR (owner = 'x = current_setting(''app.fake'')'::text))`, [['Org "X" id', 'app.weird']]],
    ["(((tenant_id)::text = current_setting('app.tenant'::text)) AND ((kind = ANY (ARRAY['a'::text, 'b'::text])) OR (kind = ANY (ARRAY['c'::text, 'd'::text]))))", [['tenant_id', 'app.tenant']]],
    ["((tenant_id = auth.org()) OR ((current_setting('app.role'::text, true) = 'admin'::text) AND (owner = CURRENT_USER)))", [['tenant_id', 'app.auth_org']]],
    ["((lower(owner) = lower(current_setting('app.user'::text))) AND (tenant_id = ( SELECT current_org() AS current_org)))", [['tenant_id', 'app.org']]],
  ];

  it.each(shapes)('%s', (qual, expected) => {
    expect(readPolicyComparisons(qual, functions).map((c) => [c.column, c.setting])).toEqual(expected);
  });

  it('reads no column from a literal: an `=` inside a string compares nothing', () => {
    expect(readPolicyComparisons("(note = 'x OR tenant_id = current_org()'::text)", functions)).toEqual([]);
    expect(readPolicyComparisons("((note = 'current_org()'::text) AND (owner = CURRENT_USER))", functions)).toEqual([]);
    expect(readPolicyComparisons("((note <> '--'::text) AND (org_id = current_org()))", functions).map((c) => c.column)).toEqual(['org_id']);
  });

  it('takes a lone = only: not <=, >=, <>, !=, ==, nor a named argument (=>)', () => {
    for (const op of ['<=', '>=', '!=', '==']) expect(readPolicyComparisons(`(tenant_id ${op} current_setting('app.t'::text))`)).toEqual([]);
    expect(readPolicyComparisons(`(tenant_id = f(p => current_setting('app.t'::text)))`)).toEqual([{ column: 'tenant_id', setting: 'app.t', through: [] }]);
    expect(readPolicyComparisons(`(ok = f(tenant_id => current_setting('app.t'::text)))`).map((c) => c.column)).toEqual(['ok']);
    for (const op of ['<=', '>=', '!=', '==']) expect(readPolicyComparisons(`(current_setting('app.t'::text) ${op} tenant_id)`)).toEqual([]);
    expect(readPolicyComparisons(`=current_setting('app.t')`)).toEqual([]);
    expect(readPolicyComparisons(`tenant_id=`)).toEqual([]);
  });

  it('reads a column cast with spaces around ::, as a function body may write it', () => {
    expect(readPolicyComparisons("((org_id) :: text = current_setting('app.org'::text))").map((c) => c.column)).toEqual(['org_id']);
  });

  it('reads no constant as a column: true, false, NULL', () => {
    for (const constant of ['true', 'FALSE', 'NULL']) {
      expect(readPolicyComparisons(`((current_setting('app.bypass'::text, true))::boolean = ${constant})`)).toEqual([]);
      expect(readPolicyComparisons(`(${constant} = (current_setting('app.bypass'::text, true))::boolean)`)).toEqual([]);
    }
  });

  it('keeps a column\'s first comparison, and the first setting its value reads', () => {
    expect(readPolicyComparisons("((tenant_id = (current_setting('app.a'::text))::uuid) OR (tenant_id = (current_setting('app.b'::text))::uuid))"))
      .toEqual([{ column: 'tenant_id', setting: 'app.a', through: [] }]);
    expect(readPolicyComparisons("(tenant_id = COALESCE(current_setting('app.a'::text, true), current_setting('app.b'::text)))"))
      .toEqual([{ column: 'tenant_id', setting: 'app.a', through: [] }]);
    expect(readPolicyComparisons(undefined)).toEqual([]);
    expect(readPolicyComparisons('')).toEqual([]);
  });

  it('follows functions to the depth it is given', () => {
    const chain = [fn('f1', 'SELECT f2()'), fn('f2', "SELECT current_setting('app.deep')::uuid")];
    expect(readPolicyComparisons('(org_id = f1())', chain, 2)).toEqual([{ column: 'org_id', setting: 'app.deep', through: ['public.f1', 'public.f2'] }]);
    expect(readPolicyComparisons('(org_id = f1())', chain, 1)).toEqual([]);
  });
});

describe('readSettings: each setting and function once, names unescaped', () => {
  it('reads a doubled quote in a setting name as one, and lists a setting read twice once', () => {
    expect(readSettings("(current_setting('app.it''s'::text) = current_setting('app.it''s'::text))", [])).toEqual({ settings: ["app.it's"], through: [], bounded: false });
    expect(readSettings("current_setting ( 'app.spaced' )", []).settings).toEqual(['app.spaced']);
  });

  it('lists a function reached twice once, and reads past a comment', () => {
    const functions = [fn('a', 'SELECT c()'), fn('b', 'SELECT c()'), fn('c', "SELECT current_setting('app.c') -- current_setting('app.commented')")];
    expect(readSettings('(a() OR b())', functions)).toEqual({ settings: ['app.c'], through: ['public.a', 'public.c', 'public.b'], bounded: false });
  });
});

describe('findContextSetters: every way a function body sets a setting', () => {
  // set_a to set_i as pg_proc.prosrc returned them on PostgreSQL 15; the others vary spacing, values and quoting.
  const bodies: Array<[string, string, string, boolean]> = [
    ['set_a', 'plpgsql', " begin perform set_config('app.a', p::text, true); end ", true],
    ['set_b', 'sql', " select set_config('app.b', p::text, 't') ", true],
    ['set_c', 'plpgsql', " begin perform set_config('app.c'::text, p, 'true'); end ", true],
    ['set_d', 'plpgsql', " begin perform set_config('app.d', p, false); end ", false],
    ['set_e', 'plpgsql', " begin execute format('SET LOCAL app.e = %L', p); end ", true],
    ['set_f', 'plpgsql', " begin SET SESSION app.f = 'x'; end ", false],
    ['set_g', 'sql', " SET app.g TO 'y' ", false],
    ['set_h', 'plpgsql', " begin perform set_config('app.h', p, 'f'); end ", false],
    ['set_i', 'plpgsql', " begin perform set_config('app.i', p, 'false'); end ", false],
    ['set_j', 'plpgsql', " begin perform set_config('app.j', coalesce(p, ''), TRUE); end ", true],
    ['set_k', 'plpgsql', " begin perform set_config( 'app.k' :: text , format('%s', p) , 'T' ); end ", true],
    ['set_l', 'plpgsql', ' begin SET LOCAL "app"."l" TO p; end ', true],
    ['set_m', 'plpgsql', " begin perform set_config('app.m',p,true); end ", true],
    ['set_n', 'plpgsql', " begin set local app . n = 'x'; end ", true],
    ['set_o', 'plpgsql', " begin SET LOCAL app.o='x'; end ", true],
    ['set_p', 'plpgsql', ' begin SET\n    LOCAL\n    app.p = p; end ', true],
    ['set_q', 'plpgsql', ' begin SET SESSION  app.q TO p; end ', false],
    ['set_r', 'sql', " select set_config ('app.r', $1, true) ", true],
  ];

  it.each(bodies)('%s (%s): %s', (name, language, body, local) => {
    const setting = `app.${name.slice(-1)}`;
    const functions = bodies.map(([n, l, b]) => fn(n, b, { language: l, args: 1 }));
    expect(findContextSetters(functions, setting).map((s) => [s.function.name, s.setting, s.local])).toEqual([[name, setting, local]]);
  });

  it('matches the setting in any case, and reads a doubled quote in its name as one', () => {
    expect(findContextSetters([fn('s', "SELECT set_config('App.It''s', $1, true)", { args: 1 })], "app.it's").map((s) => s.function.name)).toEqual(['s']);
  });

  it('finds no setter where is_local is no constant (it cannot tell), and none in a comment', () => {
    expect(findContextSetters([fn('s', "SELECT set_config('app.t', $1, $2)", { args: 2 })], 'app.t')).toEqual([]);
    expect(findContextSetters([fn('s', "SELECT set_config('app.t', $1, $2), set_config('app.u', $1, true)", { args: 2 })], 'app.t')).toEqual([]);
    expect(findContextSetters([fn('s', "SELECT 1 -- set_config('app.t', $1, true)\n", { args: 1 })], 'app.t')).toEqual([]);
  });

  it('says session-wide when one of its ways sets it for the session', () => {
    const both = fn('both', "BEGIN PERFORM set_config('app.t', p, true); PERFORM set_config('app.t', p, false); END", { language: 'plpgsql', args: 1 });
    expect(findContextSetters([both], 'app.t')[0].local).toBe(false);
  });

  it('orders one-argument functions first, then those that set it for the transaction, then by schema and name', () => {
    const functions = [
      fn('z_none', "SELECT set_config('app.t', 'x', true)", { args: 0 }),
      fn('y_session', "SELECT set_config('app.t', $1, false)", { args: 1 }),
      fn('x_two', "SELECT set_config('app.t', $1 || $2, true)", { args: 2 }),
      fn('w_local', "SELECT set_config('app.t', $1, true)", { args: 1, schema: 'zeta' }),
      fn('v_local', "SELECT set_config('app.t', $1, true)", { args: 1, schema: 'zeta' }),
      fn('w_local', "SELECT set_config('app.t', $1, true)", { args: 1, schema: 'alpha' }),
    ];
    expect(findContextSetters(functions, 'app.t').map((s) => `${s.function.schema}.${s.function.name}`))
      .toEqual(['alpha.w_local', 'zeta.v_local', 'zeta.w_local', 'public.y_session', 'public.x_two', 'public.z_none']);
  });

  it('follows calls to the depth it is given, SQL and PL/pgSQL only, each function once on a path', () => {
    const functions = [
      fn('outer_fn', 'SELECT middle($1)', { args: 1 }),
      fn('middle', 'SELECT inner_fn($1)', { args: 1 }),
      fn('inner_fn', "SELECT set_config('app.t', $1, true)", { args: 1 }),
    ];
    expect(findContextSetters(functions, 'app.t', 2).map((s) => s.function.name)).toEqual(['inner_fn', 'middle', 'outer_fn']);
    expect(findContextSetters(functions, 'app.t', 1).map((s) => s.function.name)).toEqual(['inner_fn', 'middle']);
    expect(findContextSetters(functions, 'app.t', 0).map((s) => s.function.name)).toEqual(['inner_fn']);
    // A C function's prosrc is a symbol, never read; a function that calls itself ends.
    const c = fn('c_setter', "set_config('app.t', $1, true)", { language: 'c', args: 1 });
    expect(findContextSetters([c, fn('calls_c', 'SELECT c_setter($1)', { args: 1 })], 'app.t')).toEqual([]);
    const selfCalling = fn('again', "BEGIN PERFORM again(p); PERFORM set_config('app.t', p, true); END", { language: 'plpgsql', args: 1 });
    expect(findContextSetters([selfCalling], 'app.t').map((s) => [s.function.name, s.local])).toEqual([['again', true]]);
  });
});
