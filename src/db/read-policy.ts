/**
 * Reads what a row-level-security policy compares, through the functions it calls: a policy
 * `organization_id = get_current_organization_context()` reads the setting that function (or a
 * function it calls) reads with `current_setting('app.current_organization_id', true)`. Function
 * bodies are `pg_proc.prosrc` of SQL and PL/pgSQL functions ({@link SnapshotFunction}); they are
 * followed recursively up to a depth bound, and a function is never read twice on one path (a
 * cycle ends there). Pure: the catalog module reads the functions, this only reads their text.
 */

/** A SQL or PL/pgSQL function (or procedure) as the catalog holds it. */
export interface SnapshotFunction {
  readonly schema: string;
  readonly name: string;
  /** `sql`, `plpgsql`, ... Only SQL and PL/pgSQL bodies are read. */
  readonly language: string;
  /** `pg_proc.prosrc`: the body's text. */
  readonly body: string;
  /** How many arguments it takes. */
  readonly args: number;
  /** `pg_get_function_identity_arguments`: `org_id uuid`. */
  readonly identityArgs?: string;
  /** A procedure (`CALL`), not a function (`SELECT`). */
  readonly procedure?: boolean;
}

/** How deep function calls are followed by default: a policy's function, and two more below it. */
export const DEFAULT_FUNCTION_DEPTH = 4;

/** What a text (a policy expression, a function body) reads, following its calls. */
export interface SettingsRead {
  /** The settings read with `current_setting(...)`, in the order found, each once. */
  readonly settings: readonly string[];
  /** The functions followed to find them (`schema.name`). */
  readonly through: readonly string[];
  /** A call chain was deeper than the bound: what lies beyond was not read. */
  readonly bounded: boolean;
}

/** A column a policy compares with the tenant setting, and how the setting is reached. */
export interface PolicyComparison {
  readonly column: string;
  readonly setting: string;
  /** Functions between the policy and `current_setting` (empty when the policy reads it itself). */
  readonly through: readonly string[];
}

/** A function that sets a setting for the transaction or the session: what an application calls to set its tenant. */
export interface ContextSetter {
  readonly function: SnapshotFunction;
  readonly setting: string;
  /** `set_config(..., true)` / `SET LOCAL`: ends with the transaction. */
  readonly local: boolean;
}

const CURRENT_SETTING = /current_setting\s*\(\s*'((?:[^']|'')+)'/gi;
const CALL = /(?:("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)\s*\.\s*)?("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)\s*\(/g;
/**
 * Words followed by `(` that are no call of a user function, unquoted and unqualified: SQL and
 * PL/pgSQL key words (`IN (`, `AND (`, `CASE (`), type names with a length (`numeric(10,2)`), and
 * built-in functions, which PostgreSQL finds in pg_catalog before any schema of the search path.
 */
const NOT_CALLS = new Set([
  'current_setting', 'set_config', 'nullif', 'coalesce', 'greatest', 'least', 'cast', 'exists', 'in', 'any', 'all', 'some',
  'and', 'or', 'not', 'select', 'from', 'where', 'values', 'array', 'row', 'case', 'when', 'then', 'else', 'return',
  'if', 'elsif', 'format', 'lower', 'upper', 'trim', 'btrim', 'length', 'substring', 'position', 'perform', 'execute', 'using',
  'on', 'as', 'numeric', 'varchar', 'character', 'varying', 'char', 'timestamp',
]);

function unquote(name: string): string {
  return name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name.toLowerCase();
}

/** A quoted identifier or a string literal (a doubled quote inside either is one character). */
const QUOTED = /"(?:[^"]|"")*"|'(?:[^']|'')*'/g;

const QUOTED_OR_COMMENT = new RegExp(String.raw`(${QUOTED.source})|--[^\n]*|/\*[\s\S]*?\*/`, 'g');

/** Strips SQL comments; a `--` or `/*` inside a string literal or a quoted identifier is text, not a comment. */
export function stripComments(text: string): string {
  return text.replace(QUOTED_OR_COMMENT, (match, quoted: string | undefined) => quoted ?? ' ');
}

/** `text` with the inside of its string literals blanked, at the same offsets: where its code is, so that no name or `=` written in a literal is read. */
export function blankLiterals(text: string): string {
  return text.replace(QUOTED, (q) => (q.startsWith("'") ? `'${' '.repeat(q.length - 2)}'` : q));
}

/** The user functions a text calls, by (schema, name); unknown names are left out. */
export function calledFunctions(text: string, functions: readonly SnapshotFunction[]): SnapshotFunction[] {
  const out: SnapshotFunction[] = [];
  for (const m of blankLiterals(stripComments(text)).matchAll(CALL)) {
    const name = unquote(m[2]);
    if (!m[1] && !m[2].startsWith('"') && NOT_CALLS.has(name)) continue;
    const schema = m[1] ? unquote(m[1]) : undefined;
    for (const f of functions) {
      if (f.name === name && (!schema || f.schema === schema) && !out.includes(f)) out.push(f);
    }
  }
  return out;
}

const readable = (f: SnapshotFunction) => ['sql', 'plpgsql'].includes(f.language);
const label = (f: SnapshotFunction) => `${f.schema}.${f.name}`;

/**
 * The settings a text reads with `current_setting`, itself or through the SQL and PL/pgSQL
 * functions it calls, recursively up to `depth` levels of calls; a function already on the path
 * is not read again (recursive functions end).
 *
 * @example
 * readSettings('(org_id = current_org())', [{ schema: 'public', name: 'current_org', language: 'sql', args: 0,
 *   body: "select nullif(current_setting('app.org', true), '')::uuid" }]).settings // ['app.org']
 */
export function readSettings(text: string, functions: readonly SnapshotFunction[], depth = DEFAULT_FUNCTION_DEPTH): SettingsRead {
  const settings: string[] = [];
  const through: string[] = [];
  let bounded = false;
  const visit = (source: string, level: number, path: readonly SnapshotFunction[]) => {
    const text = stripComments(source);
    const code = blankLiterals(text);
    for (const m of text.matchAll(CURRENT_SETTING)) {
      if (code[m.index!] !== text[m.index!]) continue; // written inside a literal
      const setting = m[1].replace(/''/g, "'");
      if (!settings.includes(setting)) settings.push(setting);
    }
    for (const f of calledFunctions(source, functions)) {
      if (!readable(f) || path.includes(f)) continue;
      if (level >= depth) {
        bounded = true;
        continue;
      }
      if (!through.includes(label(f))) through.push(label(f));
      visit(f.body, level + 1, [...path, f]);
    }
  };
  visit(text, 0, []);
  return { settings, through, bounded };
}

/** The words at which an operand of a policy expression ends, at its parenthesis level. */
export const AND_OR = /^(and|or)$/i;

/**
 * Where the operand that starts at `from` ends, reading forward (`step` 1) or backward (-1): at the
 * parenthesis that closes its group, a comma or semicolon, a word of `boundary` (AND, OR) at its
 * level, or the text's end (`text.length`, or -1 backward). Quoted identifiers and string literals
 * are skipped whole; `from` must not be inside one.
 *
 * @example
 * groupEnd("(a = 'x) OR y' AND b)", 4, 1) // 15, where AND begins
 */
export function groupEnd(text: string, from: number, step: 1 | -1, boundary: RegExp = AND_OR): number {
  const forward = step > 0;
  let depth = 0;
  let quoted: string | undefined;
  for (let i = from; forward ? i < text.length : i >= 0; i += step) {
    const c = text[i];
    if (quoted) {
      if (c === quoted) quoted = undefined;
      continue;
    }
    if (c === "'" || c === '"') quoted = c;
    else if (c === (forward ? '(' : ')')) depth++;
    else if (c === (forward ? ')' : '(')) {
      if (depth === 0) return i;
      depth--;
    } else if (depth === 0 && (c === ',' || c === ';')) return i;
    else if (/[\w$]/.test(c)) {
      const word = forward ? /^[\w$]+/.exec(text.slice(i))![0] : /[\w$]+$/.exec(text.slice(0, i + 1))![0];
      if (depth === 0 && boundary.test(word)) return i;
      i += step * (word.length - 1);
    }
  }
  return forward ? text.length : -1;
}

const COLUMN = /^\(*\s*("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)\s*\)*(?:\s*::\s*[A-Za-z_][A-Za-z0-9_ ."\[\]]*)?\s*\)*$/;

/** The column an operand names (`tenant_id`, `(t."tenantId")::text`), or undefined for an expression. */
function operandColumn(operand: string): string | undefined {
  const m = COLUMN.exec(operand.trim());
  if (!m) return undefined;
  const name = unquote(m[1]);
  return ['true', 'false', 'null'].includes(name) ? undefined : name;
}

/**
 * The columns a policy expression compares, with `=`, with a setting read directly or through
 * functions: `tenant_id = (NULLIF(current_setting('app.tenant'::text, true), ''::text))::uuid`,
 * `organization_id = get_current_organization_context()`, either side of the `=`.
 *
 * @example
 * readPolicyComparisons("(org_id = current_setting('app.org'::text)::uuid)", []) // [{ column: 'org_id', setting: 'app.org', through: [] }]
 */
export function readPolicyComparisons(expression: string | undefined, functions: readonly SnapshotFunction[] = [], depth = DEFAULT_FUNCTION_DEPTH): PolicyComparison[] {
  if (!expression) return [];
  const out: PolicyComparison[] = [];
  const text = stripComments(expression);
  const code = blankLiterals(text);
  for (let i = code.indexOf('='); i >= 0; i = code.indexOf('=', i + 1)) {
    if (/[<>!=]/.test(code[i - 1] ?? '') || code[i + 1] === '=' || code[i + 1] === '>') continue;
    const left = text.slice(groupEnd(text, i - 1, -1) + 1, i);
    const right = text.slice(i + 1, groupEnd(text, i + 1, 1));
    for (const [columnSide, valueSide] of [[left, right], [right, left]]) {
      const column = operandColumn(columnSide);
      if (!column) continue;
      const read = readSettings(valueSide, functions, depth);
      if (read.settings.length > 0 && !out.some((c) => c.column === column)) out.push({ column, setting: read.settings[0], through: read.through });
    }
  }
  return out;
}

/** `set_config('name', `: its value, read with {@link groupEnd}, may hold commas (`coalesce(p, '')`). */
const SET_CONFIG = /set_config\s*\(\s*'((?:[^']|'')+)'\s*(?:::\s*text\s*)?,/gi;
/** What follows the value of `set_config`: its third argument, `is_local`, written as a constant. */
const IS_LOCAL = /^,\s*(true|false|'t'|'f'|'true'|'false')/i;
const SET_STATEMENT = /\bSET\s+(LOCAL\s+|SESSION\s+)?("?[A-Za-z_][A-Za-z0-9_]*"?\s*\.\s*"?[A-Za-z_][A-Za-z0-9_]*"?)\s*(?:=|TO\b)/gi;
/** No word ends an argument of a call: only a comma or its closing parenthesis. */
const NO_WORD = /^$/;

/**
 * The settings a function body sets (`set_config('app.x', v, true)`, `SET LOCAL app.x = ...`),
 * itself or through the functions it calls, `depth` levels down; `path` holds the functions on
 * the way, `f` last, none of them read twice.
 */
function settingsSet(f: SnapshotFunction, functions: readonly SnapshotFunction[], depth: number, path: readonly SnapshotFunction[]): Array<{ setting: string; local: boolean }> {
  const body = stripComments(f.body);
  const out: Array<{ setting: string; local: boolean }> = [];
  for (const m of body.matchAll(SET_CONFIG)) {
    const isLocal = IS_LOCAL.exec(body.slice(groupEnd(body, m.index! + m[0].length, 1, NO_WORD)));
    if (isLocal) out.push({ setting: m[1].replace(/''/g, "'"), local: /^'?t/i.test(isLocal[1]) });
  }
  for (const m of body.matchAll(SET_STATEMENT)) out.push({ setting: m[2].replace(/["\s]/g, ''), local: /LOCAL/i.test(m[1] ?? '') });
  if (depth > 0) {
    for (const g of calledFunctions(body, functions)) {
      if (readable(g) && !path.includes(g)) out.push(...settingsSet(g, functions, depth - 1, [...path, g]));
    }
  }
  return out;
}

/**
 * The functions that set `setting` (directly, or through functions they call), those that take
 * one argument first and, among them, those that set it for the transaction only.
 *
 * @example
 * findContextSetters(functions, 'app.current_organization_id')[0]?.function.name // 'set_org_context'
 */
export function findContextSetters(functions: readonly SnapshotFunction[], setting: string, depth = DEFAULT_FUNCTION_DEPTH): ContextSetter[] {
  const out: ContextSetter[] = [];
  for (const f of functions.filter(readable)) {
    const sets = settingsSet(f, functions, depth, [f]).filter((s) => s.setting.toLowerCase() === setting.toLowerCase());
    if (sets.length > 0) out.push({ function: f, setting, local: sets.every((s) => s.local) });
  }
  return out.sort((a, b) => Number(a.function.args !== 1) - Number(b.function.args !== 1) || Number(b.local) - Number(a.local) || label(a.function).localeCompare(label(b.function)));
}
