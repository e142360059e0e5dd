import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { createKnex, migratorConfig } from '../../src/db';
import { createScratchDatabase, ScratchDatabase } from '../../src/testing';
import { runOwnTransactionMigrations } from '../../src/workflows';
import { MigrationError } from '../../src/errors';
import { testServer } from '../support/database';
import { writeKnexProject, KnexProject } from '../support/knex-project';

describe('runOwnTransactionMigrations (each migration in its own transaction, or none)', () => {
  let dir: string;
  let project: KnexProject;
  let scratch: ScratchDatabase;
  let knex: Knex;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-own-trx-'));
    project = writeKnexProject(dir, { migrations: 24, tables: 6, concurrentEvery: 4, referenceEvery: 5 });
    scratch = await createScratchDatabase(testServer());
    knex = createKnex(scratch.target, { applicationName: 'own-trx test' });
  });

  afterEach(async () => {
    await knex.destroy();
    await scratch.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('applies every migration, CREATE INDEX CONCURRENTLY outside a transaction, with the bookkeeping Knex reads', async () => {
    const result = await runOwnTransactionMigrations(knex, { directory: project.migrations });
    expect(result.ran).toHaveLength(24);
    expect(result.pending).toEqual([]);
    const [, pending] = (await knex.migrate.list(migratorConfig(project.migrations))) as [unknown[], unknown[]];
    expect(pending).toEqual([]);
    const indexes = await knex.raw(`SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname LIKE '%_tenant_created_%'`);
    expect(indexes.rows).toHaveLength(project.nonTransactional.length);
    expect(indexes.rows.every((r: { indisvalid: boolean }) => r.indisvalid)).toBe(true);
    expect((await knex.raw(`SELECT count(*)::int AS n FROM countries WHERE code LIKE 'R%'`)).rows[0].n).toBeGreaterThan(0);
    // A second run finds nothing to do; Knex's CLI would agree.
    expect((await runOwnTransactionMigrations(knex, { directory: project.migrations })).ran).toEqual([]);
  });

  it('stops where asked, and a failing migration is rolled back alone, named, the earlier ones kept', async () => {
    const first = await runOwnTransactionMigrations(knex, {
      directory: project.migrations,
      stopBefore: async () => (await knex.raw(`SELECT to_regclass('item_0003') AS t`)).rows[0].t !== null,
    });
    expect(first.ran).toHaveLength(4);
    fs.writeFileSync(path.join(project.migrations, '20210101000500_broken.cjs'), `exports.up = async (knex) => { await knex.raw('CREATE TABLE half_made (id int)'); await knex.raw('SELECT * FROM no_such_table'); };\nexports.down = async () => {};\n`);
    const failed = await runOwnTransactionMigrations(knex, { directory: project.migrations }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(MigrationError);
    expect((failed as MigrationError).message).toContain('20210101000500_broken');
    expect((await knex.raw(`SELECT to_regclass('half_made') AS t`)).rows[0].t).toBeNull();
    // item_0004 (minute 4) ran before the broken one (minute 5); item_0005 (minute 6) did not.
    expect((await knex.raw(`SELECT to_regclass('item_0004') AS t`)).rows[0].t).not.toBeNull();
    expect((await knex.raw(`SELECT to_regclass('item_0005') AS t`)).rows[0].t).toBeNull();
  });
});
