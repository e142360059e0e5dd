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

  it('runs the isolation check on the connection that imported the snapshot, and the others on the one that exported it', async () => {
    const knex = createKnex(seeded.target, { poolMax: 4 });
    // Knex names each pooled connection (__knexUid) in its query events.
    const connections = new Map<string, Set<string>>();
    const note = (what: string, connection: string | undefined) => connections.set(what, new Set([...(connections.get(what) ?? []), String(connection)]));
    knex.on('query', (q: { sql: string; __knexUid?: string }) => {
      if (/pg_export_snapshot/.test(q.sql)) note('exported', q.__knexUid);
      if (/SET TRANSACTION SNAPSHOT/.test(q.sql)) note('imported', q.__knexUid);
      // The isolation check's reading of the application role's grants on each tenant table.
      if (/SELECT DISTINCT ON \(w\.t\) w\.t AS table, has_table_privilege/.test(q.sql)) note('isolation', q.__knexUid);
      // The reference checks' (foreign-keys, tenant-consistency) plan setting.
      if (/SHOW enable_nestloop/.test(q.sql)) note('references', q.__knexUid);
    });
    try {
      expect((await validateDatabase({ knex, definitions })).ok).toBe(true);
    } finally {
      await knex.destroy();
    }
    const [exported] = [...connections.get('exported')!];
    const [imported] = [...connections.get('imported')!];
    expect(imported).not.toBe(exported);
    expect([...connections.get('isolation')!]).toEqual([imported]);
    expect([...connections.get('references')!]).toEqual([exported]);
  });

  it('gives the same report with the isolation check beside the others as with every check in turn', async () => {
    const two = await verdict(4);
    const one = await verdict(1);
    expect((two as { ok: boolean }).ok).toBe(true);
    expect(two).toEqual(one);
  });
});
