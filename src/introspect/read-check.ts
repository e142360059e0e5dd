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
  /** `char_length(col) >= n`, `length(col) > n`, `col <> ''`. */
  minLength?: number;
  /** `char_length(col) <= n`, `length(col) < n`. */
  maxLength?: number;
}

/** `later >= earlier` (or `>` when `strict`): an order between two columns of a row. */
export interface OrderRule {
  readonly later: string;
  readonly earlier: string;
  readonly strict: boolean;
}

/** `total = a + b (+ ...)`: a column that is the sum of others of its row. */
export interface SumRule {
  readonly column: string;
  readonly of: readonly string[];
}

/** The reading of one CHECK constraint. */
export type CheckReading =
  | { readonly read: true; readonly column: string; readonly facts: CheckFacts }
  | { readonly read: true; readonly order: OrderRule }
  | { readonly read: true; readonly sum: SumRule }
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
  return splitTop(text, ' AND ');
}

/** Splits at a top-level keyword (outside quotes and parentheses). */
function splitTop(text: string, keyword: string): string[] {
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
    else if (depth === 0 && text.startsWith(keyword, i)) {
      parts.push(text.slice(start, i));
      start = i + keyword.length;
    }
  }
  parts.push(text.slice(start));
  return parts.map(stripOuter);
}

/** A literal: `'x'::text`, `42`, `(0)::numeric`, `'-5'::integer`, `(- 5)`. */
function parseLiteral(text: string): string | number | undefined {
  // Casts and parentheses peeled in turn: `('-1'::integer)::numeric` is how a negative numeric prints.
  let s = text.trim();
  for (let peeled = ''; peeled !== s;) {
    peeled = s;
    s = stripOuter(s.replace(new RegExp(`(${CAST})+$`), ''));
  }
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

const isLetter = (ch: string | undefined) => ch !== undefined && /^[A-Za-z]$/.test(ch);
const otherCase = (text: string) => (text === text.toLowerCase() ? text.toUpperCase() : text.toLowerCase());

/**
 * `~*` matches either case, and JSON Schema's `pattern` has no flags: each letter becomes a class
 * of both cases, and a class's letters and ranges (`[A-Z0-9]`) gain the other case's.
 *
 * @example
 * caseInsensitivePattern('^[A-Z]+x$') // '^[A-Za-z]+[xX]$'
 */
export function caseInsensitivePattern(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') {
      out += ch + (pattern[i + 1] ?? '');
      i++;
    } else if (!inClass && ch === '[') {
      inClass = true;
      out += ch;
      if (pattern[i + 1] === '^') out += pattern[++i];
      if (pattern[i + 1] === ']') out += pattern[++i];
    } else if (inClass && ch === ']') {
      inClass = false;
      out += ch;
    } else if (inClass && isLetter(ch) && pattern[i + 1] === '-' && isLetter(pattern[i + 2])) {
      const range = pattern.slice(i, i + 3);
      out += range + otherCase(range);
      i += 2;
    } else if (isLetter(ch)) {
      out += inClass ? ch + otherCase(ch) : `[${ch.toLowerCase()}${ch.toUpperCase()}]`;
    } else {
      out += ch;
    }
  }
  return out;
}

type Atom = { column: string; facts: CheckFacts } | undefined;

/**
 * A column, or the column trimmed (`btrim(col)`, `TRIM(BOTH FROM col)`): generated text has no
 * surrounding spaces, so a rule on the trimmed value holds for the value.
 */
function parseTrimmedColumn(text: string): string | undefined {
  const trimmed = /^(?:btrim\((.+)\)|TRIM\(BOTH FROM (.+)\))$/.exec(stripOuter(text.trim()));
  return parseColumn(trimmed ? trimmed[1] ?? trimmed[2] : text);
}

/** `length(col)`, `char_length((col)::text)`, `length(btrim(col))`: the column measured. */
function parseLengthOf(text: string): string | undefined {
  const call = /^(?:char_length|character_length|length)\((.+)\)$/.exec(stripOuter(text.trim()));
  return call ? parseTrimmedColumn(call[1]) : undefined;
}

function readLength(op: string, n: number): CheckFacts | undefined {
  if (!Number.isInteger(n)) return undefined;
  if (op === '>=') return { minLength: Math.max(0, n) };
  if (op === '>') return { minLength: Math.max(0, n + 1) };
  if (op === '<=') return { maxLength: n };
  if (op === '<') return { maxLength: n - 1 };
  if (op === '=') return { minLength: n, maxLength: n };
  return undefined;
}

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
  const regex = /^(.+?) (~\*?) ('(?:[^']|'')*')(?:::text)?$/.exec(s);
  if (regex) {
    const column = parseColumn(regex[1]);
    const source = parseLiteral(regex[3]);
    const translated = typeof source === 'string' ? toJavaScriptPattern(source) : undefined;
    const pattern = translated && regex[2] === '~*' ? caseInsensitivePattern(translated) : translated;
    return column && pattern ? { column, facts: { pattern } } : undefined;
  }
  const notEmpty = /^(.+?) <> ''(?:::[A-Za-z ]+)?$/.exec(s);
  if (notEmpty) {
    const column = parseTrimmedColumn(notEmpty[1]);
    return column ? { column, facts: { minLength: 1 } } : undefined;
  }
  const length = /^(.+?) (>=|<=|=|>|<) (.+)$/.exec(s);
  const measured = length ? parseLengthOf(length[1]) : undefined;
  if (length && measured) {
    const n = parseLiteral(length[3]);
    const facts = typeof n === 'number' ? readLength(length[2], n) : undefined;
    return facts ? { column: measured, facts } : undefined;
  }
  const jsonType = /^(?:jsonb?_typeof)\((.+)\) = '(object|array|string|number|boolean)'(?:::text)?$/.exec(s);
  if (jsonType) {
    const column = parseColumn(jsonType[1]);
    return column ? { column, facts: { jsonType: jsonType[2] } } : undefined;
  }
  // `jsonb_exists(col, 'key')` / `jsonb_exists_all(col, ARRAY[...])`: the operators' functions,
  // which teams write where `?` is a query placeholder (Knex, JDBC, psycopg).
  const hasKey = /^(.+?) \? ('(?:[^']|'')*')(?:::text)?$/.exec(s) ?? /^jsonb_exists\((.+?), ('(?:[^']|'')*')(?:::text)?\)$/.exec(s);
  const hasKeys = /^(.+?) \?& ARRAY\[(.*)\]$/.exec(s) ?? /^jsonb_exists_all\((.+?), ARRAY\[(.*)\]\)$/.exec(s);
  if (hasKey || hasKeys) {
    const column = parseColumn((hasKey ?? hasKeys)![1]);
    const keys = hasKey ? [parseLiteral(hasKey[2])] : hasKeys![2].match(/'(?:[^']|'')*'(?:::text)?/g)?.map(parseLiteral);
    if (!column || !keys || keys.some((k) => typeof k !== 'string')) return undefined;
    return { column, facts: { jsonKeys: keys as string[] } };
  }
  // `col = lower(col)`, or as written the other way round: `lower(col) = col`.
  const lower = /^(.+?) = lower\((.+)\)$/.exec(s) ?? /^lower\((.+)\) = (.+)$/.exec(s);
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
export function mergeFacts(into: CheckFacts, facts: CheckFacts): CheckFacts {
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
  if (facts.minLength !== undefined) out.minLength = Math.max(out.minLength ?? 0, facts.minLength);
  if (facts.maxLength !== undefined) out.maxLength = Math.min(out.maxLength ?? Infinity, facts.maxLength);
  return out;
}

const CHECK_BODY = /^CHECK \((.*)\)( NOT VALID)?$/s;

/**
 * The expression of a CHECK as `pg_get_constraintdef` prints it, without `CHECK (...)` and
 * `NOT VALID`: what `x-checks` keeps for PostgreSQL to evaluate.
 *
 * @example
 * checkExpression("CHECK (((qty % 7) = 3)) NOT VALID") // '((qty % 7) = 3)'
 */
export function checkExpression(definition: string): string {
  return CHECK_BODY.exec(definition.trim())?.[1] ?? definition;
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
  const body = CHECK_BODY.exec(definition.trim());
  if (!body) return { read: false, reason: 'not a CHECK constraint' };
  let expression = stripOuter(body[1]);
  const order = readOrder(expression);
  if (order) return { read: true, order };
  const sum = readSum(expression);
  if (sum) return { read: true, sum };
  // `x IS NULL OR <what x must be>`: a nullable column's rule (a null passes any CHECK anyway).
  const alternatives = splitTop(expression, ' OR ');
  let nullable: string | undefined;
  if (alternatives.length === 2) {
    const isNull = alternatives.map((a) => /^(.+) IS NULL$/.exec(stripOuter(a))).map((m) => (m ? parseColumn(m[1]) : undefined));
    const at = isNull.findIndex((c) => c !== undefined);
    if (at >= 0) {
      nullable = isNull[at];
      expression = stripOuter(alternatives[1 - at]);
    }
  }
  let column: string | undefined;
  let facts: CheckFacts = {};
  for (const part of splitAnd(expression)) {
    const atom = readAtom(part);
    if (!atom) return { read: false, reason: `tenantseed cannot read \`${part}\`` };
    if (column !== undefined && atom.column !== column) return { read: false, reason: 'it involves more than one column' };
    column = atom.column;
    facts = mergeFacts(facts, atom.facts);
  }
  if (column === undefined) return { read: false, reason: 'it names no column' };
  if (nullable !== undefined && nullable !== column) return { read: false, reason: 'it involves more than one column' };
  return { read: true, column, facts };
}

/** `a >= b`, `b < a`: two columns of the row in order (an equality or `<>` is not an order). */
function readOrder(expression: string): OrderRule | undefined {
  const compare = /^(.+?) (>=|<=|>|<) (.+)$/.exec(expression);
  if (!compare || splitAnd(expression).length > 1 || splitTop(expression, ' OR ').length > 1) return undefined;
  const left = parseColumn(compare[1]);
  const right = parseColumn(compare[3]);
  if (!left || !right || left === right) return undefined;
  const strict = compare[2] === '>' || compare[2] === '<';
  return compare[2].startsWith('>') ? { later: left, earlier: right, strict } : { later: right, earlier: left, strict };
}

/** The columns added up in `(a + b) + c`, or undefined when it is anything else. */
function parseTerms(text: string): string[] | undefined {
  const terms = splitTop(stripOuter(text), ' + ');
  if (terms.length === 1) {
    const column = parseColumn(terms[0]);
    return column ? [column] : undefined;
  }
  const columns = terms.map(parseTerms);
  return columns.every((c) => c !== undefined) ? columns.flat() as string[] : undefined;
}

/** `total = (a + b)`, `(a + b) = total`: a column that is the sum of two or more others. */
function readSum(expression: string): SumRule | undefined {
  const sides = splitTop(expression, ' = ');
  if (sides.length !== 2 || splitAnd(expression).length > 1) return undefined;
  for (const [one, other] of [[sides[0], sides[1]], [sides[1], sides[0]]]) {
    const column = parseColumn(one);
    const of = parseTerms(other);
    if (column && of && of.length >= 2 && !of.includes(column)) return { column, of };
  }
  return undefined;
}
