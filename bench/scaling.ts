/**
 * `npm run bench -- --scaling`: `tenantseed seed` of the staging profile at 100, 1,000 and
 * 10,000 tenants (about 11 million rows at the top), each into a fresh database: rows/s and the
 * seeding process's peak RSS at each scale, added to bench/results/latest.json as `scaling`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createKnex, migrate } from '../src';
import { DatabaseTarget, packageRoot, ProjectConfig } from '../src/config';
import { createScratchDatabase } from '../src/testing';
import { log, seedInChild } from './support';

const SCALES = [100, 1_000, 10_000];

/** Seeds each scale once; see the file's comment. */
export async function benchScaling(options: { server: DatabaseTarget; project: ProjectConfig; env: string; version: string }): Promise<void> {
  const { project } = options;
  const runs: Array<{ tenants: number; rows: number; seconds: number; rowsPerSec: number; peakRssMb: number }> = [];
  for (const tenants of SCALES) {
    const db = await createScratchDatabase(options.server, { prefix: 'tenantseed_bench' });
    try {
      const knex = createKnex(db.target, { searchPath: project.schemas });
      await migrate({ knex, action: 'latest', directory: project.migrations });
      await knex.destroy();
      log(`seed of ${tenants} tenants ...`);
      const seeded = await seedInChild(db.target.url, project, options.env, tenants);
      runs.push({ tenants, rows: seeded.summary.rows, seconds: Number(seeded.summary.seconds.toFixed(1)), rowsPerSec: Math.round(seeded.summary.rows / seeded.summary.seconds), peakRssMb: seeded.peakRssMb });
    } finally {
      await db.drop();
    }
  }
  const at = (n: number) => runs.find((r) => r.tenants === n)!;
  const scaling = {
    date: new Date().toISOString(),
    env: options.env,
    postgresVersion: options.version,
    cores: os.cpus().length,
    runs,
    rowsPerSecTenThousandVsThousand: Number((at(10_000).rowsPerSec / at(1_000).rowsPerSec).toFixed(2)),
    maxPeakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
  };
  const results = path.join(packageRoot(), 'bench', 'results');
  fs.mkdirSync(results, { recursive: true });
  const file = path.join(results, 'latest.json');
  const latest = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  fs.writeFileSync(file, JSON.stringify({ ...latest, scaling }, null, 2) + '\n');
  console.log(`tenantseed bench --scaling: ${options.env} profile, PostgreSQL ${options.version}, ${scaling.cores} cores`);
  for (const r of runs) console.log(`  ${String(r.tenants).padStart(6)} tenants ${String(r.rows).padStart(11)} rows ${String(r.seconds).padStart(7)} s ${String(r.rowsPerSec).padStart(9)} rows/s  peak RSS ${r.peakRssMb} MB`);
  console.log(`  rows/s at 10,000 tenants / at 1,000: ${scaling.rowsPerSecTenThousandVsThousand}x (target >= 0.8); highest peak RSS ${scaling.maxPeakRssMb} MB (target <= 300)`);
  console.log('  written to bench/results/latest.json (scaling)');
}
