import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { embeddedServerStatus } from '../../src/db';
import { useFileDatabase } from '../support/database';
import { hasStackTrace, REPO_ROOT, runCli } from '../support/run-cli';

describe('tenantseed command line', () => {
  it('lists only the commands that work in --help', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    const commands = [...run.stdout.matchAll(/^ {2}tenantseed ([\w-]+)/gm)].map((m) => m[1]);
    expect(commands).toEqual(['migrate', 'seed', 'reset', 'validate', 'tenant', 'generate', 'types', 'init', 'introspect', 'compare', 'distribute', 'test-db', 'db']);
  });

  it('exits 2 with the usage on an unknown command or flag', async () => {
    for (const args of [['frobnicate'], ['migrate', '--frob'], []]) {
      const run = await runCli(args);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/tenantseed/);
      expect(run.stderr).toMatch(/^error: /m);
      expect(hasStackTrace(run.stderr)).toBe(false);
    }
  });

  it('answers a usage mistake with the error, one usage line and see --help, not the whole help', async () => {
    const run = await runCli(['reset']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('error: Missing required argument: env\nusage: tenantseed reset --env ENV [options]\nhint: See `tenantseed reset --help`.\n');
    const sub = await runCli(['tenant', 'add', '--env', 'test']);
    expect(sub.stderr).toBe('error: Missing required argument: slug\nusage: tenantseed tenant add --env ENV --slug SLUG [options]\nhint: See `tenantseed tenant add --help`.\n');
  });

  it('suggests a command only when the word is close to one', async () => {
    const far = await runCli(['foo']);
    expect(far.code).toBe(2);
    expect(far.stderr).toBe('error: Unknown argument: foo\nusage: tenantseed <command> [options]\nhint: See `tenantseed --help`.\n');
    const near = await runCli(['sed']);
    expect(near.code).toBe(2);
    expect(near.stderr).toMatch(/^error: Unknown argument: sed\. Did you mean seed\?$/m);
  });

  it.each([
    ['init', ['init', '--config', 'x.json'], '--config'],
    ['db', ['db', 'url', '--database-url', 'postgres://x@127.0.0.1:1/x'], '--database-url'],
    ['test-db prune', ['test-db', 'prune', '--config', 'x.json'], '--config'],
  ])('refuses a shared flag that %s would ignore (exit 2)', async (command, args, flag) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^error: Unknown argument: ${flag} \\(not an option of tenantseed ${command}\\)$`, 'm'));
    const help = await runCli([...command.split(' '), '--help']);
    expect(help.stdout).not.toMatch(new RegExp(`^ +${flag} `, 'm'));
  });

  it('shows the shared flags in the help of the commands they act on, before or after the command', async () => {
    for (const command of [['migrate'], ['seed'], ['reset'], ['validate'], ['tenant', 'add'], ['introspect'], ['compare'], ['distribute']]) {
      const help = await runCli([...command, '--help']);
      expect(help.stdout).toMatch(/^ +--database-url /m);
      expect(help.stdout).toMatch(/^ +--config /m);
    }
    expect((await runCli(['generate', '--help'])).stdout).toMatch(/^ +--config /m);
    expect((await runCli(['test-db', 'prune', '--help'])).stdout).toMatch(/^ +--database-url /m);
    const before = await runCli(['--database-url', 'postgres://x@127.0.0.1:1/x', 'migrate', 'status']);
    expect(before.stderr).toMatch(/Cannot connect to PostgreSQL at 127\.0\.0\.1:1/);
  });

  it('shows examples in the help of every command, using only options that command has', async () => {
    for (const command of [['migrate'], ['seed'], ['reset'], ['validate'], ['tenant', 'add'], ['generate'], ['types'], ['init'], ['introspect'], ['compare'], ['distribute'], ['test-db', 'prune'], ['db']]) {
      const help = (await runCli([...command, '--help'])).stdout;
      const examples = help.split(/^Examples:$/m)[1];
      expect(examples).toBeDefined();
      const lines = [...examples.matchAll(new RegExp(`^ {2}tenantseed ${command.join(' ')}\\b(.*)$`, 'gm'))];
      expect(lines.length).toBeGreaterThan(0);
      const options = help.split(/^Examples:$/m)[0];
      for (const [, rest] of lines) for (const [flag] of rest.matchAll(/--[\w-]+/g)) expect(options).toMatch(new RegExp(`^ +${flag} `, 'm'));
    }
  });

  it("lists the project's environments in --env's help, from the environments folder it resolves", async () => {
    const shipped = await runCli(['seed', '--help']);
    expect(shipped.stdout.replace(/\s+/g, ' ')).toContain(`Environment profile: development, staging, test (in ${path.join(REPO_ROOT, 'seeds', 'environments')})`);
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-help-envs-'));
    for (const name of ['qa', 'demo']) fs.copyFileSync(path.join(REPO_ROOT, 'seeds', 'environments', 'test.json'), path.join(folder, `${name}.json`));
    const own = await runCli(['tenant', 'add', '--environments', folder, '--help']);
    expect(own.stdout.replace(/\s+/g, ' ')).toContain(`Environment profile: demo, qa (in ${folder})`);
  });

  it('exits 2 on a malformed database URL, naming the flag', async () => {
    const run = await runCli(['--database-url', 'mysql://root@localhost/x', 'migrate', 'status']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--database-url must start with postgres:\/\//);
  });

  it('exits 2 on a malformed DATABASE_URL, naming the variable', async () => {
    const run = await runCli(['migrate', 'status'], { env: { DATABASE_URL: 'nonsense' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/DATABASE_URL is not a valid URL/);
  });

  it('exits 2 on an invalid --env name', async () => {
    const run = await runCli(['--database-url', 'postgres://x@127.0.0.1:1/x', 'migrate', '--env', '../prod']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--env "..\/prod" is not a valid environment name/);
  });

  it('exits 1 quickly on an unreachable database, naming host and port, without a stack trace', async () => {
    const run = await runCli(['--database-url', 'postgres://x@127.0.0.1:1/x', 'migrate', 'status']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/127\.0\.0\.1:1\b/);
    expect(run.stderr).toMatch(/^hint: /m);
    expect(hasStackTrace(run.stderr)).toBe(false);
  });

  it('never prints the password of the URL', async () => {
    const run = await runCli(['--database-url', 'postgres://x:topsecret@127.0.0.1:1/x', 'migrate', 'status']);
    expect(run.stdout + run.stderr).not.toContain('topsecret');
  });
});

describe('tenantseed migrate', () => {
  const db = useFileDatabase();

  it('migrates, reports status and records --env, saying which database it uses', async () => {
    const latest = await runCli(['migrate', 'latest', '--env', 'development'], { env: { DATABASE_URL: db.target.url } });
    expect(latest.code).toBe(0);
    expect(latest.stderr).toContain(`Database: ${db.target.database} on ${db.target.host}:${db.target.port}`);
    const status = await runCli(['--database-url', db.target.url, 'migrate', 'status', '--json']);
    expect(status.code).toBe(0);
    const result = JSON.parse(status.stdout);
    expect(result.pending).toEqual([]);
    const stamp = await db.knex.raw('SELECT environment, stamped_by FROM tenantseed.environment_stamp');
    expect(stamp.rows).toEqual([{ environment: 'development', stamped_by: 'migrate latest' }]);
  });

  it('refuses rollback without --all', async () => {
    const run = await runCli(['--database-url', db.target.url, 'migrate', 'rollback']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/needs --all/);
  });
});

describe('tenantseed db (the embedded server)', () => {
  let cwd: string;

  beforeAll(() => {
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-cli-'));
    // The server runs as the postgres system user when we are root: it must reach the folder.
    fs.chmodSync(cwd, 0o755);
  });

  afterAll(async () => {
    await runCli(['db', 'stop'], { cwd });
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  it('starts a server that outlives the command, prints its URL, and stops it', async () => {
    const start = await runCli(['db', 'start'], { cwd });
    expect(start.code).toBe(0);
    const url = start.stdout.trim();
    expect(url).toMatch(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/tenantseed$/);
    expect(new URL(url).port).not.toBe('5432');
    expect(start.stdout).not.toMatch(/database system is ready/);

    const urlRun = await runCli(['db', 'url'], { cwd });
    expect(urlRun.stdout.trim()).toBe(url);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    expect((await client.query('SELECT current_database() AS db')).rows[0].db).toBe('tenantseed');
    await client.end();

    expect((await runCli(['db', 'stop'], { cwd })).code).toBe(0);
    expect(embeddedServerStatus(path.join(cwd, '.tenantseed')).running).toBe(false);
    const after = await runCli(['db', 'url'], { cwd });
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/not running.*\n.*tenantseed db start/);
  });

  it('starts the server for a command when it is not running, and stops it after', async () => {
    const run = await runCli(['migrate', 'status'], { cwd });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/embedded server in .*started for this command/);
    expect(embeddedServerStatus(path.join(cwd, '.tenantseed')).running).toBe(false);
  });

  it('uses a running server and leaves it running', async () => {
    await runCli(['db', 'start'], { cwd });
    const run = await runCli(['migrate', 'status'], { cwd });
    expect(run.code).toBe(0);
    expect(run.stderr).not.toMatch(/started for this command/);
    expect(embeddedServerStatus(path.join(cwd, '.tenantseed')).running).toBe(true);
  });
});

describe('Knex\'s own CLI with knexfile.ts', () => {
  const db = useFileDatabase();

  function knexCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
    const knexBin = path.join(REPO_ROOT, 'node_modules', 'knex', 'bin', 'cli.js');
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [knexBin, ...args], {
        cwd: REPO_ROOT,
        env: { ...process.env, DATABASE_URL: db.target.url, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      child.on('close', (code) => resolve({ code, out }));
    });
  }

  it('migrates the same database with the same migration names as tenantseed', async () => {
    const run = await knexCli(['migrate:latest']);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/Batch 1 run: 3 migrations/);
    const status = await runCli(['--database-url', db.target.url, 'migrate', 'status', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ applied: ['20260101000000_legacy_baseline', '20260101000100_tenancy', '20260101000200_citus_ready_user_references'], pending: [] });
  });

  it('seeds through the Knex seed entry point, which needs the environment named', async () => {
    const misnamed = await knexCli(['seed:run'], { TENANTSEED_ENV: '../prod' });
    expect(misnamed.code).not.toBe(0);
    expect(misnamed.out).toMatch(/TENANTSEED_ENV="..\/prod" is not a valid environment name/);
    const unnamed = await knexCli(['seed:run']);
    expect(unnamed.code).not.toBe(0);
    expect(unnamed.out).toMatch(/TENANTSEED_ENV is not set/);
    const run = await knexCli(['seed:run'], { TENANTSEED_ENV: 'test' });
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/tenantseed: seeded 107 rows of 3 tenants \(test\), sha256:91c52159/);
    expect((await db.knex('users').count({ n: '*' }))[0].n).toBe(15);
  });

  it('rolls back only under the one rule: never production, and a stamped database only as its TENANTSEED_ENV', async () => {
    const applied = async () => JSON.parse((await runCli(['--database-url', db.target.url, 'migrate', 'status', '--json'])).stdout).applied.length;
    const misnamed = await knexCli(['migrate:rollback'], { TENANTSEED_ENV: 'Staging!' });
    expect(misnamed.code).not.toBe(0);
    expect(misnamed.out).toMatch(/TENANTSEED_ENV="Staging!" is not a valid environment name/);
    const unnamed = await knexCli(['migrate:rollback']);
    expect(unnamed.code).not.toBe(0);
    expect(unnamed.out).toMatch(/Refusing to run down migrations through Knex's CLI: the database \S+ is stamped "test" and no TENANTSEED_ENV says it is that environment, and it would destroy \d+ table\(s\)/);
    expect(unnamed.out).toMatch(/TENANTSEED_ENV=ENV npx knex migrate:rollback/);
    expect(await applied()).toBe(3);
    expect((await db.knex('users').count({ n: '*' }))[0].n).toBe(15);

    await db.knex.raw(`UPDATE tenantseed.environment_stamp SET environment = 'production'`);
    const production = await knexCli(['migrate:rollback', '--all'], { TENANTSEED_ENV: 'test' });
    expect(production.code).not.toBe(0);
    expect(production.out).toMatch(/the database \S+ is stamped "production"/);
    expect(await applied()).toBe(3);
    expect((await db.knex('users').count({ n: '*' }))[0].n).toBe(15);

    await db.knex.raw(`UPDATE tenantseed.environment_stamp SET environment = 'test'`);
    const named = await knexCli(['migrate:rollback', '--all'], { TENANTSEED_ENV: 'test' });
    expect(named.out).toMatch(/Batch 1 rolled back: 3 migrations/);
    expect(named.code).toBe(0);
    expect(await applied()).toBe(0);
  });
});
