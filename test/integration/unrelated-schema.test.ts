import { loadDefinitions, loadProfile } from '../../src/definitions';
import { buildPlan, Fingerprint } from '../../src/generate';
import { loadTables } from '../../src/load';
import { validateDatabase } from '../../src/validate';
import { useFileDatabase } from '../support/database';
import { SHOP_DEFINITIONS, SHOP_ENVIRONMENTS } from '../support/datasets';

/**
 * The engine knows no table of the shipped schema: an unrelated set of definitions (shops,
 * products, orders, staff, countries; tenant column "shop") generates, loads and validates.
 */
describe('an unrelated schema (test/fixtures/shop)', () => {
  const db = useFileDatabase();

  it('generates, loads with COPY and validates', async () => {
    await db.knex.raw(`
      CREATE TABLE countries (code text PRIMARY KEY, name text NOT NULL);
      CREATE TABLE shops (shop_uuid uuid PRIMARY KEY, code text NOT NULL UNIQUE, opened_on date NOT NULL);
      CREATE TABLE products (shop uuid NOT NULL REFERENCES shops, product_uuid uuid NOT NULL, sku text NOT NULL,
        price_cents integer NOT NULL, attributes jsonb NOT NULL, PRIMARY KEY (shop, product_uuid), UNIQUE (shop, sku));
      CREATE TABLE orders (shop uuid NOT NULL REFERENCES shops, order_uuid uuid NOT NULL, product uuid NOT NULL,
        quantity integer NOT NULL, placed_at timestamptz NOT NULL, note text, PRIMARY KEY (shop, order_uuid),
        FOREIGN KEY (shop, product) REFERENCES products (shop, product_uuid));
      CREATE TABLE staff (shop uuid NOT NULL REFERENCES shops, staff_uuid uuid NOT NULL, manager uuid, nickname text NOT NULL,
        PRIMARY KEY (shop, staff_uuid));`);
    const plan = buildPlan({ definitions: loadDefinitions(SHOP_DEFINITIONS), profile: loadProfile(SHOP_ENVIRONMENTS, 'demo') });
    const loaded = await db.knex.transaction(async (trx) => {
      const client = await trx.client.acquireConnection();
      return loadTables({ client, tables: plan.tables, fingerprint: new Fingerprint(plan.generatorVersion), deferConstraints: true, deferFromRows: 0 });
    });
    expect(loaded.rows).toBe(2 + 4 + 16 + 24 + 12);
    expect((await db.knex('orders').count({ n: '*' }))[0].n).toBe(24);
    const report = await validateDatabase({ knex: db.knex, definitions: plan.definitions, checks: ['foreign-keys', 'tenant-consistency', 'json-schema'] });
    expect(report.checks.map((c) => [c.name, c.ok])).toEqual([['foreign-keys', true], ['tenant-consistency', true], ['json-schema', true]]);
    // And the schema check sees that this schema has no row-level security: it names the tables.
    const schema = await validateDatabase({ knex: db.knex, definitions: plan.definitions, checks: ['schema'] });
    expect(schema.ok).toBe(false);
    expect(schema.checks[0].details.findings.map((f) => f.table)).toEqual(expect.arrayContaining(['orders', 'products', 'staff']));
  });
});
