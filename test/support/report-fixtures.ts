import type { CheckResult, ValidationReport } from '../../src/validate';

export const HOSTILE = '<script>alert("x")</script> & "co"';

const context = {
  generatedAt: '2026-11-24T10:00:00.000Z',
  database: 'qa on db.internal:5432 as qa (from DATABASE_URL)',
  environment: 'staging',
  stamp: { environment: 'staging', stampedBy: 'reset', stampedAt: '2026-11-24T09:59:00.000Z' },
  fingerprint: 'sha256:7dafaa91e4b0348bcadb9c0fc94671af6b51e8d2631a56eecf5c9230a227ef1e',
  seed: 3,
  generatorVersion: 3,
  tables: [{ table: 'tenants', rows: 1003 }, { table: 'users', rows: 51000 }, { table: 'documents', rows: 400000 }],
  tenants: [
    { id: 't-big', name: 'megacorp', rows: 120000 },
    { id: 't-hostile', name: HOSTILE, rows: 9000 },
    ...Array.from({ length: 60 }, (_, i) => ({ id: `t-${i}`, name: `small-${i}`, rows: 60 - i })),
  ],
};

/** Measured durations as the validator records them (milliseconds), different per check. */
const DURATIONS: Partial<Record<CheckResult['name'], number>> = {
  schema: 212.4, 'row-counts': 1480.2, 'foreign-keys': 903.7, 'tenant-consistency': 640.1, isolation: 2310.5, 'legacy-absorption': 35.9, 'json-schema': 4120,
};

const pass = (name: CheckResult['name'], tables: string[], extra: Record<string, unknown> = {}): CheckResult => ({
  name, ok: true, details: { summary: `${name} fine`, findings: [], tables, ...extra }, durationMs: DURATIONS[name],
});

/** A report where every check passed. */
export function passingReport(): ValidationReport {
  return {
    ok: true,
    context,
    actedAs: { reader: 'postgres', application: 'tenantseed_app' },
    advice: [
      { rule: 'TS-K02', title: 'unique across tenants', severity: 'low', table: 'users', objects: ['users_email_key'], message: 'unique constraint users_email_key (email) lacks tenant_id: it is unique across tenants', why: 'A value unique across tenants leaks.', fix: 'Add the tenant column.', accepted: 'e-mails are global <logins>' },
      { rule: 'TS-I01', title: 'no index led by the tenant column', severity: 'low', table: 'documents', objects: ['documents'], message: 'no index starts with tenant_id', why: 'Reads scan.', fix: 'CREATE INDEX.' },
    ],
    checks: [
      pass('schema', ['users', 'documents']),
      pass('row-counts', ['tenants', 'users', 'documents']),
      pass('foreign-keys', ['users', 'documents']),
      pass('tenant-consistency', ['documents']),
      pass('isolation', ['users', 'documents'], { tenants: ['t-big', 't-hostile', 't-0'] }),
      pass('legacy-absorption', ['documents'], { ledger: [{ table: 'documents', tenant: 't-big', rows: 40 }] }),
      pass('json-schema', ['documents']),
    ],
  };
}

/**
 * A report with failing checks (a hostile tenant among the evidence; the schema check failing a
 * table the isolation probes passed; legacy rows that differ from the ledger) and a skipped one.
 */
export function failingReport(): ValidationReport {
  const report = passingReport();
  const checks = report.checks.map((c): CheckResult => {
    if (c.name === 'isolation') {
      return {
        ...c, ok: false,
        details: {
          ...c.details, summary: '2 isolation failure(s) as tenantseed_app',
          findings: [
            { table: 'documents', tenant: 't-hostile', message: `sees 3 row(s) of other tenants; named ${HOSTILE}`, examples: ['d1', 'd2'] },
            { table: 'users', message: 'without a tenant, 5 row(s) are visible' },
          ],
          hint: 'Check the RLS policies.',
        },
      };
    }
    if (c.name === 'row-counts') return { ...c, ok: false, skipped: 'no manifest: tenantseed did not seed this database', details: { summary: 'skipped', findings: [] } };
    if (c.name === 'schema') {
      return { ...c, ok: false, details: { ...c.details, summary: '1 problem(s) in 2 tenant tables', findings: [{ table: 'users', message: 'row-level security is not enabled' }], hint: 'ENABLE ROW LEVEL SECURITY.' } };
    }
    if (c.name === 'legacy-absorption') {
      return {
        ...c, ok: false,
        details: {
          ...c.details, summary: '1 problem(s) with absorbed legacy data',
          findings: [{ table: 'documents', tenant: 't-big', message: 'the default tenant\'s rows differ from the rows the ledger says were absorbed', expected: 40, actual: 38 }],
        },
      };
    }
    return c;
  });
  return { ...report, ok: false, checks };
}
