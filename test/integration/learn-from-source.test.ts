import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createScratchDatabase, ScratchDatabase } from '../../src/testing';
import { CATEGORICAL_TEXT_COLUMNS, fillProductionLikeSource } from '../support/production-like-source';
import { testServer } from '../support/database';
import { onServer } from '../support/on-server';
import { copiedValues, textValues } from '../support/copied-values';
import { runCli } from '../support/run-cli';

/**
 * Issue 34's acceptance, as a team runs it: a production-like source on the shipped schema
 * (test/support/production-like-source.ts: whale and long-tail tenants, skewed enums, nulls,
 * nested JSON, skewed children per parent), then from the team's own folder, the CLI as a
 * subprocess: `introspect --learn-from` -> `reset` -> `compare`. Every column within the limits
 * (TVD <= 0.05, KS <= 0.1, null fractions within 0.02), rows per tenant and children per parent
 * within 20%, and not one value of a non-categorical text column (nor a string inside JSON) of
 * the source found in the generated database.
 */
interface Fidelity {
  ok: boolean;
  columns: Array<{ table: string; column: string; ok: boolean; nullFraction: { difference: number }; tvd?: { value: number }; ks?: { value: number } }>;
  rowsPerTenant: Array<{ name: string; ok: boolean; compared: Array<{ label: string; source: number; target: number; ok: boolean }> }>;
  childrenPerParent: Array<{ name: string; ok: boolean }>;
}

/**
 * Columns known to miss their limit, each with why (issue 34 stays open for them). Named here so
 * that every other column is held to the limits and a new miss, or one mended, fails. None now:
 * tenant_api_keys.last_used_at (KS 0.21 of 0.1, a nullable date after created_at) is drawn by
 * rank from its learned distribution (`date.byRank`), and x-spread columns of a table take steps
 * of their own (assignSpreadSteps), so its null decision no longer follows created_at's draw.
 */
const KNOWN_MISSES: string[] = [];

describe('introspect --learn-from, reset and compare on a production-like source', () => {
  let source: ScratchDatabase;
  let target: ScratchDatabase;
  const user = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-learn-user-'));
  const cli = (args: string[]) => runCli(args, { cwd: user, env: { DATABASE_URL: target.target.url }, timeoutMs: 240_000 });

  beforeAll(async () => {
    source = await createScratchDatabase(testServer(), { prefix: 'learn_source' });
    target = await createScratchDatabase(testServer(), { prefix: 'learn_target' });
    expect((await runCli(['migrate', 'latest'], { cwd: user, env: { DATABASE_URL: source.target.url } })).code).toBe(0);
    await onServer((client) => fillProductionLikeSource(client), source.name);
  }, 240_000);

  afterAll(async () => {
    await source?.drop();
    await target?.drop();
    fs.rmSync(user, { recursive: true, force: true });
  });

  it('drafts from the statistics only, reproduces the distributions, and copies no non-categorical value', async () => {
    expect((await cli(['migrate', 'latest'])).code).toBe(0);
    const migrationsMade = await textValues(target.name);

    const introspect = await cli(['introspect', '--out', 'db', '--learn-from', source.target.url]);
    expect(introspect.stderr).not.toMatch(/^error/m);
    expect(introspect.code).toBe(0);
    expect(introspect.stdout).toMatch(/one READ ONLY transaction; statistics and counts only/);
    expect(introspect.stdout).toMatch(/read: rows per tenant of users/);
    expect(introspect.stdout).toMatch(/read: children per parent of documents\.project_id -> projects/);
    const learned = fs.readFileSync(path.join(user, 'db', 'learned-from.json'), 'utf8');
    expect(JSON.parse(learned).read.length).toBeGreaterThan(20);
    // Every name, email, slug, title, body and JSON string of the source holds "zq": none was read.
    expect(learned).not.toMatch(/zq/i);

    const reset = await cli(['reset', '--env', 'development', '--yes']);
    expect(reset.stderr).not.toMatch(/^error/m);
    expect(reset.stdout).toMatch(/Validation passed: 7 checks passed\./);
    expect(reset.code).toBe(0);

    const compare = await cli(['compare', '--source', source.target.url, '--json']);
    expect(compare.stderr).not.toMatch(/^error/m);
    const report = JSON.parse(compare.stdout) as Fidelity;
    const off = report.columns.filter((c) => !c.ok).map((c) => `${c.table}.${c.column}`);
    expect(off).toEqual(KNOWN_MISSES);
    for (const c of report.columns.filter((x) => !KNOWN_MISSES.includes(`${x.table}.${x.column}`))) {
      expect(c.nullFraction.difference).toBeLessThanOrEqual(0.02);
      if (c.tvd) expect(c.tvd.value).toBeLessThanOrEqual(0.05);
      if (c.ks) expect(c.ks.value).toBeLessThanOrEqual(0.1);
    }
    expect(report.columns.filter((c) => c.tvd).length).toBeGreaterThanOrEqual(10);
    expect(report.columns.filter((c) => c.ks).length).toBeGreaterThanOrEqual(12);
    expect(report.rowsPerTenant.map((r) => r.name)).toEqual(expect.arrayContaining(['users', 'documents', 'content_blocks', 'audit_logs', 'projects']));
    expect(report.rowsPerTenant.filter((r) => !r.ok)).toEqual([]);
    // The whale: the largest tenant of users has hundreds of rows, in the source and generated.
    const users = report.rowsPerTenant.find((r) => r.name === 'users')!.compared.find((q) => q.label === 'max')!;
    expect(users.source).toBe(300);
    expect(users.target).toBeGreaterThan(200);
    expect(report.childrenPerParent.map((r) => r.name)).toEqual(expect.arrayContaining(['documents.project_id', 'content_blocks.author_user_id']));
    expect(report.childrenPerParent.filter((r) => !r.ok)).toEqual([]);
    expect(report.ok).toBe(KNOWN_MISSES.length === 0);
    expect(compare.code).toBe(KNOWN_MISSES.length > 0 ? 1 : 0);

    // Not one source value of a column that is not categorical by the source's making reached the target.
    const { checked, copied } = copiedValues(await textValues(source.name), await textValues(target.name), { categorical: CATEGORICAL_TEXT_COLUMNS, made: migrationsMade });
    expect(copied).toEqual([]);
    expect(checked).toBeGreaterThan(25);
  }, 600_000);

  it('writes the HTML report with charts, and fails (exit 1) naming the column when the source moves away', async () => {
    const html = await cli(['compare', '--source', source.target.url, '--reporter', 'html', '--output', 'fidelity.html']);
    expect(html.code).toBe(KNOWN_MISSES.length > 0 ? 1 : 0);
    const page = fs.readFileSync(path.join(user, 'fidelity.html'), 'utf8');
    expect(page).toMatch(/<svg/);
    expect(page).toMatch(/data-column="users\.role" data-ok="true"/);

    await onServer(async (client) => {
      await client.query("UPDATE users SET role = 'viewer' WHERE role = 'member'");
      await client.query('ANALYZE users');
    }, source.name);
    const moved = await cli(['compare', '--source', source.target.url]);
    expect(moved.code).toBe(1);
    expect(moved.stdout).toMatch(/^OFF +users\.role .*TVD 0\.[3-9]/m);
    expect(moved.stdout).toMatch(/distribution\(s\) off the limits/);
  }, 300_000);
});
