/**
 * Reads a CHECK constraint, as `pg_get_constraintdef` prints it, into JSON-Schema facts about
 * one column. PostgreSQL normalises what was written: `IN (...)` prints as `= ANY (ARRAY[...])`,
 * `BETWEEN` as two comparisons joined by AND, a varchar column as `(col)::text`. Only those
 * normal forms are read; anything else is returned as unread, with its text, for a hand edit.
 */

/** What a CHECK says about a column, as JSON-Schema keywords. */
export interface CheckFacts {
  enum?: (string | number)[];
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  exclusiveMaximum?: number;
  /** A JavaScript regular expression (translated from PostgreSQL's). */
  pattern?: string;
  /** `col = lower(col)`. */
  lowercase?: boolean;
  /** `jsonb_typeof(col) = 'object'`: the JSON type of a json/jsonb column. */
  jsonType?: string;
  /** `col ? 'key'`, `col ?& ARRAY[...]`: keys a json/jsonb object always has. */
  jsonKeys?: string[];
}

/** The reading of one CHECK constraint. */
export type CheckReading =
  | { readonly read: true; readonly column: string; readonly facts: CheckFacts }
  | { readonly read: false; readonly reason: string };

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const CAST = String.raw`::(?:"?[A-Za-z_][A-Za-z0-9_ ]*"?)(?:\(\d+(?:,\d+)?\))?(?:\[\])?`;

function unquoteIdent(name: string): string {
  return name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name;
}

/** Removes parentheses around the whole expression, as often as they wrap it. */
function stripOuter(text: string): string {
  let s = text.trim();
  while (s.startsWith('(') && s.endsWith(')')) {
    let depth = 0;
    let wraps = true;
    let quoted = false;
    for (let i = 0; i < s.length; i++) {
      const ch = s[i];
      if (ch === "'") quoted = !quoted;
      if (quoted) continue;
      if (ch === '(') depth++;
      if (ch === ')') depth--;
      if (depth === 0 && i < s.length - 1) { wraps = false; break; }
    }
    if (!wraps) break;
    s = s.slice(1, -1).trim();
  }
  return s;
}

/** Splits at top-level ` AND ` (outside quotes and parentheses); one part when there is none. */
function splitAnd(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'") quoted = !quoted;
    if (quoted) continue;
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && text.startsWith(' AND ', i)) {
      parts.push(text.slice(start, i));
      start = i + 5;
    }
  }
  parts.push(text.slice(start));
  return parts.map(stripOuter);
}

/** A literal: `'x'::text`, `42`, `(0)::numeric`, `'-5'::integer`, `(- 5)`. */
function parseLiteral(text: string): string | number | undefined {
  const s = stripOuter(text.trim().replace(new RegExp(`(${CAST})+$`), ''));
  const quoted = /^'((?:[^']|'')*)'$/.exec(s);
  if (quoted) {
    const value = quoted[1].replace(/''/g, "'");
    return /^-?\d+(\.\d+)?$/.test(value) && /::(integer|bigint|smallint|numeric|real|double precision)/.test(text) ? Number(value) : value;
  }
  const number = stripOuter(s.replace(/^\(\s*-\s*(.+)\)$/, '-$1'));
  if (/^-?\s*\d+(\.\d+)?$/.test(number)) return Number(number.replace(/\s/g, ''));
  return undefined;
}

/** A column reference, possibly cast: `qty`, `(status)::text`, `"Title"`. */
function parseColumn(text: string): string | undefined {
  const s = stripOuter(text.trim());
  const cast = new RegExp(`^\\((${IDENT})\\)(?:${CAST})+$`).exec(s);
  if (cast) return unquoteIdent(cast[1]);
  const bare = new RegExp(`^(${IDENT})(?:${CAST})*$`).exec(s);
  if (bare && !/^(true|false|null)$/i.test(bare[1])) return unquoteIdent(bare[1]);
  return undefined;
}

const POSIX_CLASSES: Record<string, string> = {
  alpha: 'a-zA-Z', digit: '0-9', alnum: 'a-zA-Z0-9', lower: 'a-z', upper: 'A-Z', space: '\\s', xdigit: '0-9a-fA-F', punct: '!-\\/:-@\\[-`{-~', word: '\\w',
};

/**
 * PostgreSQL's regular expressions (AREs) are close to JavaScript's for the patterns CHECKs
 * use; POSIX classes are spelled out, and a pattern JavaScript cannot compile is not read.
 */
export function toJavaScriptPattern(pattern: string): string | undefined {
  const translated = pattern.replace(/\[:([a-z]+):\]/g, (whole, name: string) => POSIX_CLASSES[name] ?? whole);
  if (/\\[mMyYAZ]/.test(translated)) return undefined;
  try {
    new RegExp(translated, 'u');
    return translated;
  } catch {
    return undefined;
  }
}

type Atom = { column: string; facts: CheckFacts } | undefined;

const FLIP: Record<string, string> = { '>': '<', '>=': '<=', '<': '>', '<=': '>=', '=': '=' };

function readComparison(column: string, op: string, value: string | number): CheckFacts | undefined {
  if (op === '=') return { enum: [value] };
  if (typeof value !== 'number') return undefined;
  if (op === '>=') return { minimum: value };
  if (op === '>') return { exclusiveMinimum: value };
  if (op === '<=') return { maximum: value };
  if (op === '<') return { exclusiveMaximum: value };
  return undefined;
}

function readAtom(text: string): Atom {
  const s = stripOuter(text);
  // col = ANY (ARRAY['a'::text, 'b'::text]) and the varchar form with a cast around the array.
  const any = /^(.+?) = ANY \((.*)\)$/.exec(s);
  if (any) {
    const column = parseColumn(any[1]);
    const array = /ARRAY\[(.*)\]/.exec(any[2]);
    if (!column || !array) return undefined;
    const values = array[1].match(/'(?:[^']|'')*'(?:::[A-Za-z_ ]+(?:\(\d+\))?)?|-?\d+(?:\.\d+)?/g)?.map(parseLiteral);
    if (!values || values.some((v) => v === undefined)) return undefined;
    return { column, facts: { enum: values as (string | number)[] } };
  }
  const regex = /^(.+?) ~ ('(?:[^']|'')*')(?:::text)?$/.exec(s);
  if (regex) {
    const column = parseColumn(regex[1]);
    const source = parseLiteral(regex[2]);
    const pattern = typeof source === 'string' ? toJavaScriptPattern(source) : undefined;
    return column && pattern ? { column, facts: { pattern } } : undefined;
  }
  const jsonType = /^(?:jsonb?_typeof)\((.+)\) = '(object|array|string|number|boolean)'(?:::text)?$/.exec(s);
  if (jsonType) {
    const column = parseColumn(jsonType[1]);
    return column ? { column, facts: { jsonType: jsonType[2] } } : undefined;
  }
  const hasKey = /^(.+?) \? ('(?:[^']|'')*')(?:::text)?$/.exec(s);
  const hasKeys = /^(.+?) \?& ARRAY\[(.*)\]$/.exec(s);
  if (hasKey || hasKeys) {
    const column = parseColumn((hasKey ?? hasKeys)![1]);
    const keys = hasKey ? [parseLiteral(hasKey[2])] : hasKeys![2].match(/'(?:[^']|'')*'(?:::text)?/g)?.map(parseLiteral);
    if (!column || !keys || keys.some((k) => typeof k !== 'string')) return undefined;
    return { column, facts: { jsonKeys: keys as string[] } };
  }
  const lower = /^(.+?) = lower\((.+)\)$/.exec(s);
  if (lower) {
    const column = parseColumn(lower[1]);
    return column && column === parseColumn(lower[2]) ? { column, facts: { lowercase: true } } : undefined;
  }
  const compare = /^(.+?) (>=|<=|=|>|<) (.+)$/.exec(s);
  if (compare) {
    const [, left, op, right] = compare;
    const leftColumn = parseColumn(left);
    const rightValue = parseLiteral(right);
    if (leftColumn && rightValue !== undefined) {
      const facts = readComparison(leftColumn, op, rightValue);
      return facts ? { column: leftColumn, facts } : undefined;
    }
    const rightColumn = parseColumn(right);
    const leftValue = parseLiteral(left);
    if (rightColumn && leftValue !== undefined) {
      const facts = readComparison(rightColumn, FLIP[op], leftValue);
      return facts ? { column: rightColumn, facts } : undefined;
    }
  }
  return undefined;
}

/** Tightens `into` by `facts` (both describe the same column). */
function mergeFacts(into: CheckFacts, facts: CheckFacts): CheckFacts {
  const out = { ...into };
  if (facts.enum) out.enum = out.enum ? out.enum.filter((v) => facts.enum!.includes(v)) : facts.enum;
  if (facts.minimum !== undefined) out.minimum = Math.max(out.minimum ?? -Infinity, facts.minimum);
  if (facts.exclusiveMinimum !== undefined) out.exclusiveMinimum = Math.max(out.exclusiveMinimum ?? -Infinity, facts.exclusiveMinimum);
  if (facts.maximum !== undefined) out.maximum = Math.min(out.maximum ?? Infinity, facts.maximum);
  if (facts.exclusiveMaximum !== undefined) out.exclusiveMaximum = Math.min(out.exclusiveMaximum ?? Infinity, facts.exclusiveMaximum);
  if (facts.pattern) {
    if (out.pattern) return { ...out, pattern: `(?=${out.pattern})${facts.pattern}` };
    out.pattern = facts.pattern;
  }
  if (facts.lowercase) out.lowercase = true;
  if (facts.jsonType) out.jsonType = facts.jsonType;
  if (facts.jsonKeys) out.jsonKeys = [...new Set([...(out.jsonKeys ?? []), ...facts.jsonKeys])];
  return out;
}

/**
 * Reads `CHECK (...)` into facts about one column: `IN (...)` / `= ANY (ARRAY[...])` as an
 * enum, comparisons with constants and `BETWEEN` as bounds, `~ 'regex'` as a pattern,
 * `col = lower(col)` as lowercase, and ANDs of those on one column. Anything else is unread.
 *
 * @example
 * readCheck("CHECK (((qty >= 1) AND (qty <= 10)))") // { read: true, column: 'qty', facts: { minimum: 1, maximum: 10 } }
 */
export function readCheck(definition: string): CheckReading {
  const body = /^CHECK \((.*)\)( NOT VALID)?$/s.exec(definition.trim());
  if (!body) return { read: false, reason: 'not a CHECK constraint' };
  let column: string | undefined;
  let facts: CheckFacts = {};
  for (const part of splitAnd(stripOuter(body[1]))) {
    const atom = readAtom(part);
    if (!atom) return { read: false, reason: `tenantseed cannot read \`${part}\`` };
    if (column !== undefined && atom.column !== column) return { read: false, reason: 'it involves more than one column' };
    column = atom.column;
    facts = mergeFacts(facts, atom.facts);
  }
  if (column === undefined) return { read: false, reason: 'it names no column' };
  return { read: true, column, facts };
}
