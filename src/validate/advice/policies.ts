import { quotedNameText } from '../../db';
import type { TablePolicy } from '../../db';
import type { AdviceRule, TableFacts } from './types';

/** Functions a policy may call that read no tenant themselves: anything else may read it. */
const PLAIN_FUNCTIONS = new Set(['current_setting', 'nullif', 'coalesce', 'lower', 'upper', 'btrim', 'trim']);

/** Whether the expression calls a function other than the plain ones (a context function such as current_org_id()). */
function callsFunction(expr: string): boolean {
  for (const match of expr.matchAll(/([A-Za-z_][A-Za-z0-9_$]*|"(?:[^"]|"")+")\s*\(/g)) {
    const name = match[1].replace(/^"|"$/g, '').toLowerCase();
    if (!PLAIN_FUNCTIONS.has(name) && !['any', 'all', 'in', 'exists', 'array', 'and', 'or', 'not'].includes(name)) return true;
  }
  return false;
}

/**
 * Whether an expression restricts to the current tenant, as far as text can tell: it names the
 * tenant column and reads the setting, or calls a function (which may read it: the isolation
 * probe proves it by behaviour, so no false advice is given here).
 */
function restricts(f: TableFacts, expr: string | null): boolean {
  if (expr === null) return false;
  const names = expr.includes(f.tenantColumn) || expr.includes(quotedNameText(f.tenantColumn));
  return names && (expr.includes('current_setting') || callsFunction(expr));
}

const covers = (p: TablePolicy, command: string) => p.command === 'ALL' || p.command === command;

/** TS-P01: no policy restricts reads to the tenant. */
export const NO_READ_POLICY: AdviceRule = {
  id: 'TS-P01',
  title: 'no policy restricts reads to the tenant',
  severity: 'high',
  why: 'Without a policy on the tenant column, isolation rests on something the catalog does not show; the isolation check proves it by behaviour on the probed tenants only.',
  fix: 'CREATE POLICY ... USING (tenant column = the current tenant).',
  check: (f) => (f.policies.some((p) => covers(p, 'SELECT') && restricts(f, p.using)) ? []
    : [{ objects: [f.table], message: `no policy restricts reads to the current tenant (${f.tenantColumn} = current_setting(...))` }]),
};

/** TS-P02: no WITH CHECK on the tenant for writes. */
export const NO_WRITE_CHECK: AdviceRule = {
  id: 'TS-P02',
  title: 'no WITH CHECK on the tenant',
  severity: 'high',
  why: 'Without WITH CHECK (or a USING that stands for it) a tenant may write rows that carry another tenant\'s id.',
  fix: 'Give the tenant policy WITH CHECK (tenant column = the current tenant).',
  check: (f) => (f.policies.some((p) => covers(p, 'INSERT') && (restricts(f, p.withCheck) || (p.withCheck === null && restricts(f, p.using)))) ? []
    : [{ objects: [f.table], message: `no policy checks written rows against the current tenant (WITH CHECK on ${f.tenantColumn})` }]),
};

/** TS-P03: a permissive policy that lets every row through. */
export const PERMISSIVE_TRUE: AdviceRule = {
  id: 'TS-P03',
  title: 'a permissive policy lets every row through',
  severity: 'high',
  why: 'Permissive policies are ORed: one that is true for its roles admits every tenant\'s rows to them.',
  fix: 'Drop the policy, make it RESTRICTIVE, or limit it to a role the application never uses (TO ...).',
  check: (f) => f.policies.filter((p) => p.permissive === 'PERMISSIVE' && (p.using === 'true' || p.withCheck === 'true'))
    .map((p) => ({ objects: [p.name], message: `policy ${p.name} lets every row through (true)` })),
};
