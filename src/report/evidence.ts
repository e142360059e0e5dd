import type { CheckResult, Finding, ValidationReport } from '../validate';

/** One line of evidence: where (table, tenant), what, expected against actual, and example keys. */
export function describeFinding(finding: Finding): string {
  const where = [finding.table, finding.tenant ? `tenant ${finding.tenant}` : ''].filter(Boolean).join(', ');
  const compared = hasComparison(finding) ? `: expected ${finding.expected}, actual ${finding.actual}` : '';
  return `${where ? `${where}: ` : ''}${finding.message}${compared}${finding.examples?.length ? ` (e.g. ${finding.examples.join(', ')})` : ''}`;
}

/** Whether a finding compares an expected value with an actual one. */
export function hasComparison(finding: Finding): boolean {
  return finding.expected !== undefined && finding.actual !== undefined;
}

/** What a check says, in words: its summary or why it was skipped. */
export function checkSummary(check: CheckResult): string {
  return check.skipped ? `could not run: ${check.skipped}` : check.details.summary;
}

/** The verdict of a check, as reports name it. */
export function verdict(check: CheckResult): 'passed' | 'failed' | 'skipped' {
  if (check.skipped) return 'skipped';
  return check.ok ? 'passed' : 'failed';
}

/** The checks in the order a reader wants them: those that failed (or could not run and so fail) first. */
export function failuresFirst(checks: readonly CheckResult[]): CheckResult[] {
  return [...checks.filter((c) => !c.ok), ...checks.filter((c) => c.ok)];
}

/**
 * The report's verdict in one line, naming the checks that failed:
 * "Validation failed: 2 of 7 checks failed (schema, isolation)". A pass whose isolation check
 * was skipped (--allow-skip) says that isolation was not proven.
 */
export function verdictLine(report: ValidationReport): string {
  const failed = report.checks.filter((c) => !c.ok && !c.skipped).map((c) => c.name);
  const unran = report.checks.filter((c) => c.skipped && !c.ok).map((c) => c.name);
  const skipped = report.checks.filter((c) => c.skipped).length;
  // A pass with isolation skipped proves no isolation: the verdict says so in its own words.
  const isolation = report.checks.find((c) => c.name === 'isolation');
  const unproven = isolation?.skipped ? `, isolation NOT proven (${isolation.skipped})` : '';
  if (report.ok) return `Validation passed${unproven}: ${report.checks.length - skipped} checks passed${skipped ? `, ${skipped} skipped (--allow-skip)` : ''}.`;
  return `Validation failed: ${failed.length} of ${report.checks.length} checks failed${failed.length ? ` (${failed.join(', ')})` : ''}`
    + `${unran.length ? `, ${unran.length} could not run (${unran.join(', ')}; pass --allow-skip to accept that)` : ''}.`;
}

/**
 * What a reused report says of itself (reset took it from the cached state it cloned): "These
 * results are the validation of the cached state (...), which this database copies byte for
 * byte ...".
 */
export function reusedLine(reused: NonNullable<ValidationReport['reused']>): string {
  return `These results are the validation of the cached state ${reused.cache} (run ${reused.validatedAt}), which this database copies: `
    + 'the same data, validation settings, roles, server settings and tenantseed. `tenantseed validate` (or reset --revalidate) runs the checks again.';
}

/** A check's duration for people: `0.4 s`, `12 ms`; empty when not measured. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * The findings of failed checks other than `except`, by table: a table one check failed (RLS
 * not enabled, say) gets no clean tick from another (the isolation grid), whatever its probes saw.
 */
export function failuresByTable(report: ValidationReport, except: string): Map<string, { check: string; finding: Finding }[]> {
  const byTable = new Map<string, { check: string; finding: Finding }[]>();
  for (const check of report.checks) {
    if (check.name === except || check.ok) continue;
    for (const finding of check.details.findings) {
      if (!finding.table) continue;
      byTable.set(finding.table, [...(byTable.get(finding.table) ?? []), { check: check.name, finding }]);
    }
  }
  return byTable;
}
