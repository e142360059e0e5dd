/**
 * `node dist/bench/generate-memory.js [--cli bin/tenantseed.js] [--tenants 1000,10000,50000]`:
 * the peak resident memory (max RSS) of `tenantseed generate --tenants N`, one fresh process
 * per size, on the shipped definitions with a profile of one row per table and tenant (so that
 * the tenants, not their rows, dominate the run). `--cli` points at another build (the one
 * before a change) to compare. Prints one line per size, and the output's fingerprint, which
 * must not differ between builds. Figures: docs/performance.md.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..');

function flag(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1] : fallback;
}

/** A profile folder: the shipped test profile, one row per tenant table. */
function benchEnvironments(dir: string): string {
  const profile = JSON.parse(fs.readFileSync(path.join(REPO, 'seeds', 'environments', 'test.json'), 'utf8'));
  profile.counts = Object.fromEntries(Object.keys(profile.counts).map((table) => [table, 1]));
  profile.legacy = {};
  const environments = path.join(dir, 'environments');
  fs.mkdirSync(environments, { recursive: true });
  fs.writeFileSync(path.join(environments, 'bench.json'), JSON.stringify(profile, null, 2));
  return environments;
}

function main(): void {
  const cli = path.resolve(flag('cli', path.join(REPO, 'bin', 'tenantseed.js')));
  const sizes = flag('tenants', '1000,10000,50000').split(',').map(Number);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-bench-memory-'));
  try {
    const environments = benchEnvironments(dir);
    const probe = path.join(dir, 'max-rss.js');
    fs.writeFileSync(probe, "process.on('exit', () => process.stderr.write(`max-rss-kb=${process.resourceUsage().maxRSS}\\n`));\n");
    for (const tenants of sizes) {
      const out = path.join(dir, `out-${tenants}`);
      const started = Date.now();
      const run = spawnSync(process.execPath, ['-r', probe, cli, 'generate', '--env', 'bench', '--environments', environments,
        '--definitions', path.join(REPO, 'seeds', 'definitions'), '--tenants', String(tenants), '--out', out, '--json', '--allow-large'], { cwd: REPO, encoding: 'utf8' });
      const rss = /max-rss-kb=(\d+)/.exec(run.stderr)?.[1];
      if (run.status !== 0 || !rss) throw new Error(`generate --tenants ${tenants} failed (exit ${run.status}): ${run.stderr.slice(0, 2000)}`);
      const result = JSON.parse(run.stdout);
      process.stdout.write(`${String(tenants).padStart(7)} tenants  ${String(result.rows).padStart(8)} rows  peak RSS ${(Number(rss) / 1024).toFixed(0).padStart(5)} MB  ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s  ${result.fingerprint}\n`);
      fs.rmSync(out, { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
