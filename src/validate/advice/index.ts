import type { Advice } from '../types';
import { NO_TENANT_INDEX } from './indexes';
import { KEY_WITHOUT_TENANT, REFERENCE_WITHOUT_TENANT, UNIQUE_ACROSS_TENANTS } from './keys';
import { NO_READ_POLICY, NO_WRITE_CHECK, PERMISSIVE_TRUE } from './policies';
import { RLS_NOT_FORCED } from './row-security';
import type { AdviceRule, TableFacts } from './types';

export type { AdviceRule, AdviceSeverity, TableFacts } from './types';

/** Every design rule, in the order reports list them. */
export const ADVICE_RULES: readonly AdviceRule[] = [
  NO_READ_POLICY, NO_WRITE_CHECK, PERMISSIVE_TRUE, RLS_NOT_FORCED, KEY_WITHOUT_TENANT, UNIQUE_ACROSS_TENANTS, REFERENCE_WITHOUT_TENANT, NO_TENANT_INDEX,
];

/** The advice every rule gives on the tables. */
export function adviseTables(tables: readonly TableFacts[]): Advice[] {
  return tables.flatMap((facts) => ADVICE_RULES.flatMap((rule) => rule.check(facts).map((hit) => ({
    rule: rule.id, title: rule.title, severity: rule.severity, table: facts.table, objects: hit.objects, message: hit.message, why: rule.why, fix: rule.fix,
  }))));
}
