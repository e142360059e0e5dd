import type { Knex } from 'knex';
import { createKnex } from '../../src/db';
import { loadDefinitions, loadProfile } from '../../src/definitions';
import { buildPlan } from '../../src/generate';
import { createScratchDatabase, ScratchDatabase } from '../../src/testing';
import { validateDatabase } from '../../src/validate';
import { importSnapshot } from '../../src/validate/validate-database';
import { resetDatabase } from '../../src/workflows';
import { testServer, useFileDatabase } from '../support/database';
import { SHIPPED_DEFINITIONS, SHIPPED_ENVIRONMENTS } from '../support/datasets';

/** Thrown to roll a test's transaction back. */
const END = new Error('end of the test transaction');

describe('validation reads one snapshot on two connections', () => {
  const db = useFileDatabase();

  beforeAll(async () => {
    await db.knex.raw('CREATE TABLE snapshot_rows (x int)');
  });

  it('a second connection reads the snapshot of the first, not rows committed after it', async () => {
    let seen: { first: number; second: number } | undefined;
    await db.knex.transaction(async (trx) => {
      const side = await importSnapshot(db.knex, trx, undefined);
      expect(side).toBeDefined();
      try {
        // Committed by a third session after the snapshot was taken: neither transaction may see it.
        await db.knex.raw('INSERT INTO snapshot_rows VALUES (1)');
        const count = async (k: Knex) => Number((await k.raw('SELECT count(*)::int AS n FROM snapshot_rows')).rows[0].n);
        seen = { first: await count(trx), second: await count(side!.trx) };
        // Two sessions, one snapshot.
        const backend = async (k: Knex) => Number((await k.raw('SELECT pg_backend_pid() AS p')).rows[0].p);
        expect(await backend(side!.trx)).not.toBe(await backend(trx));
      } finally {
        await side!.end();
      }
      throw END;
    }, { isolationLevel: 'repeatable read' }).catch((err) => {
      if (err !== END) throw err;
    });
    expect(seen).toEqual({ first: 0, second: 0 });
    expect(Number((await db.knex.raw('SELECT count(*)::int AS n FROM snapshot_rows')).rows[0].n)).toBe(1);
    await db.knex.raw('TRUNCATE snapshot_rows');
  });

  it('runs the checks in one transaction where the pool has no second connection', async () => {
    const single = createKnex(db.target, { poolMax: 1 });
    try {
      await single.transaction(async (trx) => {
        expect(await importSnapshot(single, trx, undefined)).toBeUndefined();
        // A transaction handed in as the Knex instance has one connection too.
        expect(await importSnapshot(trx as unknown as Knex, trx, undefined)).toBeUndefined();
        throw END;
      }, { isolationLevel: 'repeatable read' }).catch((err) => {
        if (err !== END) throw err;
      });
    } finally {
      await single.destroy();
    }
  });
});

describe('validate on two connections and on one', () => {
  let seeded: ScratchDatabase;
  const definitions = loadDefinitions(SHIPPED_DEFINITIONS);

  beforeAll(async () => {
    seeded = await createScratchDatabase(testServer(), { prefix: 'tenantseed_snapshot' });
    const seeding = createKnex(seeded.target);
    try {
      await resetDatabase({ knex: seeding, plan: buildPlan({ definitions, profile: loadProfile(SHIPPED_ENVIRONMENTS, 'test') }) });
    } finally {
      await seeding.destroy();
    }
  });

  afterAll(async () => {
    await seeded.drop();
  });

  /** What a report says, less its timings. */
  async function verdict(poolMax: number): Promise<unknown> {
    const knex = createKnex(seeded.target, { poolMax });
    try {
      const report = await validateDatabase({ knex, definitions });
      return JSON.parse(JSON.stringify(report, (k, v) => (k === 'durationMs' ? undefined : v)));
    } finally {
      await knex.destroy();
    }
  }

  it('gives the same report with the isolation check beside the others as with every check in turn', async () => {
    const two = await verdict(4);
    const one = await verdict(1);
    expect((two as { ok: boolean }).ok).toBe(true);
    expect(two).toEqual(one);
  });
});
