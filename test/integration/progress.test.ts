import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { useFileDatabase } from '../support/database';
import { runCli } from '../support/run-cli';

/** The per-table counts a summary prints on stdout ("  documents      15 rows"). */
function summaryCounts(stdout: string): Map<string, number> {
  return new Map([...stdout.matchAll(/^ {2}(\S+)\s+(\d+) rows$/gm)].map((m) => [m[1], Number(m[2])]));
}

/** The phase lines of stderr: "load documents: 15 rows in 0.0 s (..)" -> ["load documents", "15 rows"]. */
function phaseLines(stderr: string): Array<{ label: string; count?: string }> {
  return [...stderr.matchAll(/^([a-z][a-z ]*?(?: \S+)?): (?:(\d[\d,]* (?:rows|keys and indexes)) in )?\d+\.\d s/gm)]
    .map((m) => ({ label: m[1], count: m[2] }));
}

describe('progress on stderr', () => {
  const db = useFileDatabase();
  const cli = (args: string[]) => runCli(['--database-url', db.target.url, ...args], { env: { CI: 'true' }, timeoutMs: 120_000 });

  it('prints one line per phase of a reset, in order, with each table\'s own total, then the whole wall time', async () => {
    // The development profile: its 1,800 audit_logs have their keys rebuilt after the load (DEFER_FROM_ROWS); its legacy rows are few.
    const run = await cli(['reset', '--env', 'development']);
    expect(run.code).toBe(0);
    const counts = summaryCounts(run.stdout);
    const legacy = await db.knex('tenantseed.legacy_absorption').select('table_name', 'rows_absorbed').orderBy('table_name');
    expect(legacy.length).toBeGreaterThan(0);
    const lines = phaseLines(run.stderr);
    const labels = lines.map((l) => l.label);
    const legacyLabels = labels.filter((l) => l.startsWith('legacy rows '));
    const loadLabels = labels.filter((l) => l.startsWith('load '));
    expect(labels).toEqual(['connect', 'migrate', ...legacyLabels, 'migrate', ...loadLabels, 'keys', 'validation']);
    // Each table's load counts that table's rows, as the summary does (not a total of another phase).
    expect(new Map(lines.filter((l) => l.label.startsWith('load ')).map((l) => [l.label.slice(5), Number(l.count?.split(' ')[0].replace(/,/g, ''))]))).toEqual(counts);
    expect(legacyLabels.map((l) => l.slice('legacy rows '.length)).sort()).toEqual(legacy.map((r) => r.table_name).sort());
    for (const row of legacy) expect(lines.find((l) => l.label === `legacy rows ${row.table_name}`)?.count).toBe(`${row.rows_absorbed} rows`);
    expect(run.stderr).not.toMatch(/\r|\x1b\[/);
    const done = run.stderr.match(/^Done in (\d+\.\d) s wall time: start-up \d+\.\d s, connect \d+\.\d s, migrate \d+\.\d s, legacy rows \d+\.\d s, load \d+\.\d s, keys \d+\.\d s, validation \d+\.\d s$/m);
    expect(done).not.toBeNull();
    // The wall time is at least the transaction's time the summary prints.
    expect(Number(done![1])).toBeGreaterThanOrEqual(Number(run.stdout.match(/ in (\d+\.\d) s$/m)![1]));
  });

  it('prints no progress with --quiet, and the same summary', async () => {
    const run = await cli(['reset', '--env', 'development', '--quiet']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(`Project: the shipped reference schema\nDatabase: ${db.target.database} on ${db.target.host}:${db.target.port} as ${db.target.user} (from --database-url)\n`);
    expect(run.stdout).toMatch(/^Reset and seeded \d+ rows/m);
  });

  it('prints a line per generated file, with its rows, and nothing with --quiet', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-progress-'));
    try {
      const run = await runCli(['generate', '--env', 'test', '--out', path.join(out, 'a')], { env: { CI: 'true' } });
      expect(run.code).toBe(0);
      const written = [...run.stdout.matchAll(/^ {2}(legacy\/)?\d+_(\S+)\.csv\s+(\d+) rows$/gm)].filter((m) => m[3] !== '0');
      const lines = phaseLines(run.stderr);
      expect(lines.map((l) => `${l.label} ${l.count}`)).toEqual(written.map((m) => `generate ${m[1] ?? ''}${m[2]} ${m[3]} rows`));
      expect(run.stderr).toMatch(/^Done in \d+\.\d s wall time: start-up \d+\.\d s, generate \d+\.\d s$/m);
      const quiet = await runCli(['generate', '--env', 'test', '--out', path.join(out, 'b'), '--quiet'], { env: { CI: 'true' } });
      expect(quiet.code).toBe(0);
      expect(quiet.stderr).toBe('');
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
