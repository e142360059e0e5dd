/**
 * The benchmark: `npm run bench [-- --rounds N] [--tenants N] [--database-url URL] [--config FILE] [--env NAME] [--citus URL] [--scaling] [--peers]`.
 *
 * On one server (the embedded one by default), with the same rows of the project's staging
 * profile (or --env NAME; or N tenants of it), it measures. The project is the one the working
 * folder's tenantseed.config.json names (or --config), else the shipped schema:
 *   seed         `tenantseed seed` itself (a child process running the CLI's code, whose peak
 *                RSS is taken), generation streaming into COPY, keys rebuilt after the load;
 *   copyIntoSchema  (a) COPY of pre-serialised files into the fully constrained schema;
 *   copyBare     (b) COPY of the same files into bare tables, then building the same keys,
 *                indexes and foreign keys (the time counts both);
 *   insert       (c) multi-row INSERT through knex in batches of 5,000 (what other seeders do);
 * each path once per round, interleaved (seed, a, b, c, seed, a, b, c, ...; `--rounds`, default
 * 3), each into a fresh database; the figures are the medians, with each round's ratios beside;
 * plus the time to validate the seeded database, and the testing API's handout of a test
 * database from a warm pool, from an empty pool, the raw clone of the same template, and a
 * jest run of 4 workers x 25 files.
 * Writes bench/results/latest.json and prints the ratios. No timing is asserted anywhere.
 * With `--peers` it runs tenantseed beside drizzle-seed on the same tables and counts (bench/peers.ts).
 * With `--scaling` it seeds 100, 1,000 and 10,000 tenants instead (bench/scaling.ts).
 * With `--citus URL` (a Citus coordinator) it measures seed on the cluster beside the single
 * node instead (bench/citus.ts), and adds `citus` to latest.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import {
  buildPlan, createKnex, createTestDatabase, describeDatabase, loadDefinitions, loadProfile, migrate,
  resolveDatabaseSource, startEmbeddedServer, validateDatabase,
} from '../src';
import { DatabaseTarget, packageRoot, ProjectConfig, resolveProjectConfig } from '../src/config';
import { copyTextLine } from '../src/generate';
import { dropConstraints, restoreConstraints } from '../src/load';
import { createScratchDatabase, markedDatabases, settleTestDatabases, TEST_SERVER_URL_VARIABLE } from '../src/testing';
import { benchCitus } from './citus';
import { benchScaling } from './scaling';
import { benchPeers } from './peers';
import { log, seconds, seedInChild, withClient } from './support';

/** The median (the upper one of an even count). */
const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];

interface Args {
  /** Interleaved rounds of seed, (a), (b), (c); the figures are their medians. Default 3. */
  rounds: number;
  tenants?: number;
  databaseUrl?: string;
  config?: string;
  env: string;
  /** A Citus coordinator: measure seed there beside the single node, then stop. */
  citus?: string;
  /** Seed at 100, 1,000 and 10,000 tenants, then stop. */
  scaling?: boolean;
  /** tenantseed beside drizzle-seed on the same tables and counts, then stop. */
  peers?: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { env: 'staging', rounds: 3 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--tenants') args.tenants = Number(argv[++i]);
    else if (argv[i] === '--database-url') args.databaseUrl = argv[++i];
    else if (argv[i] === '--config') args.config = argv[++i];
    else if (argv[i] === '--env') args.env = argv[++i];
    else if (argv[i] === '--citus') args.citus = argv[++i];
    else if (argv[i] === '--rounds') args.rounds = Number(argv[++i]);
    else if (argv[i] === '--scaling') args.scaling = true;
    else if (argv[i] === '--peers') args.peers = true;
    else throw new Error(`unknown argument ${argv[i]} (use --rounds N, --tenants N, --database-url URL, --config FILE, --env NAME, --citus URL, --scaling, --peers)`);
  }
  if (args.tenants !== undefined && (!Number.isInteger(args.tenants) || args.tenants < 2)) throw new Error('--tenants must be a whole number from 2 up');
  if (!Number.isInteger(args.rounds) || args.rounds < 1) throw new Error('--rounds must be a whole number from 1 up');
  return args;
}

/** A jest run of 4 workers x 25 test files, each taking a seeded test database: its wall time. */
function jestWorkers(serverUrl: string, configFile: string | undefined, table: string): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-bench-jest-'));
  const api = JSON.stringify(path.join(packageRoot(), 'dist', 'src', 'index.js'));
  for (let i = 0; i < 100; i++) {
    fs.writeFileSync(path.join(dir, `f${i}.test.js`), `const { createTestDatabase } = require(${api});
let db; beforeAll(async () => { db = await createTestDatabase(${configFile ? `{ config: ${JSON.stringify(configFile)} }` : ''}); }); afterAll(() => db.destroy());
test('is seeded', async () => { expect(Number((await db.knex(${JSON.stringify(table)}).count({ n: '*' }))[0].n)).toBeGreaterThan(0); });`);
  }
  fs.writeFileSync(path.join(dir, 'jest.config.js'), `module.exports = { rootDir: ${JSON.stringify(dir)}, testEnvironment: 'node' };`);
  const jest = path.join(packageRoot(), 'node_modules', 'jest', 'bin', 'jest.js');
  const t = process.hrtime.bigint();
  const run = spawnSync(process.execPath, [jest, '--config', path.join(dir, 'jest.config.js'), '--maxWorkers=4'], { cwd: dir, encoding: 'utf8', env: { ...process.env, TENANTSEED_TEST_SERVER_URL: serverUrl } });
  const elapsed = seconds(t);
  fs.rmSync(dir, { recursive: true, force: true });
  if (run.status !== 0) throw new Error(`the jest run failed: ${run.stderr.slice(-2000)}`);
  return elapsed;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const source = resolveDatabaseSource({ databaseUrl: args.databaseUrl, env: {} });
  const server = source.kind === 'url' ? source.target : (await startEmbeddedServer({ dataDir: source.dataDir })).target;
  const version = await withClient(server.url, async (c) => (await c.query('SHOW server_version')).rows[0].server_version as string);
  log(`Server: ${describeDatabase(server)}, PostgreSQL ${version}, ${os.cpus().length} cores`);
  const project = resolveProjectConfig({ configFile: args.config });
  if (!project.migrations) throw new Error(`${project.file} names no migrations: the benchmark migrates scratch databases`);
  const definitions = loadDefinitions(project.definitions);
  const profile = loadProfile(project.environments, args.env);
  const plan = buildPlan({ definitions, profile, tenants: args.tenants });
  const tables = plan.tables.filter((t) => t.rowCount() > 0);
  const rows = tables.reduce((sum, t) => sum + t.rowCount(), 0);
  log(`Dataset: ${args.env}${project.file ? ` of ${project.file}` : ''}, ${plan.tenants.length} tenants, ${rows} rows`);
  if (args.peers) {
    await benchPeers({ server, project, version });
    return;
  }
  if (args.scaling) {
    await benchScaling({ server, project, env: args.env, version });
    return;
  }
  if (args.citus) {
    await benchCitus({ server, coordinatorUrl: args.citus, project, plan, env: args.env, tenants: args.tenants, version });
    return;
  }
  const scratch = new Map<string, { drop(): Promise<void> }>();
  // Before each measurement: a checkpoint, and no autovacuum at work (the previous paths' tables
  // are dropped, see discard; this waits for what is left, at most a minute). On a server where
  // the role may not CHECKPOINT, that part is skipped.
  let checkpoints = true;
  const settle = () => withClient(server.url, async (client) => {
    if (checkpoints) {
      await client.query('CHECKPOINT').catch((err: Error) => {
        checkpoints = false;
        log(`(no CHECKPOINT before each path: ${err.message})`);
      });
    }
    for (let i = 0; i < 120; i++) {
      const busy = (await client.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'`)).rows[0].n;
      if (busy === 0) {
        if (i > 0) log(`  (waited ${i / 2} s for autovacuum to finish)`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    log('  (autovacuum still at work after 60 s: measuring anyway)');
  });
  const fresh = async () => {
    const db = await createScratchDatabase(server, { prefix: 'tenantseed_bench' });
    scratch.set(db.target.url, db);
    const knex = createKnex(db.target, { searchPath: project.schemas });
    await migrate({ knex, action: 'latest', directory: project.migrations });
    await knex.destroy();
    await settle();
    return db.target;
  };
  // A measured database is dropped at once: autovacuum would otherwise work through its million
  // rows while the next path is measured (before this, the seed, measured right after (c) and
  // beside three undropped million-row databases, ran 35% slower in rounds 2 and 3 than in round 1).
  const discard = async (target: DatabaseTarget) => {
    await scratch.get(target.url)?.drop();
    scratch.delete(target.url);
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-bench-'));
  try {
    // Pre-serialise the same rows to COPY text files, for (a) and (b).
    log('serialising the rows to files ...');
    for (const table of tables) {
      const out = fs.createWriteStream(path.join(dir, `${table.name}.copy`));
      let chunk = '';
      for (const row of table.rows()) {
        chunk += copyTextLine(row);
        if (chunk.length > 1 << 20) {
          if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
          chunk = '';
        }
      }
      out.end(chunk);
      await new Promise<void>((r) => out.once('finish', () => r()));
    }
    const copyFiles = async (client: pg.Client) => {
      for (const table of tables) {
        const sql = `COPY "${table.name}" (${table.columns.map((c) => `"${c}"`).join(', ')}) FROM STDIN`;
        await pipeline(fs.createReadStream(path.join(dir, `${table.name}.copy`)), client.query(copyFrom(sql)));
      }
    };

    // seed: the product's own path, in a child process for its peak RSS.
    const measureSeed = async () => {
      const target = await fresh();
      const seeded = await seedInChild(target.url, project, args.env, args.tenants);
      return { seconds: seeded.summary.seconds, peakRssMb: seeded.peakRssMb, target };
    };
    // (a) COPY into the fully constrained schema.
    const measureCopyIntoSchema = async () => {
      const target = await fresh();
      const s = await withClient(target.url, async (client) => {
        await client.query('BEGIN');
        const t = process.hrtime.bigint();
        await copyFiles(client);
        const s = seconds(t);
        await client.query('COMMIT');
        return s;
      });
      await discard(target);
      return s;
    };
    // (b) COPY into bare tables, then build the same keys, indexes and foreign keys.
    const measureCopyBare = async () => {
      const target = await fresh();
      const measured = await withClient(target.url, async (client) => {
        await client.query('BEGIN');
        const saved = await dropConstraints(client, tables.map((t) => t.name));
        let t = process.hrtime.bigint();
        await copyFiles(client);
        const copy = seconds(t);
        t = process.hrtime.bigint();
        await restoreConstraints(client, saved);
        const build = seconds(t);
        await client.query('COMMIT');
        return { copy, build };
      });
      await discard(target);
      return measured;
    };
    // (c) multi-row INSERT through knex, 5,000 rows a batch.
    const measureInsert = async () => {
      const target = await fresh();
      const insertKnex = createKnex(target, { searchPath: project.schemas });
      const t = process.hrtime.bigint();
      await insertKnex.transaction(async (trx) => {
        for (const table of tables) {
          const json = new Set(table.definition.columns.filter((col) => col.json).map((col) => col.name));
          let batch: Record<string, unknown>[] = [];
          for (const row of table.rows()) {
            const object: Record<string, unknown> = {};
            table.columns.forEach((col, i) => (object[col] = json.has(col) && row[i] !== null ? JSON.stringify(row[i]) : row[i]));
            batch.push(object);
            if (batch.length === 5000) {
              await trx(table.name).insert(batch);
              batch = [];
            }
          }
          if (batch.length) await trx(table.name).insert(batch);
        }
      });
      const s = seconds(t);
      await insertKnex.destroy();
      await discard(target);
      return s;
    };

    // Interleaved rounds (seed, a, b, c, seed, a, b, c, ...): a machine that slows down midway
    // weighs on every path alike, and each round's ratios are reported beside the medians.
    const rounds: Array<{ seed: number; peakRssMb: number; copyIntoSchema: number; copyBare: { copy: number; build: number }; insert: number }> = [];
    let seedTarget: DatabaseTarget | undefined;
    for (let round = 1; round <= args.rounds; round++) {
      log(`round ${round} of ${args.rounds}: seed ...`);
      const seeded = await measureSeed();
      // The first round's seeded database is validated below; the others are dropped.
      if (seedTarget) await discard(seeded.target);
      else seedTarget = seeded.target;
      log(`round ${round}: (a) COPY into the constrained schema ...`);
      const copyIntoSchema = await measureCopyIntoSchema();
      log(`round ${round}: (b) COPY into bare tables, then build the constraints ...`);
      const copyBare = await measureCopyBare();
      log(`round ${round}: (c) INSERT through knex in batches of 5,000 ...`);
      const insert = await measureInsert();
      rounds.push({ seed: seeded.seconds, peakRssMb: seeded.peakRssMb, copyIntoSchema, copyBare, insert });
    }

    // validate the first round's seeded database.
    const knex = createKnex(seedTarget!, { searchPath: project.schemas });
    let start = process.hrtime.bigint();
    const report = await validateDatabase({ knex, definitions, schemas: project.schemas, tenancy: project.tenancy });
    const validateSeconds = seconds(start);
    await knex.destroy();
    if (!report.ok) throw new Error(`validation failed: ${report.checks.filter((c) => !c.ok).map((c) => c.name).join(', ')}`);
    const seedSeconds = median(rounds.map((r) => r.seed));
    const copyIntoSchemaSeconds = median(rounds.map((r) => r.copyIntoSchema));
    const bareSeconds = median(rounds.map((r) => r.copyBare.copy + r.copyBare.build));
    const bare = rounds.find((r) => r.copyBare.copy + r.copyBare.build === bareSeconds)!.copyBare;
    const insertSeconds = median(rounds.map((r) => r.insert));
    const seedRowsPerSec = rows / seedSeconds;

    // Handing out test databases (test profile), after the template exists: from a warm pool,
    // from an empty one (which clones), the raw CREATE DATABASE ... TEMPLATE of the same
    // template, and a jest run of 4 workers x 25 files.
    log('hand out test databases ...');
    process.env[TEST_SERVER_URL_VARIABLE] = server.url;
    const warm = await createTestDatabase({ config: project, poolSize: 5 });
    const warmName = decodeURIComponent(new URL(warm.url).pathname.slice(1));
    const key = await withClient(server.url, async (c) => (await markedDatabases(c)).find((d) => d.name === warmName)!.marker.key);
    const template = `tenantseed_tpl_${key}`;
    await warm.destroy();
    await settleTestDatabases();
    const handout = async (emptyPool: boolean) => {
      if (emptyPool) {
        await withClient(server.url, async (c) => {
          for (const r of (await c.query(`SELECT datname FROM pg_database WHERE starts_with(datname, $1)`, [`tenantseed_pool_${key.slice(0, 12)}_`])).rows) {
            await c.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
          }
        });
      }
      const t = process.hrtime.bigint();
      const db = await createTestDatabase({ config: project, poolSize: 5 });
      const ms = seconds(t) * 1000;
      await db.destroy();
      await settleTestDatabases();
      return ms;
    };
    const warmHandouts: number[] = [];
    const emptyHandouts: number[] = [];
    const rawClones: number[] = [];
    // Interleaved, so that a machine slowing down mid-run weighs on all three alike.
    for (let i = 0; i < 5; i++) {
      warmHandouts.push(await handout(false));
      emptyHandouts.push(await handout(true));
      rawClones.push(await withClient(server.url, async (c) => {
        const name = `tenantseed_bench_raw_${i}`;
        const t = process.hrtime.bigint();
        await c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
        const ms = seconds(t) * 1000;
        await c.query(`DROP DATABASE "${name}" WITH (FORCE)`);
        return ms;
      }));
    }
    log('jest, 4 workers x 25 test files ...');
    const jestSeconds = jestWorkers(server.url, project.file, (definitions.tenantRoot ?? definitions.tables[0]).table);
    const clones = [median(warmHandouts)];

    const result = {
      date: new Date().toISOString(),
      tenants: plan.tenants.length,
      rows,
      rounds: args.rounds,
      seedSeconds,
      seedRowsPerSec: Math.round(seedRowsPerSec),
      copyIntoSchemaRowsPerSec: Math.round(rows / copyIntoSchemaSeconds),
      copyBareRowsPerSec: Math.round(rows / (bare.copy + bare.build)),
      copyBareSeconds: { copy: bare.copy, build: bare.build },
      insertRowsPerSec: Math.round(rows / insertSeconds),
      peakRssMb: Math.max(...rounds.map((r) => r.peakRssMb)),
      validateSeconds,
      cloneMs: Math.round(clones[0]),
      poolHandoutMs: Number(median(warmHandouts).toFixed(1)),
      emptyPoolHandoutMs: Number(median(emptyHandouts).toFixed(1)),
      rawCloneMs: Number(median(rawClones).toFixed(1)),
      jestFourWorkersTwentyFiveFilesSeconds: Number(jestSeconds.toFixed(1)),
      postgresVersion: version,
      cores: os.cpus().length,
      ratios: {
        seedVsInsert: seedRowsPerSec / (rows / insertSeconds),
        seedVsCopyBare: seedRowsPerSec / (rows / (bare.copy + bare.build)),
        seedVsCopyIntoSchema: seedRowsPerSec / (rows / copyIntoSchemaSeconds),
      },
      perRound: rounds.map((r) => ({
        seedRowsPerSec: Math.round(rows / r.seed),
        copyIntoSchemaRowsPerSec: Math.round(rows / r.copyIntoSchema),
        copyBareRowsPerSec: Math.round(rows / (r.copyBare.copy + r.copyBare.build)),
        insertRowsPerSec: Math.round(rows / r.insert),
        seedVsInsert: Number((r.insert / r.seed).toFixed(2)),
        seedVsCopyBare: Number(((r.copyBare.copy + r.copyBare.build) / r.seed).toFixed(2)),
        peakRssMb: r.peakRssMb,
      })),
    };
    const results = path.join(packageRoot(), 'bench', 'results');
    fs.mkdirSync(results, { recursive: true });
    fs.writeFileSync(path.join(results, 'latest.json'), JSON.stringify(result, null, 2) + '\n');
    const line = (name: string, perSec: number, note = '') => `  ${name.padEnd(44)} ${String(perSec).padStart(9)} rows/s ${note}`;
    console.log(`tenantseed bench: ${result.tenants} tenants, ${rows} rows, PostgreSQL ${version}, ${result.cores} cores, medians of ${args.rounds} interleaved round(s)`);
    console.log(line('tenantseed seed (generate + COPY + rebuild)', result.seedRowsPerSec, `(${result.seedSeconds.toFixed(1)} s)`));
    console.log(line('(a) COPY files into the constrained schema', result.copyIntoSchemaRowsPerSec));
    console.log(line('(b) COPY files into bare tables + build', result.copyBareRowsPerSec, `(${bare.copy.toFixed(1)} s + ${bare.build.toFixed(1)} s)`));
    console.log(line('(c) knex INSERT, 5,000 rows a batch', result.insertRowsPerSec));
    console.log(`  seed / (c) INSERT: ${result.ratios.seedVsInsert.toFixed(2)}x (target >= 4)   seed / (b) bare COPY + build: ${result.ratios.seedVsCopyBare.toFixed(2)}x (target >= 1.15)`);
    console.log(`  per round, seed / (c): ${result.perRound.map((r) => `${r.seedVsInsert}x`).join(', ')}; seed / (b): ${result.perRound.map((r) => `${r.seedVsCopyBare}x`).join(', ')}`);
    console.log(`  peak RSS of seed: ${result.peakRssMb} MB, the highest of the rounds (target <= 300)   validate: ${validateSeconds.toFixed(1)} s`);
    console.log(`  test database handout: ${result.poolHandoutMs} ms from a warm pool, ${result.emptyPoolHandoutMs} ms from an empty one; raw clone ${result.rawCloneMs} ms (medians of 5): warm pool ${(result.rawCloneMs / result.poolHandoutMs).toFixed(1)}x faster (target >= 5)`);
    console.log(`  jest, 4 workers x 25 test files: ${result.jestFourWorkersTwentyFiveFilesSeconds} s`);
    console.log(`  written to bench/results/latest.json`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    for (const db of scratch.values()) await db.drop().catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);

