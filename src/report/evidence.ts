import type { CheckResult, Finding } from '../validate';

/** One line of evidence: where (table, tenant), what, and example keys. */
export function describeFinding(finding: Finding): string {
  const where = [finding.table, finding.tenant ? `tenant ${finding.tenant}` : ''].filter(Boolean).join(', ');
  return `${where ? `${where}: ` : ''}${finding.message}${finding.examples?.length ? ` (e.g. ${finding.examples.join(', ')})` : ''}`;
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
