/**
 * `npm run bench -- --peers`: tenantseed and drizzle-seed seeding the same tables of the shipped
 * schema (tenants, users, content blocks: the user-authored documents) with the same counts, in
 * interleaved rounds, each into a fresh database: rows/s, peak RSS of the seeding process, and
 * how many content blocks point at another tenant's user. Adds `peers` to latest.json.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createKnex, migrate } from '../src';
import { DatabaseTarget, packageRoot, ProjectConfig, readProjectConfig } from '../src/config';
import { createScratchDatabase } from '../src/testing';
import { log, seedInChild, withClient } from './support';

const TENANTS = 1_000;
const USERS_PER_TENANT = 10;
const BLOCKS_PER_TENANT = 30;
const ROUNDS = 3;
const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];

/** A project of the shipped migrations with only the three definitions, and a profile of the counts. */
function peerProject(shipped: ProjectConfig, dir: string): ProjectConfig {
  fs.mkdirSync(path.join(dir, 'definitions'));
  fs.mkdirSync(path.join(dir, 'environments'));
  for (const table of ['tenants', 'users', 'content_blocks']) fs.copyFileSync(path.join(shipped.definitions, `${table}.json`), path.join(dir, 'definitions', `${table}.json`));
  fs.writeFileSync(path.join(dir, 'environments', 'peers.json'), JSON.stringify({
    description: 'The benchmark against drizzle-seed: the same counts', seed: 1, referenceDate: '2026-01-01T00:00:00Z', protected: false, collisions: false,
    passwords: ['peer-password'], tenants: { named: [], generated: TENANTS, sizes: [{ share: 1, scale: 1 }] }, counts: { users: USERS_PER_TENANT, content_blocks: BLOCKS_PER_TENANT },
  }));
  fs.writeFileSync(path.join(dir, 'tenantseed.config.json'), JSON.stringify({ migrations: shipped.migrations, definitions: 'definitions', environments: 'environments', schemas: shipped.schemas, tenancy: shipped.tenancy }));
  return readProjectConfig(path.join(dir, 'tenantseed.config.json'));
}

function drizzleInChild(url: string): Promise<{ seconds: number; rows: number; peakRssMb: number }> {
  const script = path.join(packageRoot(), 'dist', 'bench', 'drizzle-peer.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, String(TENANTS), String(USERS_PER_TENANT), String(BLOCKS_PER_TENANT), url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`drizzle-seed failed (${code}): ${err.slice(-2000)}`))));
  });
}

const CROSS_TENANT = 'SELECT count(*)::int AS n FROM content_blocks c JOIN users u ON u.id = c.author_user_id WHERE u.tenant_id <> c.tenant_id';

/** See the file's comment. */
export async function benchPeers(options: { server: DatabaseTarget; project: ProjectConfig; version: string }): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-bench-peers-'));
  const project = peerProject(options.project, dir);
  const fresh = async () => {
    const db = await createScratchDatabase(options.server, { prefix: 'tenantseed_bench' });
    const knex = createKnex(db.target, { searchPath: project.schemas });
    await migrate({ knex, action: 'latest', directory: project.migrations });
    await knex.destroy();
    return db;
  };
  const runs: Array<Record<'tenantseed' | 'drizzle-seed', { rowsPerSec: number; peakRssMb: number; crossTenant: number }>> = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const entry = {} as Record<'tenantseed' | 'drizzle-seed', { rowsPerSec: number; peakRssMb: number; crossTenant: number }>;
      for (const peer of ['tenantseed', 'drizzle-seed'] as const) {
        const db = await fresh();
        try {
          log(`round ${round}: ${peer} ...`);
          let result: { seconds: number; rows: number; peakRssMb: number };
          if (peer === 'tenantseed') {
            const seeded = await seedInChild(db.target.url, project, 'peers', undefined);
            result = { seconds: seeded.summary.seconds, rows: seeded.summary.rows, peakRssMb: seeded.peakRssMb };
          } else {
            // drizzle-seed cannot keep a composite (tenant_id, author_user_id) reference in one
            // tenant: with the shipped foreign key its inserts fail, so its database goes without it.
            await withClient(db.target.url, (c) => c.query('ALTER TABLE content_blocks DROP CONSTRAINT content_blocks_author_fkey'));
            result = await drizzleInChild(db.target.url);
          }
          const crossTenant = await withClient(db.target.url, async (c) => (await c.query(CROSS_TENANT)).rows[0].n as number);
          entry[peer] = { rowsPerSec: Math.round(result.rows / result.seconds), peakRssMb: result.peakRssMb, crossTenant };
        } finally {
          await db.drop();
        }
      }
      runs.push(entry);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const summary = (peer: 'tenantseed' | 'drizzle-seed') => ({
    rowsPerSec: median(runs.map((r) => r[peer].rowsPerSec)),
    peakRssMb: Math.max(...runs.map((r) => r[peer].peakRssMb)),
    crossTenant: Math.max(...runs.map((r) => r[peer].crossTenant)),
  });
  const peers = {
    date: new Date().toISOString(),
    rounds: ROUNDS,
    tenants: TENANTS,
    counts: { usersPerTenant: USERS_PER_TENANT, contentBlocksPerTenant: BLOCKS_PER_TENANT },
    contentBlocks: TENANTS * BLOCKS_PER_TENANT,
    postgresVersion: options.version,
    'drizzle-seed': summary('drizzle-seed'),
    tenantseed: summary('tenantseed'),
    perRound: runs,
  };
  const results = path.join(packageRoot(), 'bench', 'results');
  fs.mkdirSync(results, { recursive: true });
  const file = path.join(results, 'latest.json');
  const latest = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  fs.writeFileSync(file, JSON.stringify({ ...latest, peers }, null, 2) + '\n');
  console.log(`tenantseed bench --peers: ${TENANTS} tenants, ${USERS_PER_TENANT} users and ${BLOCKS_PER_TENANT} content blocks each, PostgreSQL ${options.version}, medians of ${ROUNDS} interleaved rounds`);
  for (const peer of ['tenantseed', 'drizzle-seed'] as const) {
    const p = peers[peer];
    console.log(`  ${peer.padEnd(13)} ${String(p.rowsPerSec).padStart(9)} rows/s  peak RSS ${p.peakRssMb} MB  content blocks pointing at another tenant's user: ${p.crossTenant} of ${peers.contentBlocks}`);
  }
  console.log('  written to bench/results/latest.json (peers)');
}
