/**
 * Reads the membership checks of a schema's functions: a function that looks up a table (a
 * membership table, joined to others or in an EXISTS) comparing one of its columns with the
 * session's user, that is a setting other than the tenant's (`current_setting('app.user_id')`,
 * itself or through the functions it calls, or a PL/pgSQL variable assigned from it), or the
 * role (`current_user`, `session_user`). What a context function that must refuse a non-member
 * reads. Pure: the catalog module reads the functions, this only reads their text.
 */
import { calledFunctions, groupEnd, readSettings, stripComments } from './read-policy';
import type { SnapshotFunction } from './read-policy';

/** How a session names its user to a membership check. */
export type SessionIdentity = { readonly setting: string } | { readonly role: 'current_user' | 'session_user' | 'current_role' };

/** A function that compares a column of a table it reads with the session's user. */
export interface MembershipCheck {
  /** `schema.name` of the function whose body holds the comparison. */
  readonly function: string;
  /** The tables its body reads (FROM, JOIN), as written (unquoted, without schema): the membership table is one of them. */
  readonly tables: readonly string[];
  /** The table the compared column is qualified with (an alias resolved), when it is. */
  readonly userTable?: string;
  /** The column compared with the user. */
  readonly userColumn: string;
  readonly identity: SessionIdentity;
}

const NAME = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)`;
const TABLE_REF = new RegExp(String.raw`\b(?:FROM|JOIN)\s+(?:ONLY\s+)?(?:(${NAME})\s*\.\s*)?(${NAME})(?:\s+(?:AS\s+)?(${NAME}))?`, 'gi');
const COLUMN_OPERAND = new RegExp(String.raw`^\(*\s*(?:(${NAME})\s*\.\s*)?(${NAME})\s*\)*\s*(?:::\s*[\w" .\[\]]+)?\s*\)*$`);
/** Words at which an operand ends, at its parenthesis level. */
const OPERAND_END = /^(where|and|or|on|if|elsif|when|then|not|select|return|exists|from|into|loop|order|limit|group|returning|perform|having|else|end|using|is|in|between)$/i;
/** Words that follow a table name in FROM and are no alias. */
const NO_ALIAS = /^(where|join|inner|left|right|full|cross|on|using|group|order|limit|natural|lateral|for|union|except|intersect|window|having|returning|into|as|set)$/i;
const ROLE_IDENTITY = /\b(current_user|session_user|current_role)\b/i;

function unquote(name: string): string {
  return name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name.toLowerCase();
}

/**
 * The operand of an `=` that starts at `at` reading forward (`step` 1) or ends there reading
 * backward (-1): up to an unmatched parenthesis, a comma or semicolon, or a keyword such as
 * WHERE, AND, THEN at its level ({@link groupEnd}). Function bodies are not parenthesised as
 * pg_get_expr prints a policy.
 */
function operand(text: string, at: number, step: 1 | -1): string {
  const end = groupEnd(text, at, step, OPERAND_END);
  return step > 0 ? text.slice(at, end) : text.slice(end + 1, at + 1);
}

/** The tables a body reads, and the aliases it gives them. */
function tableReferences(body: string): { tables: string[]; aliases: Map<string, string> } {
  const tables: string[] = [];
  const aliases = new Map<string, string>();
  for (const m of body.matchAll(TABLE_REF)) {
    const table = unquote(m[2]);
    if (!tables.includes(table)) tables.push(table);
    if (m[3] && !NO_ALIAS.test(m[3])) aliases.set(unquote(m[3]), table);
  }
  return { tables, aliases };
}

/** The user an expression reads: a setting other than the tenant's, the role, or a variable assigned from either. */
function identityOf(expression: string, functions: readonly SnapshotFunction[], tenantSetting: string, variables: ReadonlyMap<string, SessionIdentity>): SessionIdentity | undefined {
  const setting = readSettings(expression, functions).settings.find((s) => s !== tenantSetting);
  if (setting) return { setting };
  const role = ROLE_IDENTITY.exec(expression);
  if (role) return { role: role[1].toLowerCase() as 'current_user' };
  const variable = /^\s*\(*\s*([A-Za-z_][\w$]*)\s*\)*\s*(?:::\s*[\w" .\[\]]+)?\s*\)*\s*$/.exec(expression);
  return variable ? variables.get(variable[1].toLowerCase()) : undefined;
}

/** PL/pgSQL variables assigned (`v := ...`, or a DECLARE default) from the session's user. */
function identityVariables(body: string, functions: readonly SnapshotFunction[], tenantSetting: string): Map<string, SessionIdentity> {
  const out = new Map<string, SessionIdentity>();
  for (const m of body.matchAll(/:=/g)) {
    const before = body.slice(0, m.index).split(/[;\n]/).pop()!.trim().split(/\s+/).filter((w) => !/^declare$/i.test(w));
    const value = operand(body, m.index! + 2, 1);
    const identity = before.length > 0 ? identityOf(value, functions, tenantSetting, out) : undefined;
    if (identity) out.set(before[0].toLowerCase(), identity);
  }
  return out;
}

/**
 * The membership checks of `functions` (SQL and PL/pgSQL): each comparison, in a function that
 * reads a table, of a column with the session's user. `tables` are the names of the tables that
 * exist (others a body names, `unnest`, a CTE, are left out).
 *
 * @example
 * readMembershipChecks([{ schema: 'public', name: 'set_org', language: 'plpgsql', args: 1, body:
 *   "BEGIN IF NOT EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = current_setting('app.user_id')::uuid AND m.org_id = p_org)
 *    THEN RAISE EXCEPTION 'not a member'; END IF; PERFORM set_config('app.org', p_org::text, true); END" }],
 *   ['memberships'], 'app.org')
 * // [{ function: 'public.set_org', tables: ['memberships'], userTable: 'memberships', userColumn: 'user_id', identity: { setting: 'app.user_id' } }]
 */
export function readMembershipChecks(functions: readonly SnapshotFunction[], tables: readonly string[], tenantSetting: string): MembershipCheck[] {
  const out: MembershipCheck[] = [];
  for (const f of functions.filter((g) => ['sql', 'plpgsql'].includes(g.language))) {
    const body = stripComments(f.body);
    const refs = tableReferences(body);
    const read = refs.tables.filter((t) => tables.includes(t));
    if (read.length === 0) continue;
    const variables = identityVariables(body, functions, tenantSetting);
    for (let i = body.indexOf('='); i >= 0; i = body.indexOf('=', i + 1)) {
      if (/[<>!=:]/.test(body[i - 1] ?? '') || body[i + 1] === '=' || body[i + 1] === '>') continue;
      const left = operand(body, i - 1, -1);
      const right = operand(body, i + 1, 1);
      for (const [columnSide, valueSide] of [[left, right], [right, left]]) {
        const column = COLUMN_OPERAND.exec(columnSide.trim());
        if (!column || ['true', 'false', 'null'].includes(column[2].toLowerCase())) continue;
        if (ROLE_IDENTITY.test(columnSide) || variables.has(unquote(column[2]))) continue;
        const identity = identityOf(valueSide, functions, tenantSetting, variables);
        if (!identity) continue;
        const qualifier = column[1] ? unquote(column[1]) : undefined;
        const userTable = qualifier ? refs.aliases.get(qualifier) ?? qualifier : undefined;
        const check: MembershipCheck = { function: `${f.schema}.${f.name}`, tables: read, userTable, userColumn: unquote(column[2]), identity };
        if (!out.some((c) => JSON.stringify(c) === JSON.stringify(check))) out.push(check);
      }
    }
  }
  return out;
}

/** The functions `text` calls, and those they call, up to `depth` levels (`schema.name`, each once). */
export function reachableFunctions(text: string, functions: readonly SnapshotFunction[], depth = 4): string[] {
  const out: string[] = [];
  const visit = (source: string, level: number) => {
    for (const f of calledFunctions(stripComments(source), functions)) {
      const label = `${f.schema}.${f.name}`;
      if (out.includes(label) || level >= depth) continue;
      out.push(label);
      visit(f.body, level + 1);
    }
  };
  visit(text, 0);
  return out;
}
