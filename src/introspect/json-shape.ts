import type { CheckFacts } from './read-check';

/** A JSON-Schema node. */
type Node = Record<string, unknown>;

const WORD: Node = { type: 'string', 'x-faker': 'lorem.word' };
const MAX_DEPTH = 4;

/** The schema of a JSON value from the default: its shape (types and keys), never its values. */
function shapeOf(value: unknown, depth: number): Node {
  if (typeof value === 'string') return { ...WORD };
  if (typeof value === 'boolean') return { type: 'boolean' };
  if (typeof value === 'number') return Number.isInteger(value) ? { type: 'integer', minimum: 0, maximum: 1000 } : { type: 'number', minimum: 0, maximum: 1000 };
  if (Array.isArray(value)) {
    return { type: 'array', maxItems: 3, items: value.length > 0 && depth < MAX_DEPTH ? shapeOf(value[0], depth + 1) : { ...WORD } };
  }
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0 || depth >= MAX_DEPTH) return { type: 'object' };
    return { type: 'object', properties: Object.fromEntries(keys.map((k) => [k, shapeOf((value as Record<string, unknown>)[k], depth + 1)])) };
  }
  return {};
}

/** The JSON a column default such as `'{"theme": "light"}'::jsonb` holds, if it is a literal. */
export function jsonDefault(text: string | undefined): unknown {
  const literal = /^'((?:[^']|'')*)'::jsonb?$/.exec((text ?? '').trim());
  if (!literal) return undefined;
  try {
    return JSON.parse(literal[1].replace(/''/g, "'"));
  } catch {
    return undefined;
  }
}

/**
 * The shape of a json/jsonb column, from its default and its CHECK constraints: the default's
 * keys and value types (an object's keys as optional properties, since rows the application
 * wrote may lack them; values are never copied, only their types), `jsonb_typeof(col) = '...'`
 * as the type, and keys a CHECK demands (`col ? 'key'`, `col ?& ARRAY[...]`) as required
 * properties. Without any of these, an open object (or an array of words for a `'[...]'`
 * default), as before.
 *
 * @example
 * jsonShape(`'{"theme": "light", "beta": false}'::jsonb`, { jsonKeys: ['plan'] })
 * // { type: 'object', properties: { theme: {...string}, beta: { type: 'boolean' }, plan: {...} }, required: ['plan'] }
 */
export function jsonShape(defaultText: string | undefined, facts: CheckFacts): Node {
  const value = jsonDefault(defaultText);
  let node: Node = value === undefined ? { type: 'object' } : shapeOf(value, 0);
  const jsonType = node.type === 'integer' ? 'number' : node.type;
  if (facts.jsonType && jsonType !== facts.jsonType) {
    const sample: Record<string, unknown> = { object: {}, array: [], string: '', number: 0, boolean: true };
    node = shapeOf(sample[facts.jsonType], 0);
  }
  if (facts.jsonKeys && facts.jsonKeys.length > 0 && node.type === 'object') {
    const properties = { ...((node.properties as Record<string, Node>) ?? {}) };
    for (const key of facts.jsonKeys) properties[key] ??= { ...WORD };
    node = { ...node, properties, required: [...facts.jsonKeys] };
  }
  return node;
}
