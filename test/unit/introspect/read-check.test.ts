import { caseInsensitivePattern, readCheck, toJavaScriptPattern } from '../../../src/introspect/read-check';

// Each definition is what PostgreSQL 15's pg_get_constraintdef printed for the CHECK in the comment.
describe('reading CHECK constraints', () => {
  it.each([
    ["a IN ('x', 'y''s', 'z')", "CHECK ((a = ANY (ARRAY['x'::text, 'y''s'::text, 'z'::text])))", 'a', { enum: ['x', "y's", 'z'] }],
    ["varchar b IN ('p', 'q')", "CHECK (((b)::text = ANY ((ARRAY['p'::character varying, 'q'::character varying])::text[])))", 'b', { enum: ['p', 'q'] }],
    ['k IN (1, 2, 3)', 'CHECK ((k = ANY (ARRAY[1, 2, 3])))', 'k', { enum: [1, 2, 3] }],
    ['"Odd Name" IN (...)', `CHECK (("Odd Name" = ANY (ARRAY['a'::text, 'b'::text])))`, 'Odd Name', { enum: ['a', 'b'] }],
    ["r = 'only'", "CHECK ((r = 'only'::text))", 'r', { enum: ['only'] }],
    ['c BETWEEN 1 AND 10', 'CHECK (((c >= 1) AND (c <= 10)))', 'c', { minimum: 1, maximum: 10 }],
    ['q BETWEEN 0.5 AND 9.5', 'CHECK (((q >= 0.5) AND (q <= 9.5)))', 'q', { minimum: 0.5, maximum: 9.5 }],
    ['d >= 0 on numeric', 'CHECK ((d >= (0)::numeric))', 'd', { minimum: 0 }],
    ['e > -5 AND e < 100', "CHECK (((e > '-5'::integer) AND (e < 100)))", 'e', { exclusiveMinimum: -5, exclusiveMaximum: 100 }],
    ['p >= -10 on bigint', "CHECK ((p >= '-10'::integer))", 'p', { minimum: -10 }],
    ['0 < j (constant first)', 'CHECK ((0 < j))', 'j', { exclusiveMinimum: 0 }],
    ["f ~ '^[a-z]+$'", "CHECK ((f ~ '^[a-z]+$'::text))", 'f', { pattern: '^[a-z]+$' }],
    ['varchar g ~ POSIX class', "CHECK (((g)::text ~ '^[[:upper:]]{3}$'::text))", 'g', { pattern: '^[A-Z]{3}$' }],
    ['h = lower(h)', 'CHECK ((h = lower(h)))', 'h', { lowercase: true }],
    ['lower(h) = h (as written the other way round)', 'CHECK ((lower(h) = h))', 'h', { lowercase: true }],
    ['numeric q BETWEEN -1 AND 3', "CHECK (((q >= ('-1'::integer)::numeric) AND (q <= (3)::numeric)))", 'q', { minimum: -1, maximum: 3 }],
    ['varchar i = lower(i)', 'CHECK (((i)::text = lower((i)::text)))', 'i', { lowercase: true }],
    ["a IS NULL OR a IN ('x', 'y')", "CHECK (((a IS NULL) OR (a = ANY (ARRAY['x'::text, 'y'::text]))))", 'a', { enum: ['x', 'y'] }],
    ["varchar b IS NULL OR b IN ('p', 'q')", "CHECK (((b IS NULL) OR ((b)::text = ANY ((ARRAY['p'::character varying, 'q'::character varying])::text[]))))", 'b', { enum: ['p', 'q'] }],
    ["m::text = ANY (ARRAY['a'::varchar, ...]::text[])", "CHECK (((m)::text = ANY (ARRAY[('a'::character varying)::text, ('b'::character varying)::text])))", 'm', { enum: ['a', 'b'] }],
    ['k IS NULL OR (k >= 1 AND k <= 5)', 'CHECK (((k IS NULL) OR ((k >= 1) AND (k <= 5))))', 'k', { minimum: 1, maximum: 5 }],
    ['c > 0', 'CHECK ((c > 0))', 'c', { exclusiveMinimum: 0 }],
    ['d >= 0 AND d <= 100 on numeric', 'CHECK (((d >= (0)::numeric) AND (d <= (100)::numeric)))', 'd', { minimum: 0, maximum: 100 }],
    ['length(e) <= 50', 'CHECK ((length(e) <= 50))', 'e', { maxLength: 50 }],
    ['char_length(f) BETWEEN 2 AND 30 on varchar', 'CHECK (((char_length((f)::text) >= 2) AND (char_length((f)::text) <= 30)))', 'f', { minLength: 2, maxLength: 30 }],
    ['length(btrim(i)) > 0', 'CHECK ((length(btrim(i)) > 0))', 'i', { minLength: 1 }],
    ['char_length(n) < 8', 'CHECK ((char_length(n) < 8))', 'n', { maxLength: 7 }],
    ["g <> ''", "CHECK ((g <> ''::text))", 'g', { minLength: 1 }],
    ["trim(j) <> ''", "CHECK ((TRIM(BOTH FROM j) <> ''::text))", 'j', { minLength: 1 }],
    ["h ~* '^[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}$'", "CHECK ((h ~* '^[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}$'::text))", 'h', { pattern: '^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}$' }],
  ])('reads %s', (_what, definition, column, facts) => {
    expect(readCheck(definition)).toEqual({ read: true, column, facts });
  });

  it.each([
    ['an equality of two columns', 'CHECK ((m = n))'],
    ['a function tenantseed does not know', 'CHECK ((is_valid_slug(l)))'],
    ['an OR of two columns', "CHECK (((a = 'x'::text) OR (b IS NULL)))"],
    ['an OR of two values', "CHECK (((a = 'x'::text) OR (a ~ '^y'::text)))"],
    ['a not-equal other than the empty text', "CHECK ((a <> 'x'::text))"],
    ['a column against an expression', 'CHECK ((a >= (b + 1)))'],
  ])('reports %s as unread, with the reason', (_what, definition) => {
    const reading = readCheck(definition);
    expect(reading.read).toBe(false);
    if (!reading.read) expect(reading.reason.length).toBeGreaterThan(0);
  });

  it.each([
    ['t >= s', 'CHECK ((t >= s))', { later: 't', earlier: 's', strict: false }],
    ['s < t', 'CHECK ((s < t))', { later: 't', earlier: 's', strict: true }],
    ['"endedAt" >= "startedAt"', 'CHECK (("endedAt" >= "startedAt"))', { later: 'endedAt', earlier: 'startedAt', strict: false }],
  ])('reads %s as an order of two columns', (_what, definition, order) => {
    expect(readCheck(definition)).toEqual({ read: true, order });
  });

  it.each([
    ['total = x + y', 'CHECK ((total = (x + y)))', { column: 'total', of: ['x', 'y'] }],
    ['(a + b) + c = "totalTokens"', 'CHECK ((((a + b) + c) = "totalTokens"))', { column: 'totalTokens', of: ['a', 'b', 'c'] }],
  ])('reads %s as a sum rule', (_what, definition, sum) => {
    expect(readCheck(definition)).toEqual({ read: true, sum });
  });

  it('makes a ~* pattern match either case, inside and outside classes', () => {
    const pattern = new RegExp(caseInsensitivePattern('^[a-z0-9]+x[^A-F]$'), 'u');
    // As PostgreSQL's ~* reads it: letters of either case, a negated class negated in both cases.
    expect(['abcX1', 'ABCx9', 'aBxZ', 'Zz9Xg', 'zz9xa', 'zz9xB', 'ZZ-x1'].map((t) => pattern.test(t))).toEqual([true, true, true, true, false, false, false]);
    expect(caseInsensitivePattern('^\\d+\\w$')).toBe('^\\d+\\w$');
  });

  it('leaves a PostgreSQL-only regex escape unread rather than guessing', () => {
    expect(toJavaScriptPattern('\\mword\\M')).toBeUndefined();
    expect(toJavaScriptPattern('^[[:alnum:]_]+$')).toBe('^[a-zA-Z0-9_]+$');
  });
});
