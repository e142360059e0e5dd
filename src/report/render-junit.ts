import type { CheckResult, Finding, ValidationReport } from '../validate';
import { escapeMarkup as x } from './escape';
import { checkSummary, describeFinding, failuresFirst, reusedLine, verdictLine } from './evidence';

interface TestCase {
  readonly name: string;
  readonly classname: string;
  readonly failure?: { message: string; body: string };
  readonly skipped?: string;
}

function failureBody(findings: readonly Finding[], hint?: string): string {
  return [...findings.map(describeFinding), ...(hint ? [`what to do: ${hint}`] : [])].join('\n');
}

/**
 * The test cases of one check: one per table when the check covers several (failing for the
 * tables it found problems in), plus one for the check itself when it has findings no table
 * carries, or covers one table or none.
 */
function testCases(check: CheckResult): TestCase[] {
  const classname = `tenantseed.validate.${check.name}`;
  if (check.skipped) return [{ name: check.name, classname, skipped: check.skipped }];
  const tables = check.details.tables ?? [];
  const findings = check.details.findings;
  if (tables.length < 2) {
    return [{ name: check.name, classname, failure: check.ok ? undefined : { message: checkSummary(check), body: failureBody(findings, check.details.hint) } }];
  }
  const cases: TestCase[] = tables.map((table) => {
    const own = findings.filter((f) => f.table === table);
    return { name: `${check.name}: ${table}`, classname, failure: own.length ? { message: `${own.length} problem(s) in ${table}`, body: failureBody(own, check.details.hint) } : undefined };
  });
  const loose = findings.filter((f) => !f.table || !tables.includes(f.table));
  if (loose.length > 0 || (!check.ok && findings.length === 0)) {
    cases.unshift({ name: check.name, classname, failure: { message: checkSummary(check), body: failureBody(loose, check.details.hint) } });
  }
  return cases;
}

/**
 * Advice as a suite of its own: one passing test case per item (advice is never a failure),
 * its rule, severity, acceptance, why and fix in system-out (the JUnit XSD allows no
 * properties on a test case).
 */
function adviceSuite(report: ValidationReport): string[] {
  if (report.advice.length === 0) return [];
  const lines = [`  <testsuite name="tenantseed advice" tests="${report.advice.length}" failures="0" errors="0" skipped="0">`];
  // Open items first, then the accepted ones (named so in the case, with the reason in system-out).
  for (const a of [...report.advice.filter((i) => i.accepted === undefined), ...report.advice.filter((i) => i.accepted !== undefined)]) {
    lines.push(
      `    <testcase name="${x(`${a.rule} ${a.table ?? ''}${a.accepted !== undefined ? ' (accepted)' : ''}: ${a.message}`)}" classname="tenantseed.advice.${x(a.rule)}">`,
      `      <system-out>${x(`advice ${a.rule} (${a.severity}): ${a.title}\n${a.accepted !== undefined ? `accepted: ${a.accepted}` : 'not accepted'}\nobjects: ${a.objects.join(', ')}\nwhy: ${a.why}\nfix: ${a.fix}`)}</system-out>`,
      '    </testcase>',
    );
  }
  lines.push('  </testsuite>');
  return lines;
}

/** xs:dateTime without a zone or fraction, as JUnit readers expect. */
function junitTime(iso: string | undefined): string | undefined {
  return iso ? iso.replace(/\.\d+Z$|Z$/, '') : undefined;
}

/** Seconds for a `time` attribute, to the millisecond. */
function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function testCaseLines(c: TestCase, time: string | undefined): string[] {
  const open = `    <testcase name="${x(c.name)}" classname="${x(c.classname)}"${time !== undefined ? ` time="${time}"` : ''}`;
  if (c.failure) return [`${open}>`, `      <failure message="${x(c.failure.message)}" type="tenantseed.finding">${x(c.failure.body)}</failure>`, '    </testcase>'];
  if (c.skipped) return [`${open}>`, `      <skipped message="${x(c.skipped)}"/>`, '    </testcase>'];
  return [`${open}/>`];
}

/**
 * One check as a test suite: its real duration as the suite's `time`, its test cases failing
 * first. A check measures its whole run, not each table: a per-table case carries an equal share
 * of the check's time (the shares add up to it), so CI readers that sum case times show the
 * check's real duration.
 */
function checkSuite(check: CheckResult, suite: string, timestamp: string | undefined, properties: readonly string[][]): string[] {
  const all = testCases(check);
  const cases = [...all.filter((c) => c.failure), ...all.filter((c) => !c.failure)];
  const failures = cases.filter((c) => c.failure).length;
  const skipped = cases.filter((c) => c.skipped).length;
  const ms = check.durationMs;
  const share = ms !== undefined ? seconds(ms / cases.length) : undefined;
  const lines = [`  <testsuite name="${x(`${suite}: ${check.name}`)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}"${ms !== undefined ? ` time="${seconds(ms)}"` : ''}${timestamp ? ` timestamp="${timestamp}"` : ''}>`];
  if (properties.length > 0) {
    lines.push('    <properties>');
    for (const [name, value] of properties) lines.push(`      <property name="${x(name)}" value="${x(value)}"/>`);
    lines.push('    </properties>');
  }
  for (const c of cases) lines.push(...testCaseLines(c, share));
  lines.push('  </testsuite>');
  return lines;
}

/**
 * A validation report as JUnit XML, the form GitLab, GitHub Actions test reporters and
 * Jenkins read: one test suite per check (failed checks first, each with its measured duration
 * as `time`), one test case per check (and per table where a check covers several), a
 * `<failure>` with the evidence (table, tenant, expected against actual, example keys),
 * `<skipped>` where a check could not run, the database, environment, stamp, fingerprint, acted-as
 * roles and verdict as properties. Advice is a suite of its own and never a failure.
 * Everything taken from the database is escaped.
 *
 * @example
 * fs.writeFileSync('validation.xml', renderJunit(report));
 */
export function renderJunit(report: ValidationReport): string {
  const context = report.context;
  const suite = `tenantseed validate${context ? ` ${context.environment}` : ''}`;
  const properties: string[][] = context ? [
    ['database', context.database], ['environment', context.environment],
    ['stamp', context.stamp ? `${context.stamp.environment} (by ${context.stamp.stampedBy} at ${context.stamp.stampedAt})` : 'none'],
    ['fingerprint', context.fingerprint ?? 'none'],
  ] : [];
  properties.push(['acted as', `${report.actedAs.application} (application role); read as ${report.actedAs.reader}`], ['verdict', verdictLine(report)]);
  if (report.reused) properties.push(['reused', reusedLine(report.reused)]);
  const timestamp = junitTime(context?.generatedAt);
  // Failures first, as a reader of the CI log wants them.
  const suites = failuresFirst(report.checks).map((check) => checkSuite(check, suite, timestamp, properties));
  const cases = report.checks.flatMap(testCases);
  const failures = cases.filter((c) => c.failure).length;
  const skipped = cases.filter((c) => c.skipped).length;
  const measured = report.checks.every((c) => c.durationMs !== undefined);
  const total = report.checks.reduce((sum, c) => sum + (c.durationMs ?? 0), 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${x(suite)}" tests="${cases.length + report.advice.length}" failures="${failures}" errors="0" skipped="${skipped}"${measured ? ` time="${seconds(total)}"` : ''}>`,
    ...suites.flat(), ...adviceSuite(report), '</testsuites>', '',
  ].join('\n');
}
