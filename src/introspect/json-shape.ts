import type { CheckFacts } from './read-check';
import { readColumnMeaning } from './column-meaning';

/** A JSON-Schema node. */
type Node = Record<string, unknown>;

const WORD: Node = { type: 'string', 'x-faker': 'word.noun' };
const MAX_DEPTH = 4;

/** A string under a key: what the key means (`email`, `url`, `model`, ...), else an English word. */
function stringFor(key: string | undefined, siblings: readonly string[]): Node {
  const meaning = key === undefined ? undefined : readColumnMeaning({ name: key, baseType: 'text', root: false, siblings });
  return meaning?.node && Object.keys(meaning.node).length > 0 ? { type: 'string', ...meaning.node } : { ...WORD };
}

/** A number under a key: in the range its meaning gives (`retries` a small count, `timeout_ms` a duration), else 0 to 1000. */
function numberFor(key: string | undefined, integer: boolean, siblings: readonly string[]): Node {
  const type = integer ? 'integer' : 'number';
  const range = key === undefined ? undefined : readColumnMeaning({ name: key, baseType: integer ? 'int4' : 'numeric', root: false, siblings })?.range;
  if (!range) return { type, minimum: 0, maximum: 1000 };
  const skew = range.skew !== 1 ? { skew: range.skew } : {};
  return { type, minimum: range.min, maximum: range.max, 'x-generate': integer ? { integer: [range.min, range.max], ...skew } : { number: [range.min, range.max], decimals: 2, ...skew } };
}

/** The schema of a JSON value from the default: its shape (types and keys), never its values. */
function shapeOf(value: unknown, depth: number, key?: string, siblings: readonly string[] = []): Node {
  if (typeof value === 'string') return stringFor(key, siblings);
  if (typeof value === 'boolean') return { type: 'boolean' };
  if (typeof value === 'number') return numberFor(key, Number.isInteger(value), siblings);
  if (Array.isArray(value)) {
    // An empty array says nothing about its items: rows already there (made by the migrations, or
    // by the application) may hold any, and the json-schema check reads them against this.
    if (value.length === 0 || depth >= MAX_DEPTH) return { type: 'array', items: { 'x-faker': 'lorem.word' } };
    return { type: 'array', items: shapeOf(value[0], depth + 1) };
  }
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0 || depth >= MAX_DEPTH) return { type: 'object' };
    return { type: 'object', properties: Object.fromEntries(keys.map((k) => [k, shapeOf((value as Record<string, unknown>)[k], depth + 1, k, keys)])) };
  }
  return {};
}

const isEmpty = (value: unknown) => (Array.isArray(value) ? value.length === 0 : Boolean(value) && typeof value === 'object' && Object.keys(value as object).length === 0);

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
 * The JSON a column comment shows (`COMMENT ON COLUMN t.prefs IS 'UI preferences, e.g. {"theme": "dark", "pageSize": 50}'`):
 * the first object or array literal in it that parses, if any.
 */
export function jsonInComment(comment: string | undefined): unknown {
  if (!comment) return undefined;
  for (let start = 0; start < comment.length; start++) {
    const open = comment[start];
    if (open !== '{' && open !== '[') continue;
    const close = open === '{' ? '}' : ']';
    for (let end = comment.lastIndexOf(close); end > start; end = comment.lastIndexOf(close, end - 1)) {
      try {
        const value: unknown = JSON.parse(comment.slice(start, end + 1));
        if (value && typeof value === 'object') return value;
      } catch {
        // Not JSON from here to there: a shorter span, or a later start.
      }
    }
  }
  return undefined;
}

/** Two shapes as one: an object's properties from both (the first's win), else the first. */
function mergeShapes(first: Node, second: Node): Node {
  if (first.type !== 'object' || second.type !== 'object') return first;
  const properties = { ...((second.properties as Record<string, Node>) ?? {}), ...((first.properties as Record<string, Node>) ?? {}) };
  return Object.keys(properties).length === 0 ? first : { ...first, properties };
}

/**
 * The shape of a json/jsonb column, from its default, its comment and its CHECK constraints: the default's
 * keys and value types (an object's keys as optional properties, since rows the application
 * wrote may lack them; values are never copied, only their types), `jsonb_typeof(col) = '...'`
 * as the type, the keys and types of JSON shown in the column's comment (merged with the
 * default's), and keys a CHECK demands (`col ? 'key'`, `col ?& ARRAY[...]`) as required
 * properties. Without any of these, an open object (or an array of words for a `'[...]'`
 * default), as before.
 *
 * @example
 * jsonShape(`'{"theme": "light", "beta": false}'::jsonb`, { jsonKeys: ['plan'] })
 * // { type: 'object', properties: { theme: {...string}, beta: { type: 'boolean' }, plan: {...} }, required: ['plan'] }
 */
export function jsonShape(defaultText: string | undefined, facts: CheckFacts, comment?: string): Node {
  const value = jsonDefault(defaultText);
  const documented = jsonInComment(comment);
  let node: Node = value === undefined ? { type: 'object' } : shapeOf(value, 0);
  if (documented !== undefined) node = value === undefined || isEmpty(value) ? shapeOf(documented, 0) : mergeShapes(node, shapeOf(documented, 0));
  const jsonType = node.type === 'integer' ? 'number' : node.type;
  if (facts.jsonType && jsonType !== facts.jsonType) {
    const sample: Record<string, unknown> = { object: {}, array: [], string: '', number: 0, boolean: true };
    node = shapeOf(sample[facts.jsonType], 0);
  }
  if (facts.jsonKeys && facts.jsonKeys.length > 0 && node.type === 'object') {
    const properties = { ...((node.properties as Record<string, Node>) ?? {}) };
    for (const key of facts.jsonKeys) properties[key] ??= stringFor(key, facts.jsonKeys);
    node = { ...node, properties, required: [...facts.jsonKeys] };
  }
  return node;
}
