import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { MARKER_FORMAT } from '../../src/testing/database-marker';
import { testServer } from '../support/database';
import { onServer } from '../support/on-server';
import { editedDefinitions, SHIPPED_DEFINITIONS } from '../support/datasets';
import { REPO_ROOT, runCli } from '../support/run-cli';

const exists = (name: string) => onServer(async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
const nameOf = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));
const prune = (...flags: string[]) => runCli(['--database-url', testServer().url, 'test-db', 'prune', ...flags]);

/** A process that holds a test database (its owner) until it is killed. */
async function startOwner(definitions: string): Promise<{ child: ChildProcess; name: string }> {
  const script = `
    const { createTestDatabase } = require(${JSON.stringify(path.join(REPO_ROOT, 'dist', 'src', 'index.js'))});
    createTestDatabase({ definitions: ${JSON.stringify(definitions)}, poolSize: 0 }).then((db) => { process.stdout.write(db.url + '\\n'); setInterval(() => undefined, 1000); });`;
  const child = spawn(process.execPath, ['-e', script], { env: process.env, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => resolve(c.toString().trim()));
    child.once('close', (code) => reject(new Error(`the owner process ended (${code}) before handing out a database`)));
  });
  return { child, name: nameOf(url) };
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const closed = new Promise((r) => child.once('close', r));
  child.kill('SIGKILL');
  await closed;
}

/** `tenantseed test-db prune`: only exact markers, liveness by the owner's lock, --all confirmed. */
describe('test-db prune', () => {
  const definitions = editedDefinitions(SHIPPED_DEFINITIONS, (f) => { f.get('users.json')!.title = 'prune test users'; });
  const made: string[] = [];
  afterAll(async () => {
    for (const name of made) await onServer((c) => c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`));
  });

  it('never drops a database whose comment only looks like the marker, and keeps its data', async () => {
    const key = randomBytes(10).toString('hex');
    const created = new Date(Date.now() - 3 * 86_400_000).toISOString();
    const lookAlikes = [
      // Any JSON after the versioned prefix, shaped like a dead run's test database.
      `${MARKER_FORMAT} ${JSON.stringify({ kind: 'test', key, created, host: 'h', pid: 999_999 })}`,
      // The marker's fields, with text after it.
      `${MARKER_FORMAT} ${JSON.stringify({ format: MARKER_FORMAT, kind: 'test', key, created, run: randomBytes(16).toString('hex') })} (restored from backup)`,
      // The first version's marker.
      `tenantseed-test ${JSON.stringify({ kind: 'test', key, created, host: 'h', pid: 999_999 })}`,
    ];
    const names = lookAlikes.map(() => `tenantseed_test_${randomBytes(6).toString('hex')}`);
    for (const [i, name] of names.entries()) {
      made.push(name);
      await onServer(async (c) => {
        await c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
        await c.query(`COMMENT ON DATABASE ${pg.escapeIdentifier(name)} IS ${pg.escapeLiteral(lookAlikes[i])}`);
      });
      await onServer((c) => c.query('CREATE TABLE invoices (id int); INSERT INTO invoices VALUES (1), (2)'), name);
    }
    const run = await prune('--older-than', '0');
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    for (const name of names) {
      expect(run.stdout).not.toContain(name);
      expect(await exists(name)).toBe(true);
      expect(await onServer(async (c) => Number((await c.query('SELECT count(*) AS n FROM invoices')).rows[0].n), name)).toBe(2);
    }
  }, 120_000);

  it('skips a database whose owner is alive (whatever its host and PID), prunes it once the owner is gone, and refuses --all without --yes', async () => {
    const { child, name } = await startOwner(definitions);
    made.push(name);
    try {
      // The owner holds the database's advisory lock: nothing else tells prune it is in use.
      const locks = await onServer(async (c) => Number((await c.query(
        `SELECT count(*) AS n FROM pg_locks l JOIN pg_database d ON l.objid = d.oid WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND d.datname = $1`, [name])).rows[0].n));
      expect(locks).toBe(1);
      const live = await prune();
      expect(live.code).toBe(0);
      expect(live.stdout).not.toContain(name);
      expect(await exists(name)).toBe(true);

      // --all would drop it while in use: with no terminal to ask on, it needs --yes.
      const all = await prune('--all');
      expect(all.code).toBe(3);
      expect(all.stderr).toContain('--yes');
      expect(all.stderr).toContain(name);
      expect(all.stdout).not.toContain('dropped');
      expect(await exists(name)).toBe(true);
    } finally {
      await kill(child);
    }
    // The owner's session ended with its process: its lock with it.
    const dead = await prune();
    expect(dead.code).toBe(0);
    expect(dead.stdout).toContain(`dropped ${name}`);
    expect(await exists(name)).toBe(false);
  }, 180_000);
});
