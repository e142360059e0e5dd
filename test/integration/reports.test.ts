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
    expect(xml).toMatch(/<testcase name="isolation: users" classname="tenantseed.validate.isolation" time="0"\/>/);
    expect(xml).toMatch(/<property name="fingerprint" value="sha256:[0-9a-f]{64}"\/>/);
    expect(json.context.tenants.map((t: { name: string }) => t.name)).toEqual(expect.arrayContaining(['acme', 'globex', 'initech']));
    expect(json.checks.every((c: { ok: boolean }) => c.ok)).toBe(true);
  });

  it('puts a failure with its evidence into JUnit and HTML', async () => {
    await db.knex.raw(`ALTER TABLE projects DISABLE ROW LEVEL SECURITY`);
    try {
      const junit = await cli(['validate', '--env', 'test', '--reporter', 'junit']);
      expect(junit.code).toBe(1);
      expect(junit.stdout).toMatch(/<testcase name="schema: projects" classname="tenantseed.validate.schema" time="0">\n\s+<failure message="1 problem\(s\) in projects" type="tenantseed.finding">projects: row-level security is not enabled/);
      const html = await cli(['validate', '--env', 'test', '--reporter', 'html', '--output', path.join(dir, 'failed.html')]);
      expect(html.code).toBe(1);
      const page = fs.readFileSync(path.join(dir, 'failed.html'), 'utf8');
      expect(page).toMatch(/data-check="schema" data-verdict="failed"/);
      expect(page).toMatch(/projects: row-level security is not enabled/);
    } finally {
      await db.knex.raw(`ALTER TABLE projects ENABLE ROW LEVEL SECURITY`);
    }
  });

  it('refuses --output without a file format, and two formats at once (exit 2)', async () => {
    expect((await cli(['validate', '--env', 'test', '--output', path.join(dir, 'x.txt')])).code).toBe(2);
    expect((await cli(['validate', '--env', 'test', '--json', '--reporter', 'html'])).code).toBe(2);
  });
});
