import type { AdviceRule } from './types';

/**
 * TS-R01: row-level security enabled but not forced. Advice only where no role the
 * application uses owns the table: the `schema` check fails it where one does, since the
 * owner then reads every tenant.
 */
export const RLS_NOT_FORCED: AdviceRule = {
  id: 'TS-R01',
  title: 'row-level security not forced',
  severity: 'medium',
  why: 'The owner of a table bypasses its policies unless it is forced; a migration or job that runs as the owner then reads and writes every tenant.',
  fix: 'ALTER TABLE ... FORCE ROW LEVEL SECURITY, or accept the rule when only a migration role owns the table.',
  check: (f) => (f.security.enabled && !f.security.forced && !f.ownedByApplication
    ? [{ objects: [f.table], message: 'row-level security is not forced (the table owner bypasses it)' }]
    : []),
};
