/**
 * `npm run bench -- --citus URL`: `tenantseed seed` on a Citus cluster beside the single node,
 * the same rows, in interleaved rounds (single, cluster, single, cluster, ...), each into a
 * fresh database; and, on the cluster, COPY of the same rows into the constrained distributed
 * tables (a) against COPY into bare distributed tables then building the keys (b): whether
 * dropping and rebuilding keys still pays off there. Adds `citus` to bench/results/latest.json.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createKnex, migrate } from '../src';
import { DatabaseTarget, packageRoot, parseDatabaseUrl, ProjectConfig } from '../src/config';
import { copyTextLine, Plan } from '../src/generate';
import { dropConstraints, restoreConstraints } from '../src/load';
import { createScratchDatabase } from '../src/testing';
import { distributeTables } from '../src/workflows';
import { log, seconds, seedInChild, withClient } from './support';

const ROUNDS = 3;

interface ClusterDatabase {
  url: string;
  drop(): Promise<void>;
}

function onPort(url: string, port: number, database: string): string {
  const u = new URL(url);
  u.port = String(port);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A database of its own on every node of the cluster: each database is its own Citus cluster. */
async function clusterDatabase(coordinatorUrl: string, project: ProjectConfig, plan: Plan): Promise<ClusterDatabase> {
  const coordinator = new URL(coordinatorUrl);
  const workers = await withClient(coordinatorUrl, async (c) =>
    (await c.query(`SELECT nodename, nodeport FROM pg_dist_node WHERE groupid <> 0 AND noderole = 'primary' ORDER BY nodeport`)).rows as Array<{ nodename: string; nodeport: number }>);
  const name = `tenantseed_bench_citus_${randomBytes(4).toString('hex')}`;
  const ports = [Number(coordinator.port || 5432), ...workers.map((w) => w.nodeport)];
  for (const port of ports) {
    await withClient(onPort(coordinatorUrl, port, 'postgres'), (c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`));
    await withClient(onPort(coordinatorUrl, port, name), (c) => c.query('CREATE EXTENSION citus'));
  }
  const url = onPort(coordinatorUrl, ports[0], name);
  await withClient(url, async (c) => {
    await c.query('SELECT citus_set_coordinator_host($1, $2)', [coordinator.hostname, ports[0]]);
    for (const w of workers) await c.query('SELECT citus_add_node($1, $2)', [w.nodename, w.nodeport]);
  });
  const knex = createKnex(parseDatabaseUrl(url, '--citus'), { searchPath: project.schemas });
  try {
    await migrate({ knex, action: 'latest', directory: project.migrations });
    await knex.transaction((trx) => distributeTables(trx, { definitions: plan.definitions, project }));
  } finally {
    await knex.destroy();
  }
  return {
    url,
    drop: async () => {
      for (const port of ports) await withClient(onPort(coordinatorUrl, port, 'postgres'), (c) => c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`)).catch(() => undefined);
    },
  };
}

async function singleDatabase(server: DatabaseTarget, project: ProjectConfig): Promise<ClusterDatabase> {
  const db = await createScratchDatabase(server, { prefix: 'tenantseed_bench' });
  const knex = createKnex(db.target, { searchPath: project.schemas });
  await migrate({ knex, action: 'latest', directory: project.migrations });
  await knex.destroy();
  return { url: db.target.url, drop: () => db.drop() };
}

const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];

/** Measures seed on the cluster beside the single node; see the file's comment. */
export async function benchCitus(options: { server: DatabaseTarget; coordinatorUrl: string; project: ProjectConfig; plan: Plan; env: string; tenants?: number; version: string }): Promise<void> {
  const { project, plan } = options;
  const tables = plan.tables.filter((t) => t.rowCount() > 0);
  const rows = tables.reduce((sum, t) => sum + t.rowCount(), 0);
  const citusVersion = await withClient(options.coordinatorUrl, async (c) => (await c.query(`SELECT extversion FROM pg_extension WHERE extname = 'citus'`)).rows[0]?.extversion as string | undefined);
  if (!citusVersion) throw new Error(`--citus ${options.coordinatorUrl}: no citus extension there`);
  const single: number[] = [];
  const cluster: number[] = [];
  const rss: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const where of ['single', 'cluster'] as const) {
      const db = where === 'single' ? await singleDatabase(options.server, project) : await clusterDatabase(options.coordinatorUrl, project, plan);
      try {
        log(`round ${round}: seed on the ${where === 'single' ? 'single node' : 'Citus cluster'} ...`);
        const seeded = await seedInChild(db.url, project, options.env, options.tenants);
        (where === 'single' ? single : cluster).push(rows / seeded.summary.seconds);
        if (where === 'cluster') rss.push(seeded.peakRssMb);
      } finally {
        await db.drop();
      }
    }
  }

  // (a) against (b) on the cluster: the same rows as COPY text files.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-bench-citus-'));
  const copyIn: number[] = [];
  const bareBuild: number[] = [];
  try {
    for (const table of tables) fs.writeFileSync(path.join(dir, `${table.name}.copy`), Array.from(table.rows(), copyTextLine).join(''));
    const copyFiles = async (client: pg.Client) => {
      for (const table of tables) {
        await pipeline(fs.createReadStream(path.join(dir, `${table.name}.copy`)), client.query(copyFrom(`COPY "${table.name}" (${table.columns.map((c) => `"${c}"`).join(', ')}) FROM STDIN`)));
      }
    };
    for (let round = 1; round <= ROUNDS; round++) {
      for (const path_ of ['a', 'b'] as const) {
        const db = await clusterDatabase(options.coordinatorUrl, project, plan);
        try {
          log(`round ${round}: (${path_}) on the cluster ...`);
          const s = await withClient(db.url, async (client) => {
            await client.query('BEGIN');
            await client.query(`SET LOCAL citus.multi_shard_modify_mode TO 'sequential'`);
            const t = process.hrtime.bigint();
            if (path_ === 'a') await copyFiles(client);
            else {
              const saved = await dropConstraints(client, tables.map((x) => x.name));
              await copyFiles(client);
              await restoreConstraints(client, saved);
            }
            const elapsed = seconds(t);
            await client.query('COMMIT');
            return elapsed;
          });
          (path_ === 'a' ? copyIn : bareBuild).push(rows / s);
        } finally {
          await db.drop();
        }
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const citus = {
    date: new Date().toISOString(),
    rounds: ROUNDS,
    tenants: plan.tenants.length,
    rows,
    postgresVersion: options.version,
    citusVersion,
    nodes: 'a coordinator and two workers on one machine',
    cores: os.cpus().length,
    singleNodeSeedRowsPerSec: Math.round(median(single)),
    clusterSeedRowsPerSec: Math.round(median(cluster)),
    clusterSeedPeakRssMb: median(rss),
    clusterCopyIntoConstrainedRowsPerSec: Math.round(median(copyIn)),
    clusterCopyBareThenBuildRowsPerSec: Math.round(median(bareBuild)),
    perRound: single.map((s, i) => ({ single: Math.round(s), cluster: Math.round(cluster[i]), clusterVsSingle: Number((cluster[i] / s).toFixed(2)), copyIntoConstrained: Math.round(copyIn[i]), copyBareThenBuild: Math.round(bareBuild[i]) })),
  };
  const results = path.join(packageRoot(), 'bench', 'results');
  fs.mkdirSync(results, { recursive: true });
  const file = path.join(results, 'latest.json');
  const latest = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  fs.writeFileSync(file, JSON.stringify({ ...latest, citus }, null, 2) + '\n');
  console.log(`tenantseed bench --citus: ${citus.tenants} tenants, ${rows} rows, PostgreSQL ${options.version}, Citus ${citusVersion}, ${citus.cores} cores, medians of ${ROUNDS} interleaved rounds`);
  console.log(`  seed on the single node       ${String(citus.singleNodeSeedRowsPerSec).padStart(9)} rows/s`);
  console.log(`  seed on the Citus cluster     ${String(citus.clusterSeedRowsPerSec).padStart(9)} rows/s  (${(citus.clusterSeedRowsPerSec / citus.singleNodeSeedRowsPerSec).toFixed(2)}x; peak RSS ${citus.clusterSeedPeakRssMb} MB)`);
  console.log(`  cluster (a) COPY into constrained tables   ${String(citus.clusterCopyIntoConstrainedRowsPerSec).padStart(9)} rows/s`);
  console.log(`  cluster (b) COPY into bare tables + build  ${String(citus.clusterCopyBareThenBuildRowsPerSec).padStart(9)} rows/s`);
  console.log('  written to bench/results/latest.json (citus)');
}
