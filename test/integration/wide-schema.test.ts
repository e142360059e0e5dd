import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { useFileDatabase } from '../support/database';
import { CLI } from '../support/run-cli';
import { makeWideSchema } from '../scale/make-wide-schema';

/**
 * A schema of 420 tables (test/scale/make-wide-schema.ts: tenant tables with and without a
 * foreign key on their tenant column, runs of same-tenant composite references, tables without
 * tenants) introspects, resets and validates from a user's folder, the CLI as a subprocess.
 * Each step's time and peak memory are printed (docs/performance.md records them); no target is
 * asserted here: timing targets live in the benchmark.
 */
const TABLES = 420;
const timeBinary = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

const CASES = [
  { title: 'every tenant column with a foreign key to the root', withoutForeignKey: 0 },
  // A third of the tenant tables have a NOT NULL tenant column, first in their keys, with no foreign key to the root.
  { title: 'a third of the tenant columns without a foreign key', withoutForeignKey: 1 / 3 },
];

describe.each(CASES)(`a generated schema of ${TABLES} tables: $title`, ({ withoutForeignKey }) => {
  const appRole = `wide_app_${randomBytes(4).toString('hex')}`;
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-wide-'));
  afterAll(async () => {
    await db.knex.raw(`DROP OWNED BY ${appRole}`);
    await db.knex.raw(`DROP ROLE IF EXISTS ${appRole}`);
    fs.rmSync(folder, { recursive: true, force: true });
  });
  const db = useFileDatabase();
  const figures: string[] = [];

  /** Runs the CLI from the user's folder, recording its wall time and (with /usr/bin/time) its peak RSS. */
  function measured(args: string[]): { code: number | null; stdout: string; stderr: string } {
    const started = process.hrtime.bigint();
    const command = timeBinary ? [timeBinary, '-f', 'peak-rss-kb %M', process.execPath, CLI, ...args] : [process.execPath, CLI, ...args];
    const run = spawnSync(command[0], command.slice(1), {
      cwd: folder, env: { ...process.env, DATABASE_URL: db.target.url, FORCE_COLOR: '0' }, encoding: 'utf8', timeout: 600_000, maxBuffer: 64 * 1024 * 1024,
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rss = /peak-rss-kb (\d+)/.exec(run.stderr ?? '');
    figures.push(`${args[0]}: ${seconds.toFixed(1)} s${rss ? `, peak RSS ${Math.round(Number(rss[1]) / 1024)} MB` : ''}`);
    return { code: run.status, stdout: run.stdout ?? '', stderr: (run.stderr ?? '').replace(/^peak-rss-kb \d+\n?/m, '') };
  }

  it('introspects, resets and validates with no edit', async () => {
    const wide = makeWideSchema({ tables: TABLES, appRole, withoutForeignKey });
    await db.knex.raw(wide.sql);
    const tables = Number((await db.knex.raw(`SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public'`)).rows[0].n);
    expect(tables).toBe(TABLES);

    const introspect = measured(['introspect', '--out', 'db']);
    expect(introspect.stderr).not.toMatch(/^error/m);
    expect(introspect.code).toBe(0);
    expect(introspect.stdout).toMatch(/^0 hand edits\.$/m);
    expect(fs.readdirSync(path.join(folder, 'db', 'definitions'))).toHaveLength(TABLES);

    const reset = measured(['reset', '--env', 'development']);
    expect(reset.stderr).not.toMatch(/^error/m);
    expect(reset.code).toBe(0);
    for (const table of [wide.root, wide.tenantTables[0], wide.tenantTables[wide.tenantTables.length - 1], wide.globalTables[0]]) {
      expect(Number((await db.knex.raw(`SELECT count(*) AS n FROM ${table}`)).rows[0].n)).toBeGreaterThan(0);
    }

    const validate = measured(['validate', '--env', 'development', '--json']);
    const report = JSON.parse(validate.stdout) as { checks: Array<{ name: string; ok: boolean; details: { summary: string } }> };
    const isolation = report.checks.find((c) => c.name === 'isolation');
    expect(isolation?.ok).toBe(true);
    expect(isolation?.details.summary).toMatch(new RegExp(`as ${appRole}`));
    expect(report.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual([]);
    expect(validate.code).toBe(0);
    // The figures of docs/performance.md.
    console.log(`${TABLES} tables (${wide.tenantTables.length} tenant, ${wide.globalTables.length} without tenants): ${figures.join('; ')}`);
  }, 1_500_000);
});
