import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { loadDefinitions, loadProfile } from '../../src/definitions';
import { buildPlan, Plan, Row } from '../../src/generate';
import { MAX_REDRAWS, settleTableChecks } from '../../src/load';
import { DatabaseError } from '../../src/errors';
import { useFileDatabase } from '../support/database';

/**
 * `x-checks`: CHECKs only PostgreSQL can evaluate. The drawn rows are checked in batches, a row
 * that breaks one is drawn again with its next key, deterministically; only those rows change;
 * a CHECK the draws cannot meet stops the run naming the table, the constraint and the expression.
 */
describe('rows drawn again until the CHECKs in x-checks hold', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-settle-checks-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  let client: pg.PoolClient | undefined;
  // Declared before the database: afterAll hooks run in declaration order.
  afterAll(async () => { if (client) await db.knex.client.releaseConnection(client); });
  const db = useFileDatabase();
  beforeAll(async () => {
    // Quoted names, an array column and a JSON column: the row reaches the expression in the column's own type.
    await db.knex.raw(`CREATE TABLE "Gadget Bin" (
      id uuid PRIMARY KEY, "Score" integer NOT NULL, labels text[] NOT NULL, meta jsonb NOT NULL,
      CONSTRAINT "score is 1 mod 5" CHECK ("Score" % 5 = 1),
      CONSTRAINT few_labels CHECK (cardinality(labels) <= 2 AND meta \\? 'kind'))`);
    client = (await db.knex.client.acquireConnection()) as pg.PoolClient;
  });

  function planWith(checks: Record<string, string> | undefined, name = 'run'): Plan {
    const run = fs.mkdtempSync(path.join(dir, `${name}-`));
    fs.mkdirSync(path.join(run, 'definitions'));
    fs.mkdirSync(path.join(run, 'environments'));
    fs.writeFileSync(path.join(run, 'definitions', 'gadgets.json'), JSON.stringify({
      $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', 'x-table': 'Gadget Bin', 'x-primary-key': ['id'],
      'x-count': { default: 300 }, ...(checks ? { 'x-checks': checks } : {}),
      properties: {
        id: { type: 'string', format: 'uuid' },
        Score: { type: 'integer', minimum: 0, maximum: 1000 },
        labels: { type: 'array', items: { type: 'string', 'x-faker': 'lorem.word' }, minItems: 0, maxItems: 4 },
        meta: { type: 'object', properties: { kind: { enum: ['a', 'b'] } }, required: ['kind'], additionalProperties: false },
      },
      required: ['id', 'Score', 'labels', 'meta'], additionalProperties: false,
    }));
    fs.writeFileSync(path.join(run, 'environments', 'test.json'), JSON.stringify({ seed: 3, referenceDate: '2025-01-01T00:00:00Z', tenants: { generated: 0 }, counts: {} }));
    return buildPlan({ definitions: loadDefinitions(path.join(run, 'definitions')), profile: loadProfile(path.join(run, 'environments'), 'test') });
  }
  const readable = { 'score is 1 mod 5': '(("Score" % 5) = 1)', few_labels: "((cardinality(labels) <= 2) AND (meta ? 'kind'::text))" };

  it('draws again only the rows that break a CHECK, the same way on every run, until all hold', async () => {
    const plain = [...planWith(undefined).tables[0].rows()];
    const settled = planWith(readable);
    const redrawn = await settleTableChecks(client!, settled.tables[0]);
    const rows = [...settled.tables[0].rows()];
    expect(redrawn).toBeGreaterThan(200);
    // Every row holds, as PostgreSQL says when the rows go into the table.
    for (const row of rows) await db.knex.raw('INSERT INTO "Gadget Bin" VALUES (?, ?, ?, ?)', [row[0] as string, row[1] as number, row[2] as string[], JSON.stringify(row[3])]);
    expect(Number((await db.knex.raw('SELECT count(*) AS n FROM "Gadget Bin"')).rows[0].n)).toBe(300);
    await db.knex.raw('TRUNCATE "Gadget Bin"');
    expect(rows.every((r) => (r[1] as number) % 5 === 1 && (r[2] as unknown[]).length <= 2)).toBe(true);
    // Rows that held keep their values; ids never change.
    const held = plain.filter((r) => (r[1] as number) % 5 === 1 && (r[2] as unknown[]).length <= 2);
    expect(held.length).toBeGreaterThan(0);
    for (const row of held) expect(rows.find((r) => r[0] === row[0])).toEqual(row);
    expect(rows.map((r) => r[0])).toEqual(plain.map((r) => r[0]));
    // Another run draws the same rows again, the same way.
    const again = planWith(readable, 'again');
    expect(await settleTableChecks(client!, again.tables[0])).toBe(redrawn);
    expect([...again.tables[0].rows()] as Row[]).toEqual(rows);
  });

  it('stops, naming the table, the constraint and the expression, when the draws cannot meet a CHECK', async () => {
    const never = planWith({ 'score negative': '("Score" < 0)' });
    const error = await settleTableChecks(client!, never.tables[0]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).message).toContain(`Gadget Bin: 300 row(s) (the first is row 1) break the CHECK score negative (("Score" < 0)) in ${MAX_REDRAWS + 1} draws`);
    expect(error).toMatchObject({ table: 'Gadget Bin', constraint: 'score negative' });
  });
});
