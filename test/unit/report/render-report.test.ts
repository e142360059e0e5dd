import fc from 'fast-check';
import { renderHtml, renderJunit, verdictLine } from '../../../src/report';
import type { CheckResult, ValidationReport } from '../../../src/validate';
import { failingReport, passingReport } from '../../support/report-fixtures';

const suites = (xml: string) => [...xml.matchAll(/<testsuite name="([^"]+)" tests="\d+" failures="(\d+)"[^>]*>/g)].map((m) => {
  const time = / time="([\d.]+)"/.exec(m[0]);
  return { name: m[1], failures: Number(m[2]), time: time ? Number(time[1]) : undefined };
});

describe('JUnit report', () => {
  it('gives each check a suite with its measured time, failed checks first, and advice in a suite of its own with no failure', () => {
    const xml = renderJunit(failingReport());
    const all = suites(xml);
    expect(all.map((s) => s.name)).toEqual([
      'tenantseed validate staging: schema', 'tenantseed validate staging: row-counts', 'tenantseed validate staging: isolation',
      'tenantseed validate staging: legacy-absorption', 'tenantseed validate staging: foreign-keys',
      'tenantseed validate staging: tenant-consistency', 'tenantseed validate staging: json-schema', 'tenantseed advice',
    ]);
    expect(all.find((s) => s.name.endsWith(': isolation'))!.time).toBe(2.311);
    expect(all.find((s) => s.name === 'tenantseed advice')).toMatchObject({ failures: 0, time: undefined });
    expect(xml).not.toMatch(/time="0(\.000)?"/);
    expect(xml).toContain('<failure message="1 problem(s) with absorbed legacy data" type="tenantseed.finding">documents, tenant t-big: the default tenant&#39;s rows differ from the rows the ledger says were absorbed: expected 40, actual 38');
    expect(xml).toMatch(/<testcase name="TS-K02 users \(accepted\): [^"]+" classname="tenantseed.advice.TS-K02">\n\s+<system-out>advice TS-K02 \(low\): unique across tenants\naccepted: e-mails are global &lt;logins&gt;/);
  });

  it('shares a check\'s measured time among its test cases: they add up to the suite\'s time', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 600_000 }), fc.integer({ min: 1, max: 40 }), (ms, tableCount) => {
      const tables = Array.from({ length: tableCount }, (_, i) => `t${i}`);
      const check: CheckResult = { name: 'isolation', ok: true, details: { summary: 'fine', findings: [], tables }, durationMs: ms };
      const xml = renderJunit({ ok: true, checks: [check], advice: [], actedAs: { reader: 'postgres', application: 'app' } });
      const caseTimes = [...xml.matchAll(/<testcase [^>]*time="([\d.]+)"/g)].map((m) => Number(m[1]));
      expect(caseTimes.length).toBe(Math.max(tableCount, 1));
      expect(Math.abs(caseTimes.reduce((a, b) => a + b, 0) - ms / 1000)).toBeLessThanOrEqual(0.0005 * caseTimes.length + 1e-9);
    }), { seed: 33 });
  });
});

describe('the verdict and the HTML report', () => {
  it('names the failed checks, and those that could not run', () => {
    expect(verdictLine(failingReport())).toBe('Validation failed: 3 of 7 checks failed (schema, isolation, legacy-absorption), 1 could not run (row-counts; pass --allow-skip to accept that).');
    expect(verdictLine(passingReport())).toBe('Validation passed: 7 checks passed.');
  });

  it('never calls a pass whose isolation check was skipped (--allow-skip) a proof: the verdict says isolation was not proven', () => {
    const report = passingReport();
    const skipped: ValidationReport = {
      ...report,
      checks: report.checks.map((c) => (c.name === 'isolation' ? { ...c, skipped: 'no tenant table (tenant root) in the definitions: no tenant to probe as' } : c)),
    };
    expect(verdictLine(skipped)).toBe('Validation passed, isolation NOT proven (no tenant table (tenant root) in the definitions: no tenant to probe as): 6 checks passed, 1 skipped (--allow-skip).');
    const rowCountsOnly: ValidationReport = { ...report, checks: report.checks.map((c) => (c.name === 'row-counts' ? { ...c, skipped: 'no manifest' } : c)) };
    expect(verdictLine(rowCountsOnly)).toBe('Validation passed: 6 checks passed, 1 skipped (--allow-skip).');
  });

  it('says, in every format, when a report is the reused validation of the cached state a reset cloned, and not otherwise', () => {
    const reused: ValidationReport = { ...passingReport(), reused: { validatedAt: '2026-12-07T01:51:23.847Z', cache: '2e8ef29b605bc6680ab319a6' } };
    const line = 'These results are the validation of the cached state 2e8ef29b605bc6680ab319a6 (run 2026-12-07T01:51:23.847Z), which this database copies';
    expect(renderHtml(reused)).toContain(line);
    expect(renderJunit(reused)).toContain(line);
    expect(JSON.parse(JSON.stringify(reused)).reused.cache).toBe('2e8ef29b605bc6680ab319a6');
    expect(renderHtml(passingReport())).not.toContain('These results are the validation of the cached state');
    expect(renderJunit(passingReport())).not.toContain('These results are the validation of the cached state');
  });

  it('marks no tick in the isolation grid for a table another check failed, and shows expected against actual', () => {
    const report: ValidationReport = failingReport();
    const html = renderHtml(report);
    const grid = html.slice(html.indexOf('id="isolation-grid"'), html.indexOf('</table>', html.indexOf('id="isolation-grid"')));
    expect((grid.match(/class="warn" data-failed-by="schema"/g) ?? []).length).toBe(3);
    expect(grid).not.toMatch(/class="ok"/);
    expect(html).toContain('<span class="cmp">expected <b class="expected">40</b>, actual <b class="actual">38</b></span>');
    expect(html.indexOf('data-check="json-schema"')).toBeGreaterThan(html.indexOf('data-check="legacy-absorption"'));
  });
});
