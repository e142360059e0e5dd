import type { SnapshotTable } from '../db';
import type { Finding } from './infer-tenancy';

/**
 * What a CHECK says about the rows of a table that have no tenant on purpose (platform admins):
 * `(role = 'PLATFORM_ADMIN') = ("tenantId" IS NULL)` (exactly the rows of that value have no
 * tenant: `both`), or `"tenantId" IS NOT NULL OR role = 'PLATFORM_ADMIN'` (a row without a tenant
 * has that value; tenant rows may have it too).
 */
export interface WithoutTenantRule {
  readonly check: string;
  readonly tenantColumn: string;
  readonly column: string;
  readonly value: string;
  readonly both: boolean;
}

const IDENT = String.raw`("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const LITERAL = String.raw`'((?:[^']|'')*)'`;

const unquote = (name: string) => (name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name.toLowerCase());

/**
 * The CHECK as PostgreSQL prints it, with its parentheses and casts taken out outside of string
 * literals (`(((role = 'X'::"Role") = ("tenantId" IS NULL)))` -> `role = 'X' = "tenantId" IS NULL`):
 * the forms read here need neither, and a literal keeps its text.
 */
function flatten(definition: string): string {
  const parts = definition.replace(/^CHECK\s*/i, '').split(/('(?:[^']|'')*')/);
  return parts.map((part, i) => (i % 2 === 1 ? part : part
    .replace(/::(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_ ]*)(?:\(\d+(?:,\d+)?\))?(?:\[\])?/g, '')
    .replace(/[()]/g, ' '))).join('').replace(/\s+/g, ' ').trim();
}

/**
 * Reads a CHECK that ties the rows without a tenant to one value of a column; undefined for any
 * other CHECK (left to the CHECK reader).
 *
 * @example
 * readWithoutTenantCheck(`CHECK (((role = 'PLATFORM_ADMIN'::"Role") = ("tenantId" IS NULL)))`)
 * // { tenantColumn: 'tenantId', column: 'role', value: 'PLATFORM_ADMIN', both: true, check: ... }
 */
export function readWithoutTenantCheck(definition: string): WithoutTenantRule | undefined {
  const text = flatten(definition);
  const forms: Array<{ re: RegExp; tenant: number; column: number; value: number; both: boolean }> = [
    { re: new RegExp(`^${IDENT} = ${LITERAL} = ${IDENT} IS NULL$`), column: 1, value: 2, tenant: 3, both: true },
    { re: new RegExp(`^${IDENT} IS NULL = ${IDENT} = ${LITERAL}$`), tenant: 1, column: 2, value: 3, both: true },
    { re: new RegExp(`^${IDENT} IS NOT NULL OR ${IDENT} = ${LITERAL}$`), tenant: 1, column: 2, value: 3, both: false },
    { re: new RegExp(`^${IDENT} = ${LITERAL} OR ${IDENT} IS NOT NULL$`), column: 1, value: 2, tenant: 3, both: false },
  ];
  for (const form of forms) {
    const m = form.re.exec(text);
    if (!m) continue;
    const tenantColumn = unquote(m[form.tenant]);
    const column = unquote(m[form.column]);
    if (tenantColumn === column) return undefined;
    return { check: definition, tenantColumn, column, value: m[form.value].replace(/''/g, "'"), both: form.both };
  }
  return undefined;
}

/**
 * Whether a policy of the table shows rows whose tenant column is NULL (a branch
 * `"tenantId" IS NULL`): such rows are then every tenant's to see, shared rows rather than rows
 * of no tenant, and the isolation check would report them.
 */
export function policyShowsNullTenant(table: SnapshotTable, tenantColumn: string): string | undefined {
  const column = new RegExp(`(?:^|[^A-Za-z0-9_$"])(?:"${tenantColumn.replace(/"/g, '""')}"|${/^[a-z_][a-z0-9_$]*$/.test(tenantColumn) ? tenantColumn : '(?!)'})\\s*\\)?\\s*IS NULL`);
  return table.policies.find((p) => column.test(p.using ?? ''))?.name;
}

/**
 * The finding for a nullable tenant column, and whether its rows without a tenant are drafted:
 * from a CHECK that names them (inferred), a policy that would show them to every tenant (a
 * warning, none drafted), or nothing that says they exist (a warning: tenantseed fills the column).
 */
export function nullableTenantFinding(table: SnapshotTable, tenantColumn: string, rule: WithoutTenantRule | undefined): Finding {
  const shown = policyShowsNullTenant(table, tenantColumn);
  if (shown) {
    return { level: 'warning', table: table.name, message: `tenant column ${tenantColumn} is nullable and policy ${shown} shows rows where it is NULL to every tenant: such rows are shared, not rows of no tenant; none drafted (rows under the profile's "withoutTenant" would be reported by validate's isolation check as seen by every tenant)` };
  }
  if (rule) {
    return { level: 'inferred', table: table.name, message: `CHECK ${rule.check} read as rows with no tenant on purpose: the profile's "withoutTenant" drafts ${table.name} rows with ${rule.column} = ${JSON.stringify(rule.value)} and ${tenantColumn} NULL${rule.both ? `; tenant rows never take ${JSON.stringify(rule.value)}` : ''}` };
  }
  return { level: 'warning', table: table.name, message: `tenant column ${tenantColumn} is nullable: tenantseed fills it in every row; if some rows have no tenant on purpose (platform admins), add them to the profile's "withoutTenant" (docs/definitions.md)` };
}

/** Rows without a tenant the starter profile drafts for a table: one named (by its natural key), one more. */
export const DRAFTED_WITHOUT_TENANT = 2;

/**
 * The profile's `withoutTenant` entry for a table whose CHECK names its rows without a tenant:
 * every one takes the CHECK's value, the first is named by the natural key (so tests reach it
 * by name) when that is an email; and when the CHECK ties the value to those rows alone, the
 * column's drafted weights give it 0 (tenant rows never take it). Changes `properties` in place.
 */
export function draftWithoutTenant(rule: WithoutTenantRule, properties: Record<string, { [k: string]: unknown }>, naturalKey: string | undefined): { [k: string]: unknown } | undefined {
  const node = properties[rule.column];
  const values = node?.enum as unknown[] | undefined;
  if (!node || (values && !values.includes(rule.value))) return undefined;
  if (values && rule.both) {
    const weights = (node['x-weights'] as number[] | undefined) ?? values.map(() => 1);
    node['x-weights'] = weights.map((w, i) => (values[i] === rule.value ? 0 : w));
  }
  const named = naturalKey && properties[naturalKey]?.format === 'email' ? [{ [naturalKey]: 'platform-admin@example.test' }] : [];
  return { count: DRAFTED_WITHOUT_TENANT, values: { [rule.column]: rule.value }, ...(named.length ? { rows: named } : {}) };
}
