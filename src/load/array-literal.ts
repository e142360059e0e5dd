/**
 * A JSON array as a PostgreSQL array literal (`{a,"b c",NULL}`), for columns of array types
 * (`text[]`, `int[]`): the form COPY and INSERT read. Elements are double-quoted with `\` and
 * `"` escaped; NULL stays unquoted; nested arrays become nested braces; objects are written as
 * JSON text. https://www.postgresql.org/docs/current/arrays.html#ARRAYS-IO
 *
 * @example
 * pgArrayLiteral(['a', 'b c', null]) // '{"a","b c",NULL}'
 */
export function pgArrayLiteral(values: readonly unknown[]): string {
  const element = (value: unknown): string => {
    if (value === null || value === undefined) return 'NULL';
    if (Array.isArray(value)) return pgArrayLiteral(value);
    const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
    return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  };
  return `{${values.map(element).join(',')}}`;
}
