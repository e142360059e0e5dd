/**
 * Property tests of the policy reader over generated policy expressions, written as PostgreSQL's
 * pg_get_expr prints them (every comparison parenthesised, literals cast, quotes doubled): AND/OR/NOT
 * nesting, casts, NULLIF/COALESCE, ANY (ARRAY[...]), quoted identifiers, and literals holding
 * what would read as code (quotes, parentheses, `=`, AND/OR, column names, calls, comments).
 */
import fc from 'fast-check';
import { readPolicyComparisons, readSettings } from '../../../src/db';
import type { PolicyComparison, SnapshotFunction } from '../../../src/db';

const functions: SnapshotFunction[] = [
  { schema: 'public', name: 'current_org', language: 'sql', args: 0, body: "select nullif(current_setting('app.org', true), '')::uuid" },
  { schema: 'auth', name: 'Org Of', language: 'plpgsql', args: 0, body: "BEGIN RETURN current_setting('app.auth_org')::uuid; END" },
];
/** Read by no generated code: only ever written inside literals. */
const DECOY = 'app.decoy';

const quoteLiteral = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** A literal whose text would read as code if the reader took it for code. */
const literal = fc
  .array(fc.constantFrom("'", '(', ')', ' AND ', ' OR ', ' and ', '=', ' = ', ',', ';', '--', '/*', '*/', '"', 'tenant_id', 'tenant_id = ',
    `current_setting('${DECOY}')`, 'current_org()', '"Org Of"()', 'x', ' ', '\n'), { maxLength: 10 })
  .map((parts) => `${quoteLiteral(parts.join(''))}::text`);

/** A column as pg_get_expr prints it, and the name it reads as. */
const COLUMNS: Array<[string, string]> = [
  ['tenant_id', 'tenant_id'], ['org_id', 'org_id'], ['"tenantId"', 'tenantId'], ['"Org ""X"" id"', 'Org "X" id'],
  ['"a=b"', 'a=b'], ['"x OR y"', 'x OR y'], ['"it\'s"', "it's"], ['workspace_id', 'workspace_id'],
];

interface Leaf {
  readonly text: string;
  readonly comparison?: PolicyComparison;
  readonly settings: readonly string[];
}

/** A comparison of a column with the tenant setting, read directly or through a function, either side of the `=`. */
const comparison = fc
  .tuple(
    fc.constantFrom(...COLUMNS),
    fc.constantFrom('app.tenant', 'app.current_org_id', "app.it's"),
    fc.constantFrom('plain', 'cast', 'nullif', 'coalesce', 'function', 'quoted function'),
    fc.boolean(),
    fc.boolean(),
  )
  .map(([[written, column], setting, shape, castColumn, columnLeft]): Leaf => {
    const name = `${quoteLiteral(setting)}::text`;
    const values: Record<string, [string, string, string[]]> = {
      plain: [`current_setting(${name})`, setting, []],
      cast: [`(current_setting(${name}))::uuid`, setting, []],
      nullif: [`(NULLIF(current_setting(${name}, true), ''::text))::uuid`, setting, []],
      coalesce: [`COALESCE(current_setting(${name}, true), 'none'::text)`, setting, []],
      function: ['current_org()', 'app.org', ['public.current_org']],
      'quoted function': ['auth."Org Of"()', 'app.auth_org', ['auth.Org Of']],
    };
    const [value, read, through] = values[shape];
    const side = castColumn ? `(${written})::text` : written;
    return { text: columnLeft ? `(${side} = ${value})` : `(${value} = ${side})`, comparison: { column, setting: read, through }, settings: [read] };
  });

/** A branch that compares no column with a setting. */
const other = fc.oneof(
  literal.map((l): Leaf => ({ text: `(note = ${l})`, settings: [] })),
  literal.map((l): Leaf => ({ text: `(tenant_id <> ${l})`, settings: [] })),
  fc.tuple(literal, literal).map(([a, b]): Leaf => ({ text: `(kind = ANY (ARRAY[${a}, ${b}]))`, settings: [] })),
  literal.map((l): Leaf => ({ text: `(lower(owner) = lower(${l}))`, settings: [] })),
  literal.map((l): Leaf => ({ text: `(COALESCE(current_setting('app.bypass'::text, true), ${l}) = 'on'::text)`, settings: ['app.bypass'] })),
  fc.constant<Leaf>({ text: "(CURRENT_USER = 'admin'::name)", settings: [] }),
  fc.constant<Leaf>({ text: '(level >= 5)', settings: [] }),
  fc.constant<Leaf>({ text: 'true', settings: [] }),
);

/** The leaves joined with AND/OR (sometimes under NOT), nested as the split points say. */
function join(leaves: readonly Leaf[], splits: ReadonlyArray<[number, string]>, at = 0): string {
  if (leaves.length === 1) return leaves[0].text;
  const [split, op] = splits[at % splits.length];
  const k = 1 + (split % (leaves.length - 1));
  const joined = `(${join(leaves.slice(0, k), splits, at + 1)} ${op} ${join(leaves.slice(k), splits, at + 7)})`;
  return op === 'OR' && split % 5 === 0 ? `(NOT ${joined})` : joined;
}

const policy = fc
  .tuple(fc.uniqueArray(comparison, { selector: (l) => l.comparison!.column, maxLength: 4 }), fc.array(other, { maxLength: 5 }))
  .chain(([comparisons, others]) => fc.tuple(
    fc.shuffledSubarray([...comparisons, ...others], { minLength: comparisons.length + others.length }),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom('AND', 'OR')), { minLength: 16, maxLength: 16 }),
  ))
  .filter(([leaves]) => leaves.length > 0)
  .map(([leaves, splits]) => ({ leaves, expression: join(leaves, splits) }));

describe('the policy reader over generated pg_get_expr expressions', () => {
  it('reads back every comparison written, in the order written, and no other', () => {
    fc.assert(fc.property(policy, ({ leaves, expression }) => {
      expect(readPolicyComparisons(expression, functions)).toEqual(leaves.flatMap((l) => (l.comparison ? [l.comparison] : [])));
    }), { numRuns: 300 });
  });

  it('reads the settings code reads, never one written inside a literal', () => {
    fc.assert(fc.property(policy, ({ leaves, expression }) => {
      const read = readSettings(expression, functions).settings;
      expect([...read].sort()).toEqual([...new Set(leaves.flatMap((l) => l.settings))].sort());
      expect(read).not.toContain(DECOY);
    }), { numRuns: 300 });
  });
});
