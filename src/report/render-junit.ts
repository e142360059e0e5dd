import type { CheckResult, Finding, ValidationReport } from '../validate';
import { escapeMarkup as x } from './escape';
import { checkSummary, describeFinding } from './evidence';

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
  const lines = [`  <testsuite name="tenantseed advice" tests="${report.advice.length}" failures="0" errors="0" skipped="0" time="0">`];
  for (const a of report.advice) {
    lines.push(
      `    <testcase name="${x(`${a.rule} ${a.table ?? ''}: ${a.message}`)}" classname="tenantseed.advice.${x(a.rule)}" time="0">`,
      `      <system-out>${x(`advice ${a.rule} (${a.severity}): ${a.title}\naccepted: ${a.accepted ?? 'no'}\nwhy: ${a.why}\nfix: ${a.fix}`)}</system-out>`,
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

/**
 * A validation report as JUnit XML, the form GitLab, GitHub Actions test reporters and
 * Jenkins read: one test suite per run, one test case per check (and per table where a check
 * covers several), a `<failure>` with the evidence (table, tenant, example keys), `<skipped>`
 * where a check could not run, the database, environment, stamp and fingerprint as properties.
 * Everything taken from the database is escaped.
 *
 * @example
 * fs.writeFileSync('validation.xml', renderJunit(report));
 */
export function renderJunit(report: ValidationReport): string {
  // Failures first, as a reader of the CI log wants them.
  const all = report.checks.flatMap(testCases);
  const cases = [...all.filter((c) => c.failure), ...all.filter((c) => !c.failure)];
  const failures = cases.filter((c) => c.failure).length;
  const skipped = cases.filter((c) => c.skipped).length;
  const context = report.context;
  const suite = `tenantseed validate${context ? ` ${context.environment}` : ''}`;
  const properties: string[][] = context ? [
    ['database', context.database], ['environment', context.environment],
    ['stamp', context.stamp ? `${context.stamp.environment} (by ${context.stamp.stampedBy} at ${context.stamp.stampedAt})` : 'none'],
    ['fingerprint', context.fingerprint ?? 'none'],
  ] : [];
  const timestamp = junitTime(context?.generatedAt);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${x(suite)}" tests="${cases.length + report.advice.length}" failures="${failures}" errors="0" skipped="${skipped}" time="0">`,
    `  <testsuite name="${x(suite)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="0"${timestamp ? ` timestamp="${timestamp}"` : ''}>`,
  ];
  properties.push(['acted as', `${report.actedAs.application} (application role); read as ${report.actedAs.reader}`]);
  if (properties.length > 0) {
    lines.push('    <properties>');
    for (const [name, value] of properties) lines.push(`      <property name="${x(name)}" value="${x(value)}"/>`);
    lines.push('    </properties>');
  }
  for (const c of cases) {
    const open = `    <testcase name="${x(c.name)}" classname="${x(c.classname)}" time="0"`;
    if (c.failure) lines.push(`${open}>`, `      <failure message="${x(c.failure.message)}" type="tenantseed.finding">${x(c.failure.body)}</failure>`, '    </testcase>');
    else if (c.skipped) lines.push(`${open}>`, `      <skipped message="${x(c.skipped)}"/>`, '    </testcase>');
    else lines.push(`${open}/>`);
  }
  lines.push('  </testsuite>', ...adviceSuite(report), '</testsuites>', '');
  return lines.join('\n');
}
