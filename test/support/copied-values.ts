import { quoteIdentifier } from '../../src/db';
import { onServer } from './on-server';

/**
 * Distinct values of every text, enum and array column (array items one by one), and the string
 * leaves of every JSON column, by `table.column`: what a test looks for to prove that no source
 * value reached a generated database.
 */
export async function textValues(database: string): Promise<Map<string, Set<string>>> {
  return onServer(async (client) => {
    const columns = (await client.query<{ table_name: string; column_name: string; data_type: string }>(`SELECT table_name, column_name, data_type FROM information_schema.columns
      WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'character', 'jsonb', 'json', 'ARRAY', 'USER-DEFINED') ORDER BY 1, 2`)).rows;
    const out = new Map<string, Set<string>>();
    for (const c of columns) {
      const col = quoteIdentifier(c.column_name);
      const table = quoteIdentifier(c.table_name);
      const sql = c.data_type.startsWith('json')
        ? `SELECT DISTINCT v #>> '{}' AS v FROM ${table}, jsonb_path_query(${col}::jsonb, 'strict $.**') v WHERE jsonb_typeof(v) = 'string'`
        : c.data_type === 'ARRAY' ? `SELECT DISTINCT v::text AS v FROM ${table}, unnest(${col}) v`
          : `SELECT DISTINCT ${col}::text AS v FROM ${table} WHERE ${col} IS NOT NULL`;
      out.set(`${c.table_name}.${c.column_name}`, new Set((await client.query<{ v: string }>(sql)).rows.map((r) => r.v)));
    }
    return out;
  }, database);
}

/**
 * The source values found in the target, per column that is not categorical (at most 5 a
 * column), leaving out values the target's migrations made; with `marker`, only source values
 * that carry it (the source's non-categorical values do; enum labels, listed by the schema, do not).
 */
export function copiedValues(source: Map<string, Set<string>>, target: Map<string, Set<string>>, options: {
  categorical: Iterable<string>; made: Map<string, Set<string>>; marker?: RegExp;
}): { checked: number; copied: Array<{ column: string; copied: string[] }> } {
  const categorical = new Set(options.categorical);
  const copied: Array<{ column: string; copied: string[] }> = [];
  let checked = 0;
  for (const [column, values] of target) {
    if (categorical.has(column)) continue;
    const made = options.made.get(column) ?? new Set<string>();
    const found = [...values].filter((v) => source.get(column)?.has(v) && !made.has(v) && (options.marker?.test(v) ?? true));
    if (found.length > 0) copied.push({ column, copied: found.slice(0, 5) });
    checked++;
  }
  return { checked, copied };
}
