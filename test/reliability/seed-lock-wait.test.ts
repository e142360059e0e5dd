import { spawn } from 'node:child_process';
import { migrate } from '../../src/db';
import { ADVISORY_LOCK_CLASS, advisoryLockKey } from '../../src/db/advisory-lock';
import { SEED_LOCK } from '../../src/workflows/seed-database';
import { useFileDatabase } from '../support/database';
import { CLI } from '../support/run-cli';

/**
 * One seed at a time, made deterministic: this test holds the seed lock itself, so the race
 * always happens, whatever the machine's speed. Seed must say it waits, load nothing while the
 * lock is held, and load once it is released.
 */
describe('seed waits for the seed lock that another session holds', () => {
  const db = useFileDatabase();

  it('loads nothing while another session holds the lock, then loads when it is released', async () => {
    await migrate({ knex: db.knex, action: 'latest' });
    const holder = await db.knex.transaction();
    await holder.raw('SELECT pg_advisory_xact_lock(?::int4, ?::int4)', [ADVISORY_LOCK_CLASS, advisoryLockKey(SEED_LOCK)]);
    const child = spawn(process.execPath, [CLI, '--database-url', db.target.url, 'seed', '--env', 'test'], { env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    try {
      const started = Date.now();
      while (!/Waiting for another seed or reset to finish/.test(stderr) && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 100));
      expect(stderr).toMatch(/Waiting for another seed or reset to finish/);
      // Still holding: give seed time in which it would have loaded, and check it did not.
      await new Promise((r) => setTimeout(r, 2000));
      expect((await db.knex('tenantseed.seed_manifests').count({ n: '*' }))[0].n).toBe(0);
      expect((await db.knex('users').count({ n: '*' }))[0].n).toBe(0);
    } finally {
      await holder.rollback();
    }
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/Seeded \d+ rows/);
    expect((await db.knex('tenantseed.seed_manifests').count({ n: '*' }))[0].n).toBe(1);
  });
});
