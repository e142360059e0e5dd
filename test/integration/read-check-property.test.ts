import fc from 'fast-check';
import { quoteIdentifier } from '../../src/db';
import { CheckFacts, readCheck } from '../../src/introspect';
import { useFileDatabase } from '../support/database';

/**
 * A property over the CHECK forms introspect reads as rules, written as teams write them and
 * printed by PostgreSQL itself (pg_get_constraintdef): the facts read accept exactly the values
 * the CHECK accepts, on probes at and around every constant. A failure prints fast-check's seed
 * and path (replay with `{ seed, path }`).
 */
type Column = { name: string; type: 'text' | 'varchar(40)' | 'integer' | 'numeric(8,2)' };
interface Case { column: Column; written: string; probes: (string | number)[] }

const q = (c: Column) => quoteIdentifier(c.name);
const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
const word = fc.stringMatching(/^[a-z][a-z']{0,7}$/);
const textColumn = fc.record({ name: fc.constantFrom('status', 'kind', 'Odd Name', 'select'), type: fc.constantFrom<Column['type']>('text', 'varchar(40)') });
const numberColumn = fc.record({ name: fc.constantFrom('qty', 'Amount', 'order'), type: fc.constantFrom<Column['type']>('integer', 'numeric(8,2)') });

const textForm: fc.Arbitrary<Case> = fc.oneof(
  fc.tuple(textColumn, fc.uniqueArray(word, { minLength: 1, maxLength: 4 }), fc.constantFrom('in', 'cast in', 'any')).map(([column, values, style]) => {
    const list = values.map(literal).join(', ');
    const written = style === 'in' ? `${q(column)} IN (${list})`
      : style === 'cast in' ? `${q(column)}::text IN (${list})`
        : `${q(column)} = ANY (ARRAY[${values.map((v) => `${literal(v)}::varchar`).join(', ')}]::text[])`;
    return { column, written, probes: [...values, 'zzz-not-listed', values[0].toUpperCase()] };
  }),
  fc.tuple(textColumn, fc.constantFrom('length', 'char_length'), fc.constantFrom('<=', '<', '>=', '>'), fc.integer({ min: 1, max: 12 })).map(([column, fn, op, n]) => ({
    column, written: `${fn}(${q(column)}) ${op} ${n}`, probes: [n - 1, n, n + 1].filter((k) => k >= 0).map((k) => 'x'.repeat(k)),
  })),
  textColumn.map((column) => ({ column, written: `${q(column)} <> ''`, probes: ['', 'a'] })),
  fc.tuple(textColumn, fc.constantFrom('~', '~*')).map(([column, op]) => ({
    column, written: `${q(column)} ${op} '^[a-z]+-[0-9]{2}$'`, probes: ['abc-12', 'ABC-12', 'abc-1', 'Abc-99'],
  })),
  fc.tuple(textColumn, fc.boolean()).map(([column, flipped]) => ({
    column, written: flipped ? `lower(${q(column)}) = ${q(column)}` : `${q(column)} = lower(${q(column)})`, probes: ['abc', 'Abc', '12'],
  })),
);

const constant = fc.integer({ min: -50, max: 50 });
const numberForm: fc.Arbitrary<Case> = fc.oneof(
  fc.tuple(numberColumn, fc.constantFrom('<=', '<', '>=', '>', '='), constant, fc.boolean()).map(([column, op, n, constantFirst]) => {
    const flip: Record<string, string> = { '<=': '>=', '<': '>', '>=': '<=', '>': '<', '=': '=' };
    return { column, written: constantFirst ? `${n} ${flip[op]} ${q(column)}` : `${q(column)} ${op} ${n}`, probes: [n - 1, n, n + 1] };
  }),
  fc.tuple(numberColumn, constant, fc.integer({ min: 0, max: 40 })).map(([column, low, width]) => ({
    column, written: `${q(column)} BETWEEN ${low} AND ${low + width}`, probes: [low - 1, low, low + width, low + width + 1],
  })),
  fc.tuple(numberColumn, fc.uniqueArray(constant, { minLength: 1, maxLength: 4 })).map(([column, values]) => ({
    column, written: `${q(column)} IN (${values.join(', ')})`, probes: [...values, 99],
  })),
);

/** What the facts accept, as JSON Schema would (a null passes: the column is nullable). */
function accepts(facts: CheckFacts, value: string | number): boolean {
  if (facts.enum && !facts.enum.includes(value)) return false;
  if (typeof value === 'number') {
    return !(facts.minimum !== undefined && value < facts.minimum) && !(facts.maximum !== undefined && value > facts.maximum)
      && !(facts.exclusiveMinimum !== undefined && value <= facts.exclusiveMinimum) && !(facts.exclusiveMaximum !== undefined && value >= facts.exclusiveMaximum);
  }
  const length = [...value].length;
  if (facts.minLength !== undefined && length < facts.minLength) return false;
  if (facts.maxLength !== undefined && length > facts.maxLength) return false;
  if (facts.pattern && !new RegExp(facts.pattern, 'u').test(value)) return false;
  return !(facts.lowercase && value !== value.toLowerCase());
}

describe('reading the CHECK forms real schemas use, as PostgreSQL prints them', () => {
  const db = useFileDatabase();
  let n = 0;

  it('reads each form (nullable or not) into facts that accept exactly what the CHECK accepts', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(textForm, numberForm), fc.boolean(), async ({ column, written, probes }, nullable) => {
      const table = `checks_${n++}`;
      const expression = nullable ? `${q(column)} IS NULL OR (${written})` : written;
      await db.knex.raw(`CREATE TABLE ${table} (${q(column)} ${column.type}, CONSTRAINT c CHECK (${expression.replace(/\?/g, '\\?')}))`);
      const [{ definition }] = (await db.knex.raw(`SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conrelid = ?::regclass AND conname = 'c'`, [table])).rows;
      const reading = readCheck(definition);
      expect({ definition, reading }).toMatchObject({ reading: { read: true, column: column.name } });
      const facts = (reading as { facts: CheckFacts }).facts;
      for (const probe of probes) {
        const [{ ok }] = (await db.knex.raw(`SELECT (${definition.replace(/^CHECK /, '')}) IS NOT FALSE AS ok FROM (SELECT ?::${column.type} AS ${q(column)}) AS probe`, [probe])).rows;
        expect({ definition, probe, accepted: accepts(facts, probe) }).toEqual({ definition, probe, accepted: ok });
      }
      await db.knex.raw(`DROP TABLE ${table}`);
    }), { numRuns: 80 });
  }, 120_000);
});
