import path from 'node:path';
import { ADVISORY_LOCK_CLASS, advisoryLockKey, createKnex, migrate, readEnvironmentStamp, writeEnvironmentStamp } from '../../src/db';
import { MigrationError } from '../../src/errors';
import { useFileDatabase } from '../support/database';

const FIXTURE_MIGRATIONS = path.resolve(__dirname, '..', 'fixtures', 'migrations');

describe('migrate', () => {
  const db = useFileDatabase();

  it('applies, reports and reverts migrations, naming them without extension', async () => {
    const latest = await migrate({ knex: db.knex, action: 'latest', directory: FIXTURE_MIGRATIONS });
    expect(latest.ran).toEqual(['20200101000000_create_widgets', '20200102000000_add_widget_color']);
    expect(latest.pending).toEqual([]);
    const again = await migrate({ knex: db.knex, action: 'latest', directory: FIXTURE_MIGRATIONS });
    expect(again.ran).toEqual([]);
    const down = await migrate({ knex: db.knex, action: 'down', directory: FIXTURE_MIGRATIONS });
    expect(down.ran).toEqual(['20200102000000_add_widget_color']);
    expect(down.pending).toEqual(['20200102000000_add_widget_color']);
    const all = await migrate({ knex: db.knex, action: 'rollback-all', directory: FIXTURE_MIGRATIONS });
    expect(all.applied).toEqual([]);
    expect(await db.knex.schema.hasTable('widgets')).toBe(false);
  });

  it('keeps its bookkeeping in the tenantseed schema, not among the product tables', async () => {
    await migrate({ knex: db.knex, action: 'status', directory: FIXTURE_MIGRATIONS });
    const tables = await db.knex.raw(`SELECT table_schema, table_name FROM information_schema.tables WHERE table_name LIKE 'knex_migrations%' ORDER BY 2`);
    expect(tables.rows).toEqual([
      { table_schema: 'tenantseed', table_name: 'knex_migrations' },
      { table_schema: 'tenantseed', table_name: 'knex_migrations_lock' },
    ]);
  });

  it('applies each migration once when two runs start at the same time', async () => {
    await migrate({ knex: db.knex, action: 'rollback-all', directory: FIXTURE_MIGRATIONS });
    const second = createKnex(db.target);
    try {
      const results = await Promise.all([
        migrate({ knex: db.knex, action: 'latest', directory: FIXTURE_MIGRATIONS }),
        migrate({ knex: second, action: 'latest', directory: FIXTURE_MIGRATIONS }),
      ]);
      const ran = results.flatMap((r) => r.ran).sort();
      expect(ran).toEqual(['20200101000000_create_widgets', '20200102000000_add_widget_color']);
      const rows = await db.knex('tenantseed.knex_migrations').count({ n: '*' });
      expect(rows[0].n).toBe(2);
    } finally {
      await second.destroy();
    }
  });

  it('fails clearly when another run holds the lock past the wait bound', async () => {
    const holder = createKnex(db.target, { applicationName: 'holder-under-test' });
    const trx = await holder.transaction();
    try {
      await trx.raw('SELECT pg_advisory_xact_lock(?::int4, ?::int4)', [ADVISORY_LOCK_CLASS, advisoryLockKey('tenantseed:migrate')]);
      const waits: string[] = [];
      await expect(
        migrate({ knex: db.knex, action: 'latest', directory: FIXTURE_MIGRATIONS, lockWaitMs: 600, onLockWait: (h) => waits.push(h) }),
      ).rejects.toThrow(/Timed out .* "holder-under-test"/);
      expect(waits).toHaveLength(1);
    } finally {
      await trx.rollback();
      await holder.destroy();
    }
  });

  it('rolls a failing migration back whole and says so', async () => {
    const broken = path.resolve(__dirname, '..', 'fixtures', 'broken-migrations');
    await expect(migrate({ knex: db.knex, action: 'latest', directory: broken })).rejects.toThrow(MigrationError);
    expect(await db.knex.schema.hasTable('half_done')).toBe(false);
  });

  it('records and reads the environment stamp', async () => {
    await writeEnvironmentStamp(db.knex, 'development', 'migrate latest');
    await writeEnvironmentStamp(db.knex, 'test', 'migrate latest');
    expect(await readEnvironmentStamp(db.knex)).toMatchObject({ environment: 'test', stampedBy: 'migrate latest' });
  });
});
