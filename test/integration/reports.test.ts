import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { useFileDatabase } from '../support/database';
import { runCli } from '../support/run-cli';

/** The CLI's reporters on a real seeded database: the same model in JSON, JUnit and HTML. */
describe('validate --reporter and reset --report', () => {
  const db = useFileDatabase();
  const cli = (args: string[]) => runCli(['--database-url', db.target.url, ...args], { env: { CI: 'true' } });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-reports-'));

  it('reset --report writes an HTML report of what it committed', async () => {
    const run = await cli(['reset', '--env', 'test', '--report', path.join(dir, 'reset.html')]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/Wrote the report to .*reset\.html/);
    const html = fs.readFileSync(path.join(dir, 'reset.html'), 'utf8');
    expect(html).toMatch(/Validation passed: 7 checks/);
    expect(html).toMatch(/<dt>environment<\/dt><dd>test<\/dd>/);
    expect(html).toMatch(/acme/);
    expect(html).not.toMatch(/<script/i);
  });

  it('writes JUnit XML with a test case per check and per table, and the same verdicts as --json', async () => {
    const json = JSON.parse((await cli(['validate', '--env', 'test', '--reporter', 'json'])).stdout);
    const run = await cli(['validate', '--env', 'test', '--reporter', 'junit', '--output', path.join(dir, 'v.xml')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Validation passed/);
    const xml = fs.readFileSync(path.join(dir, 'v.xml'), 'utf8');
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="tenantseed validate test" tests="\d+" failures="0" errors="0" skipped="0"/);
    expect(xml).toMatch(/<testcase name="isolation: users" classname="tenantseed.validate.isolation" time="\d+\.\d{3}"\/>/);
    // Every check's suite carries its measured duration: real (from --json), never all zero.
    const times = [...xml.matchAll(/<testsuite name="tenantseed validate test: ([a-z-]+)" [^>]* time="(\d+\.\d{3})"/g)].map((m) => [m[1], Number(m[2])] as const);
    expect(times.map(([name]) => name).sort()).toEqual(json.checks.map((c: { name: string }) => c.name).sort());
    expect(times.some(([, t]) => t > 0)).toBe(true);
    expect(json.checks.every((c: { durationMs: number }) => c.durationMs > 0)).toBe(true);
    expect(xml).not.toMatch(/time="0(\.000)?"/);
    expect(xml).toMatch(/<property name="fingerprint" value="sha256:[0-9a-f]{64}"\/>/);
    expect(json.context.tenants.map((t: { name: string }) => t.name)).toEqual(expect.arrayContaining(['acme', 'globex', 'initech']));
    expect(json.checks.every((c: { ok: boolean }) => c.ok)).toBe(true);
  });

  it('puts a failure with its evidence into JUnit and HTML', async () => {
    await db.knex.raw(`ALTER TABLE projects DISABLE ROW LEVEL SECURITY`);
    try {
      const junit = await cli(['validate', '--env', 'test', '--reporter', 'junit']);
      expect(junit.code).toBe(1);
      expect(junit.stdout).toMatch(/<testcase name="schema: projects" classname="tenantseed.validate.schema" time="\d+\.\d{3}">\n\s+<failure message="1 problem\(s\) in projects" type="tenantseed.finding">projects: row-level security is not enabled/);
      // Failed checks' suites come first, and the verdict property names them.
      const suites = [...junit.stdout.matchAll(/<testsuite name="tenantseed validate test: ([a-z-]+)" tests="\d+" failures="(\d+)"/g)].map((m) => [m[1], Number(m[2])] as const);
      const firstPassing = suites.findIndex(([, failures]) => failures === 0);
      expect(suites.slice(firstPassing).every(([, failures]) => failures === 0)).toBe(true);
      expect(suites[0][0]).toBe('schema');
      expect(junit.stdout).toMatch(/<property name="verdict" value="Validation failed: \d of 7 checks failed \(schema[a-z, -]*\)/);
      const html = await cli(['validate', '--env', 'test', '--reporter', 'html', '--output', path.join(dir, 'failed.html')]);
      expect(html.code).toBe(1);
      const page = fs.readFileSync(path.join(dir, 'failed.html'), 'utf8');
      expect(page).toMatch(/data-check="schema" data-verdict="failed"/);
      expect(page).toMatch(/projects: row-level security is not enabled/);
      expect(page).toMatch(/id="verdict">Validation failed: \d of 7 checks failed \(schema[a-z, -]*\)/);
      // The first check on the page is a failed one; no tick for projects in the isolation grid.
      expect(page.match(/data-verdict="(\w+)"/)![1]).toBe('failed');
      const grid = page.slice(page.indexOf('id="isolation-grid"'));
      const column = grid.match(/<tr><th>tenant<\/th>(.*?)<\/tr>/)![1].split('</th>').findIndex((h) => h.includes('projects'));
      const rows = [...grid.slice(0, grid.indexOf('</table>')).matchAll(/<tr><th>[^<]*<\/th>(.*?)<\/tr>/g)].slice(1);
      expect(rows.length).toBeGreaterThan(0);
      for (const [, cells] of rows) expect(cells.split('</td>')[column]).not.toMatch(/class="ok"/);
    } finally {
      await db.knex.raw(`ALTER TABLE projects ENABLE ROW LEVEL SECURITY`);
    }
  });

  it('carries advice with rule ids and severities in --json, never as a failure, and the same advice apart in JUnit', async () => {
    await db.knex.raw(`ALTER TABLE projects NO FORCE ROW LEVEL SECURITY`);
    try {
      const json = await cli(['validate', '--env', 'test', '--json']);
      const report = JSON.parse(json.stdout);
      expect(json.code).toBe(report.checks.every((c: { ok: boolean }) => c.ok) ? 0 : 1);
      expect(report.advice.length).toBeGreaterThan(0);
      for (const a of report.advice) {
        expect(a.rule).toMatch(/^TS-[A-Z]\d{2}$/);
        expect(['high', 'medium', 'low']).toContain(a.severity);
      }
      const junit = await cli(['validate', '--env', 'test', '--reporter', 'junit']);
      const adviceSuite = junit.stdout.slice(junit.stdout.indexOf('<testsuite name="tenantseed advice"'));
      expect(adviceSuite).toMatch(/^<testsuite name="tenantseed advice" tests="\d+" failures="0" errors="0" skipped="0">/);
      expect(adviceSuite).not.toMatch(/<failure/);
      expect(adviceSuite).toContain(`classname="tenantseed.advice.${report.advice[0].rule}"`);
    } finally {
      await db.knex.raw(`ALTER TABLE projects FORCE ROW LEVEL SECURITY`);
    }
  });

  it('refuses --output without a file format, and two formats at once (exit 2)', async () => {
    expect((await cli(['validate', '--env', 'test', '--output', path.join(dir, 'x.txt')])).code).toBe(2);
    expect((await cli(['validate', '--env', 'test', '--json', '--reporter', 'html'])).code).toBe(2);
  });
});
