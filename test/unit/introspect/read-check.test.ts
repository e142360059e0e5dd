import { readCheck, toJavaScriptPattern } from '../../../src/introspect/read-check';

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
    ['varchar i = lower(i)', 'CHECK (((i)::text = lower((i)::text)))', 'i', { lowercase: true }],
  ])('reads %s', (_what, definition, column, facts) => {
    expect(readCheck(definition)).toEqual({ read: true, column, facts });
  });

  it.each([
    ['two columns', 'CHECK ((m < n))'],
    ['a function of the column', 'CHECK ((char_length(l) > 2))'],
    ['an OR', "CHECK (((a = 'x'::text) OR (b IS NULL)))"],
    ['a case-insensitive regex', "CHECK ((f ~* '^[a-z]+$'::text))"],
    ['a not-equal', "CHECK ((a <> 'x'::text))"],
  ])('reports %s as unread, with the reason', (_what, definition) => {
    const reading = readCheck(definition);
    expect(reading.read).toBe(false);
    if (!reading.read) expect(reading.reason.length).toBeGreaterThan(0);
  });

  it('leaves a PostgreSQL-only regex escape unread rather than guessing', () => {
    expect(toJavaScriptPattern('\\mword\\M')).toBeUndefined();
    expect(toJavaScriptPattern('^[[:alnum:]_]+$')).toBe('^[a-zA-Z0-9_]+$');
  });
});
