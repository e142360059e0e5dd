import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { claimPooled, POOL_PREFIX } from '../../src/testing/database-pool';
import { releaseOwnerLock, takeOwnerLock } from '../../src/testing/owner-lock';
import { testServer } from '../support/database';

/**
 * A pooled clone whose owner lock another worker (or a prune) holds is theirs: claiming it must
 * lose, leave it as it is, and say the pool had nothing (issue 32 item 6: "treating a lost pool
 * claim as won fails no test").
 */
describe('claiming a pooled test database', () => {
  const key = randomBytes(10).toString('hex');
  const pooled = `${POOL_PREFIX}${key.slice(0, 12)}_${randomBytes(6).toString('hex')}`;
  const claimedName = `tenantseed_test_claim_${randomBytes(6).toString('hex')}`;
  const connect = async () => {
    const client = new pg.Client({ connectionString: testServer().url });
    await client.connect();
    return client;
  };
  let holder: pg.Client;
  let claimer: pg.Client;

  beforeAll(async () => {
    holder = await connect();
    claimer = await connect();
    await holder.query(`CREATE DATABASE "${pooled}"`);
  });

  afterAll(async () => {
    for (const name of [pooled, claimedName]) await holder.query(`DROP DATABASE IF EXISTS "${name}"`);
    await holder.end();
    await claimer.end();
  });

  it('loses to the holder of the clone\'s owner lock, and the clone keeps its name', async () => {
    const oid = await takeOwnerLock(holder, pooled);
    expect(oid).toBeDefined();
    try {
      expect(await claimPooled(claimer, key, claimedName)).toBe(false);
      const names = (await holder.query(`SELECT datname FROM pg_database WHERE datname IN ($1, $2)`, [pooled, claimedName])).rows.map((r) => r.datname);
      expect(names).toEqual([pooled]);
    } finally {
      await releaseOwnerLock(holder, oid!);
    }
  });

  it('wins once the lock is free', async () => {
    expect(await claimPooled(claimer, key, claimedName)).toBe(true);
    const names = (await holder.query(`SELECT datname FROM pg_database WHERE datname IN ($1, $2)`, [pooled, claimedName])).rows.map((r) => r.datname);
    expect(names).toEqual([claimedName]);
  });
});
