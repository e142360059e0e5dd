import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import pg from 'pg';
import { createKnex, quoteIdentifier, takeNameLock } from '../../src/db';
import { createScratchDatabase, runOnServer, ScratchDatabase } from '../../src/testing';
import { dropPreviousDatabase } from '../../src/workflows';
import { testServer } from '../support/database';
import { writeKnexProject, KnexProject } from '../support/knex-project';
import { CLI, runCli } from '../support/run-cli';
import { schemaSnapshot } from '../support/schema-snapshot';
import { onServer } from '../support/on-server';

/** Every row of every table of public and tenantseed, as text: a data dump to compare. */
async function dataDump(knex: Knex): Promise<string[]> {
  const tables = (await knex.raw(`SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables WHERE schemaname IN ('public', 'tenantseed') ORDER BY 1`)).rows as Array<{ t: string }>;
  const out: string[] = [];
  for (const { t } of tables) {
    const rows = await knex.raw(`SELECT coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '') AS d FROM ${t} x`);
    out.push(`${t}\n${rows.rows[0].d}`);
  }
  return out;
}

async function picture(target: ScratchDatabase): Promise<{ schema: string[]; data: string[] }> {
  const knex = createKnex(target.target);
  try {
    return { schema: await schemaSnapshot(knex), data: await dataDump(knex) };
  } finally {
    await knex.destroy();
  }
}

async function databasesLike(pattern: string): Promise<string[]> {
  return (await runOnServer(testServer(), 'SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY 1', [pattern])).rows.map((r) => r.datname as string);
}

/**
 * The databases named like `pattern` whose reset marker names `target`: the scratch and previous
 * databases of this test's resets, not those of other resets the server runs meanwhile.
 */
async function databasesOf(pattern: string, target: string): Promise<string[]> {
  return (await runOnServer(
    testServer(),
    `SELECT datname FROM pg_database WHERE datname LIKE $1 AND strpos(coalesce(shobj_description(oid, 'pg_database'), ''), $2) > 0 ORDER BY 1`,
    [pattern, `"target":${JSON.stringify(target)}`],
  )).rows.map((r) => r.datname as string);
}

/** The previous databases of `target` (or those of `names`), once the background drops the CLI started have ended (or 30 s have passed). */
async function previousDatabasesLeft(names?: readonly string[], target?: string): Promise<string[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const left = (target ? await databasesOf('tenantseed\\_prev\\_%', target) : await databasesLike('tenantseed\\_prev\\_%')).filter((name) => !names || names.includes(name));
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The previous database a CLI reset left to its background drop, as its output names it. */
function droppedInBackground(stderr: string): string[] {
  return [...stderr.matchAll(/renamed (tenantseed_prev_\w+), in the background/g)].map((m) => m[1]);
}

/** Starts a reset; resolves with the child once its stderr shows `line`. */
function resetUntil(dir: string, url: string, args: string[], line: RegExp): Promise<{ child: ChildProcess; stderr: () => string }> {
  const env = { ...process.env, DATABASE_URL: undefined, FORCE_COLOR: '0', CI: 'true' } as NodeJS.ProcessEnv;
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, [CLI, '--database-url', url, 'reset', '--env', 'development', ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`reset never printed ${line}:\n${stderr}`));
    }, 120_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (line.test(stderr)) {
        clearTimeout(timer);
        resolve({ child, stderr: () => stderr });
      }
    });
    child.once('close', () => {
      clearTimeout(timer);
      // After the line was seen this changes nothing (the promise is settled).
      reject(new Error(`reset ended before ${line}:\n${stderr}`));
    });
  });
}

/**
 * Drops the caches a project's resets made (their marker names its migrations folder): a test
 * leaves no template database on the server.
 */
async function dropCachesOf(client: pg.Client, migrations: string): Promise<void> {
  const caches = (await client.query(
    `SELECT datname FROM pg_database WHERE datname LIKE 'tenantseed\\_cache\\_%' AND strpos(shobj_description(oid, 'pg_database'), $1) > 0`,
    [JSON.stringify(migrations).slice(1, -1)],
  )).rows as Array<{ datname: string }>;
  for (const { datname } of caches) {
    await client.query(`ALTER DATABASE ${quoteIdentifier(datname)} WITH IS_TEMPLATE false`);
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(datname)}`);
  }
}

async function killed(child: ChildProcess): Promise<void> {
  const closed = new Promise((resolve) => child.once('close', resolve));
  child.kill('SIGKILL');
  await closed;
}

describe('reset by swap (a Knex project with transaction: false migrations)', () => {
  let dir: string;
  let project: KnexProject;
  let target: ScratchDatabase;
  const reset = (args: string[] = [], env: Record<string, string> = {}) =>
    runCli(['--database-url', target.target.url, 'reset', '--env', 'development', ...args], { cwd: dir, env: { CI: 'true', ...env }, timeoutMs: 180_000 });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-swap-'));
    project = writeKnexProject(dir, { migrations: 60, tables: 15, concurrentEvery: 5 });
    // Migrations of this run's own: no cache of an earlier run serves them.
    fs.writeFileSync(path.join(project.migrations, '20200101000000_run.cjs'), `// run ${randomBytes(8).toString('hex')}\nexports.up = async () => {};\nexports.down = async () => {};\n`);
    target = await createScratchDatabase(testServer(), { prefix: 'swap_target' });
  });

  afterAll(async () => {
    await target.drop();
    await onServer((client) => dropCachesOf(client, project.migrations));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('resets, then validates, on the server\'s default settings; a second reset clones the cached seeded state', async () => {
    const first = await reset();
    expect(first.stderr).toContain('Reset: migrating');
    expect(first.stderr).toContain('Reset: loading');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Validation passed');
    const second = await reset();
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/Reset: cloning the seeded development dataset \(cached/);
    expect(second.stderr).not.toContain('Reset: migrating');
    expect(second.stderr).not.toContain('Reset: loading');
    // The clone is the state the first reset validated, byte for byte: that validation stands for it, and says so.
    expect(second.stderr).toMatch(/Reset: the validation of the cached state \(\S+\) stands for its copy/);
    expect(second.stderr).not.toContain('Reset: validating');
    expect(second.stdout).toMatch(/These results are the validation of the cached state \w+ \(run \S+\), which this database copies/);
    expect(second.stdout).toContain('Validation passed');
    expect(second.stdout.match(/Fingerprint: \S+/)?.[0]).toBe(first.stdout.match(/Fingerprint: \S+/)?.[0]);
    expect(second.stderr).toMatch(/Reset: dropping the previous database, renamed tenantseed_prev_\w+, in the background/);
    const validate = await runCli(['--database-url', target.target.url, 'validate', '--env', 'development'], { cwd: dir, env: { CI: 'true' } });
    expect(validate.code).toBe(0);
    const knex = createKnex(target.target);
    try {
      const indexes = await knex.raw(`SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname LIKE '%_tenant_created_%'`);
      expect(indexes.rows).toHaveLength(project.nonTransactional.length);
      expect((await knex.raw(`SELECT count(*)::int AS n FROM tenantseed.knex_migrations`)).rows[0].n).toBe(61);
      // The proof stays with the cache: the database swapped in holds none.
      expect((await knex.raw(`SELECT to_regclass('tenantseed.reset_proof') AS t`)).rows[0].t).toBeNull();
    } finally {
      await knex.destroy();
    }
    expect(await databasesOf('tenantseed\\_reset\\_%', target.name)).toEqual([]);
    expect(await previousDatabasesLeft(undefined, target.name)).toEqual([]);
  });

  it("reuses a cached state's validation only under the same validation settings, roles and server settings: an application role given BYPASSRLS since makes the next reset refuse (exit 3), nothing swapped in", async () => {
    // A project of its own, with roles of its own: the roles are the server's, and other tests use item_app.
    const own = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-proof-'));
    const suffix = randomBytes(4).toString('hex');
    const roles = { app: `proof_app_${suffix}`, admin: `proof_admin_${suffix}`, other: `proof_other_${suffix}` };
    const proofProject = writeKnexProject(own, { migrations: 12, tables: 4, concurrentEvery: 3, roles });
    const proofTarget = await createScratchDatabase(testServer(), { prefix: 'proof_target' });
    const run = (args: string[] = []) => runCli(['--database-url', proofTarget.target.url, 'reset', '--env', 'development', ...args], { cwd: own, env: { CI: 'true' }, timeoutMs: 180_000 });
    try {
      const first = await run();
      expect(first.code).toBe(0);
      expect(first.stderr).toContain('Reset: keeping the validated development dataset as a cache');
      const reused = await run();
      expect(reused.code).toBe(0);
      expect(reused.stderr).toMatch(/the validation of the cached state \(\S+\) stands for its copy/);
      // A session setting the connection brings (libpq options, PGOPTIONS) is part of what validation ran under.
      const url = new URL(proofTarget.target.url);
      url.searchParams.set('options', '-c row_security=off');
      const optioned = await runCli(['--database-url', url.toString(), 'reset', '--env', 'development'], { cwd: own, env: { CI: 'true' }, timeoutMs: 180_000 });
      expect(optioned.stderr).toMatch(/validating tenantseed_reset_\w+ again: the roles it acts as or through, their memberships, the database's or the session's settings/);
      expect(optioned.stdout).not.toContain('These results are the validation of the cached state');
      expect(optioned.code).toBe(1);
      // Asked for, or under other validation settings: the clone is validated.
      const asked = await run(['--revalidate']);
      expect(asked.stderr).toMatch(/Reset: validating tenantseed_reset_\w+\n/);
      expect(asked.stdout).not.toContain('These results are the validation of the cached state');
      const otherSettings = await run(['--allow-skip']);
      expect(otherSettings.stderr).toMatch(/validating tenantseed_reset_\w+ again: its validation ran with other settings/);
      expect(otherSettings.code).toBe(0);
      // Its validation is now the cache's proof, under --allow-skip: the next reset without it validates again.
      const backAgain = await run();
      expect(backAgain.stderr).toMatch(/validating tenantseed_reset_\w+ again: its validation ran with other settings/);
      // A role the project's roles do not belong to changes nothing validation reads; a membership of the application role does.
      await onServer((client) => client.query(`CREATE ROLE ${roles.other} NOLOGIN`));
      const unrelated = await run();
      expect(unrelated.stderr).toMatch(/the validation of the cached state \(\S+\) stands for its copy/);
      await onServer((client) => client.query(`GRANT ${roles.other} TO ${roles.app}`));
      const member = await run();
      expect(member.stderr).toMatch(/validating tenantseed_reset_\w+ again: the roles it acts as or through, their memberships/);
      expect(member.code).toBe(0);
      // That validation is the cache's proof now: the next reset under the same roles reuses it.
      expect(member.stderr).toMatch(/Reset: keeping the development dataset's cache \(key \w+\) with this validation as its proof/);
      const renewed = await run();
      expect(renewed.stderr).toMatch(/the validation of the cached state \(\S+\) stands for its copy/);
      await onServer((client) => client.query(`REVOKE ${roles.other} FROM ${roles.app}`));
      const before = await picture(proofTarget);
      await onServer((client) => client.query(`ALTER ROLE ${roles.app} BYPASSRLS`));
      const bypass = await run();
      expect(bypass.stderr).toMatch(/validating tenantseed_reset_\w+ again: the roles it acts as or through, their memberships, the database's or the session's settings/);
      // Validation refuses to probe as a role row-level security does not apply to (exit 3).
      expect(bypass.stderr).toMatch(/Refusing to validate as the application role "proof_app_\w+": it is a role with BYPASSRLS/);
      expect(bypass.code).toBe(3);
      expect(bypass.stdout).not.toContain('These results are the validation of the cached state');
      expect(await picture(proofTarget)).toEqual(before);
      // The role without the bypass (and the membership revoked since the proof): validated, then reused.
      await onServer((client) => client.query(`ALTER ROLE ${roles.app} NOBYPASSRLS`));
      const restored = await run();
      expect(restored.code).toBe(0);
      expect(restored.stderr).toMatch(/validating tenantseed_reset_\w+ again/);
      const last = await run();
      expect(last.code).toBe(0);
      expect(last.stderr).toMatch(/the validation of the cached state \(\S+\) stands for its copy/);
      // One seeded cache of the project, whatever was renewed.
      expect(await onServer(async (client) => (await client.query(
        `SELECT count(*)::int AS n FROM pg_database WHERE datname LIKE 'tenantseed\\_cache\\_%' AND strpos(shobj_description(oid, 'pg_database'), $1) > 0`,
        [JSON.stringify(proofProject.migrations).slice(1, -1)],
      )).rows[0].n)).toBe(2);
    } finally {
      await proofTarget.drop();
      await onServer(async (client) => {
        await dropCachesOf(client, proofProject.migrations);
        await previousDatabasesLeft();
        for (const role of [roles.other, roles.app, roles.admin]) await client.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
      });
      fs.rmSync(own, { recursive: true, force: true });
    }
  });

  it('clones a seeded state only for the same inputs: another seed, an edited definition or profile loads anew (the migrated schema cloned), and the cache keeps one seeded state per environment', async () => {
    const definition = path.join(dir, 'db', 'definitions', fs.readdirSync(path.join(dir, 'db', 'definitions')).filter((f) => f !== 'accounts.json').sort()[0]);
    const profile = path.join(dir, 'db', 'environments', 'development.json');
    const originals = new Map([definition, profile].map((f) => [f, fs.readFileSync(f, 'utf8')]));
    const changes: Array<[string, () => void, string[]]> = [
      ['another seed', () => undefined, ['--seed', '5']],
      ['an edited definition', () => fs.writeFileSync(definition, originals.get(definition)!.replace(/"default": 2/, '"default": 3')), []],
      ['an edited profile', () => fs.writeFileSync(profile, originals.get(profile)!.replace(/"referenceDate": "[^"]+"/, '"referenceDate": "2026-02-01T00:00:00.000Z"')), []],
    ];
    try {
      for (const [label, change, args] of changes) {
        change();
        const run = await reset(args);
        expect([label, run.code]).toEqual([label, 0]);
        expect([label, run.stderr]).toEqual([label, expect.stringMatching(/Reset: cloning the migrated schema \(cached[\s\S]*Reset: loading/)]);
        expect([label, run.stderr]).toEqual([label, expect.not.stringContaining('cloning the seeded')]);
        const again = await reset(args);
        expect([label, again.stderr]).toEqual([label, expect.stringContaining('Reset: cloning the seeded development dataset')]);
        expect(again.stdout.match(/Fingerprint: \S+/)?.[0]).toBe(run.stdout.match(/Fingerprint: \S+/)?.[0]);
        for (const [file, text] of originals) fs.writeFileSync(file, text);
      }
    } finally {
      for (const [file, text] of originals) fs.writeFileSync(file, text);
    }
    // One migrated state and the last seeded state of development: older ones were dropped.
    const caches = await onServer(async (client) => (await client.query(
      `SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname LIKE 'tenantseed\\_cache\\_%' AND datistemplate AND strpos(shobj_description(oid, 'pg_database'), $1) > 0`,
      [JSON.stringify(project.migrations).slice(1, -1)],
    )).rows.map((r) => JSON.parse((r.comment as string).slice('tenantseed-cache '.length)) as { kind?: string; environment?: string }));
    expect(caches.map((c) => `${c.kind ?? 'migrated'} ${c.environment ?? ''}`.trim()).sort()).toEqual(['migrated', 'seeded development']);
  });

  it('lists the sessions connected to the database and refuses (exit 3, nothing changed); --yes ends them and says so', async () => {
    const before = await picture(target);
    const session = new pg.Client({ connectionString: target.target.url, application_name: 'the application' });
    session.on('error', () => undefined);
    await session.connect();
    try {
      const refused = await reset(['--seed', '2']);
      expect(refused.code).toBe(3);
      expect(refused.stderr).toMatch(/Refusing to swap the new database in: 1 session\(s\) are connected to swap_target_\w+:\n\s+pid \d+ "the application"/);
      expect(await picture(target)).toEqual(before);
      const taken = await reset(['--seed', '2', '--yes']);
      expect(taken.code).toBe(0);
      expect(taken.stderr).toMatch(/--yes: ended 1 session\(s\) connected to swap_target_\w+/);
      expect((await picture(target)).data).not.toEqual(before.data);
    } finally {
      await session.end().catch(() => undefined);
    }
  });

  it("refuses a target holding a developer's table (exit 3, listed), while a cached seeded state was being cloned beside the check: the target unchanged, no scratch database left; --yes takes it and says so", async () => {
    // The seeded state of seed 2 is cached (the test before): the clone runs while the one rule reads the target.
    const knex = createKnex(target.target);
    try {
      await knex.raw('CREATE TABLE dev_notes (id int PRIMARY KEY, body text)');
      await knex.raw(`INSERT INTO dev_notes VALUES (1, 'mine')`);
    } finally {
      await knex.destroy();
    }
    const before = await picture(target);
    const refused = await reset(['--seed', '2']);
    expect(refused.stderr).toMatch(/Reset: cloning the seeded development dataset/);
    expect(refused.stderr).toMatch(/dev_notes/);
    expect(refused.code).toBe(3);
    expect(await picture(target)).toEqual(before);
    expect(await databasesOf('tenantseed\\_reset\\_%', target.name)).toEqual([]);
    const taken = await reset(['--seed', '2', '--yes']);
    expect(taken.code).toBe(0);
    expect(taken.stderr).toMatch(/--yes: reset destroys [^\n]*objects that the project's migrations did not make[\s\S]*table public.dev_notes \(1 rows\)/);
    expect((await picture(target)).schema.join('\n')).not.toContain('dev_notes');
  });

  it("validates the new database with the target's own settings, which the swap carries over: a database-wide default tenant fails it, cloned or loaded, and nothing is swapped in", async () => {
    expect((await reset(['--seed', '2'])).code).toBe(0);
    const knex = createKnex(target.target);
    let tenant: string;
    try {
      tenant = (await knex.raw('SELECT id FROM accounts ORDER BY id LIMIT 1')).rows[0].id as string;
    } finally {
      await knex.destroy();
    }
    // Every session of the application starts inside one tenant: with no tenant set, it sees that tenant's rows.
    await onServer((client) => client.query(`ALTER DATABASE ${quoteIdentifier(target.target.database)} SET app.current_tenant_id = ${pg.escapeLiteral(tenant)}`));
    try {
      const before = await picture(target);
      for (const seed of ['2', '31']) {
        const run = await reset(['--seed', seed]);
        expect([seed, run.code]).toEqual([seed, 1]);
        expect(run.stdout).toMatch(/FAIL\s+isolation/);
        expect(run.stdout).not.toContain('These results are the validation of the cached state');
        if (seed === '2') expect(run.stderr).toMatch(/validating tenantseed_reset_\w+ again: the roles it acts as or through, their memberships, the database's or the session's settings/);
        expect(await picture(target)).toEqual(before);
      }
    } finally {
      await onServer((client) => client.query(`ALTER DATABASE ${quoteIdentifier(target.target.database)} RESET app.current_tenant_id`));
    }
    // Without it, the proof of the cached state stands again.
    const again = await reset(['--seed', '2']);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/the validation of the cached state \(\S+\) stands for its copy/);
    // The same default tenant set for the application role in this database only: validation acts as the role logs in.
    await onServer((client) => client.query(`ALTER ROLE item_app IN DATABASE ${quoteIdentifier(target.target.database)} SET app.current_tenant_id = ${pg.escapeLiteral(tenant)}`));
    try {
      const before = await picture(target);
      const run = await reset(['--seed', '2']);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/item_app logs in with app.current_tenant_id set/);
      expect(await picture(target)).toEqual(before);
    } finally {
      await onServer((client) => client.query(`ALTER ROLE item_app IN DATABASE ${quoteIdentifier(target.target.database)} RESET app.current_tenant_id`));
    }
  });

  it('carries the database\'s settings and its roles\' settings in it over to the new database exactly (a search_path list stays a list)', async () => {
    const name = quoteIdentifier(target.target.database);
    await onServer(async (client) => {
      await client.query(`ALTER DATABASE ${name} SET search_path = public, tenantseed`);
      await client.query(`ALTER ROLE item_app IN DATABASE ${name} SET app.feature_flags = 'a,b'`);
    });
    const settings = () => onServer(async (client) => (await client.query(
      `SELECT coalesce(r.rolname, '(database)') || ' ' || unnest(s.setconfig) AS line FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
         LEFT JOIN pg_roles r ON r.oid = s.setrole WHERE d.datname = $1 ORDER BY 1`,
      [target.target.database],
    )).rows.map((r) => r.line as string));
    try {
      const before = await settings();
      expect(before).toEqual(['(database) search_path=public, tenantseed', 'item_app app.feature_flags=a,b']);
      const run = await reset(['--seed', '2']);
      expect(run.code).toBe(0);
      expect(await settings()).toEqual(before);
    } finally {
      await onServer(async (client) => {
        await client.query(`ALTER DATABASE ${name} RESET ALL`);
        await client.query(`ALTER ROLE item_app IN DATABASE ${name} RESET ALL`);
      });
    }
  });

  const slow = () => path.join(project.migrations, '20300101000000_slow.cjs');
  const phases: Array<[string, RegExp, (seed: string) => Promise<unknown>]> = [
    // A new, slow migration: the cache misses, and the kill lands while the migrations run.
    ['migrating', /Reset: migrating/, async () => fs.writeFileSync(slow(), `exports.up = async (knex) => { await knex.raw('SELECT pg_sleep(4)'); };\nexports.down = async () => {};\n`)],
    ['loading', /Reset: loading/, async () => undefined],
    ['validating', /Reset: validating/, async () => undefined],
    ['keeping the validated state as a cache', /Reset: keeping/, async () => undefined],
    // A reset of the same seed before: the kill lands while its seeded state is cloned.
    ['cloning a cached seeded state', /Reset: cloning the seeded/, (seed) => reset(['--seed', seed])],
    // --revalidate: the cache's validation does not stand in for validating the clone.
    ['validating a cloned seeded state', /Reset: cloning the seeded[\s\S]*Reset: validating/, (seed) => reset(['--seed', seed])],
  ];

  for (const [phase, line, prepare] of phases) {
    it(`leaves the previous database intact (schema and data dumps identical) when killed while ${phase}`, async () => {
      const seed = String(phase.length + 10);
      await prepare(seed);
      const previous = await picture(target);
      try {
        const { child } = await resetUntil(dir, target.target.url, ['--seed', seed, ...(phase === 'validating a cloned seeded state' ? ['--revalidate'] : [])], line);
        // Stopped at once where it printed the phase (or, migrating, a moment into it), then killed there.
        if (phase === 'migrating') await new Promise((r) => setTimeout(r, 1500));
        else child.kill('SIGSTOP');
        await killed(child);
        expect(await picture(target)).toEqual(previous);
      } finally {
        fs.rmSync(slow(), { force: true });
      }
    });
  }

  it('leaves the previous database intact when killed while swapping (the renames wait on a lock)', async () => {
    const previous = await picture(target);
    // A comment on the target, uncommitted, holds a lock that the rename must wait for.
    const holder = new pg.Client({ connectionString: testServer().url });
    holder.on('error', () => undefined);
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`COMMENT ON DATABASE ${quoteIdentifier(target.name)} IS 'held by the test'`);
      const { child } = await resetUntil(dir, target.target.url, ['--seed', '7'], /Reset: swapping/);
      const deadline = Date.now() + 20_000;
      let waiting = 0;
      while (Date.now() < deadline && waiting === 0) {
        waiting = (await holder.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'tenantseed reset' AND wait_event_type = 'Lock'`)).rows[0].n;
        if (waiting === 0) await new Promise((r) => setTimeout(r, 100));
      }
      expect(waiting).toBe(1);
      await killed(child);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
    expect(await picture(target)).toEqual(previous);
  });

  it('drops what killed resets left behind on the next reset', async () => {
    expect((await databasesOf('tenantseed\\_reset\\_%', target.name)).length).toBeGreaterThan(0);
    const run = await reset();
    expect(run.code).toBe(0);
    expect(await databasesOf('tenantseed\\_reset\\_%', target.name)).toEqual([]);
    expect(await previousDatabasesLeft(undefined, target.name)).toEqual([]);
  });

  it('drops a previous database left to the caller only once no session holds its name lock, and only one marked by reset', async () => {
    const hex = (n: number) => randomBytes(n).toString('hex');
    const marked = `tenantseed_prev_${hex(6)}`;
    const unmarked = `tenantseed_prev_${hex(6)}`;
    const server = testServer();
    const holder = new pg.Client({ connectionString: testServer().url });
    await holder.connect();
    try {
      await onServer(async (client) => {
        for (const name of [marked, unmarked]) await client.query(`CREATE DATABASE ${quoteIdentifier(name)} TEMPLATE template0`);
        await client.query(`COMMENT ON DATABASE ${quoteIdentifier(marked)} IS ${pg.escapeLiteral(`tenantseed-reset ${JSON.stringify({ target: 'x', host: os.hostname(), pid: process.pid, created: new Date().toISOString(), lock: 'name' })}`)}`);
      });
      // The resetting session still holds it: nothing is dropped while it does.
      expect(await takeNameLock(holder, marked)).toBe(true);
      expect(await dropPreviousDatabase(server, marked, { waitMs: 600 })).toBe(false);
      expect(await databasesLike(marked)).toEqual([marked]);
      // Its session ends while the drop waits: then it goes.
      const dropped = dropPreviousDatabase(server, marked, { waitMs: 20_000 });
      await new Promise((r) => setTimeout(r, 300));
      await holder.query('SELECT pg_advisory_unlock_all()');
      expect(await dropped).toBe(true);
      expect(await databasesLike(marked)).toEqual([]);
      // Not marked by reset: not ours to drop.
      expect(await dropPreviousDatabase(server, unmarked, { waitMs: 600 })).toBe(false);
      expect(await databasesLike(unmarked)).toEqual([unmarked]);
    } finally {
      await holder.end();
      await onServer(async (client) => {
        for (const name of [marked, unmarked]) await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)}`);
      });
    }
  });

  it('drops only leftovers whose name lock no session holds: a live run elsewhere (same host and pid in its marker) keeps its databases', async () => {
    const hex = (n: number) => randomBytes(n).toString('hex');
    const scratchMarked = (name: string) => ({ name, comment: `tenantseed-reset ${JSON.stringify({ target: 'x', host: os.hostname(), pid: process.pid, created: new Date().toISOString(), lock: 'name' })}` });
    const buildMarked = (name: string) => ({ name, comment: `tenantseed-cache ${JSON.stringify({ key: hex(12), migrations: '/elsewhere/migrations', created: new Date().toISOString() })}` });
    const liveScratch = scratchMarked(`tenantseed_reset_${hex(6)}`);
    const deadScratch = scratchMarked(`tenantseed_reset_${hex(6)}`);
    const livePrevious = scratchMarked(`tenantseed_prev_${hex(6)}`);
    const liveBuild = buildMarked(`tenantseed_cache_build_${hex(6)}_${hex(4)}`);
    const deadBuild = buildMarked(`tenantseed_cache_build_${hex(6)}_${hex(4)}`);
    const notOurs = { name: `tenantseed_reset_${hex(6)}`, comment: 'tenantseed-reset {"someone":"else"}' };
    // Killed (or still running) between CREATE DATABASE and its COMMENT: no marker yet.
    const liveUnmarked = { name: `tenantseed_reset_${hex(6)}`, comment: null };
    const deadUnmarked = { name: `tenantseed_reset_${hex(6)}`, comment: null };
    const all = [liveScratch, deadScratch, livePrevious, liveBuild, deadBuild, notOurs, liveUnmarked, deadUnmarked];
    // Another process's session (another container, say) holding the locks of the live ones.
    const other = new pg.Client({ connectionString: testServer().url });
    await other.connect();
    try {
      await onServer(async (client) => {
        for (const { name, comment } of all) {
          await client.query(`CREATE DATABASE ${quoteIdentifier(name)} TEMPLATE template0`);
          if (comment !== null) await client.query(`COMMENT ON DATABASE ${quoteIdentifier(name)} IS ${pg.escapeLiteral(comment)}`);
        }
      });
      for (const { name } of [liveScratch, livePrevious, liveBuild, liveUnmarked]) expect(await takeNameLock(other, name)).toBe(true);
      const run = await reset([]);
      expect(run.code).toBe(0);
      // This run's own previous database goes in the background.
      expect(await previousDatabasesLeft(droppedInBackground(run.stderr))).toEqual([]);
      const left = new Set([...(await databasesLike('tenantseed\\_reset\\_%')), ...(await databasesLike('tenantseed\\_prev\\_%')), ...(await databasesLike('tenantseed\\_cache\\_build\\_%'))]);
      expect([...left].sort()).toEqual([liveScratch.name, livePrevious.name, liveBuild.name, notOurs.name, liveUnmarked.name].sort());
    } finally {
      await other.end();
      await onServer(async (client) => {
        for (const { name } of all) await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)}`);
      });
    }
  });
});
