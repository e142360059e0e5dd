import { buildPlan, Plan } from '../../../src/generate';
import { createAjv, loadDefinitions, loadProfile } from '../../../src/definitions';
import { allRows, shippedPlan, SHOP_DEFINITIONS, SHOP_ENVIRONMENTS } from '../../support/datasets';

function expectEveryRowValid(plan: Plan): number {
  const ajv = createAjv();
  let checked = 0;
  for (const table of [...plan.tables, ...plan.legacyTables]) {
    const schema = { ...table.definition.schema };
    if (table.legacy) {
      const { [table.definition.tenantColumn!]: _omit, ...properties } = schema.properties as Record<string, unknown>;
      schema.properties = properties;
      schema.required = (schema.required as string[]).filter((c) => c !== table.definition.tenantColumn);
    }
    const validate = ajv.compile(schema);
    for (const row of table.rows()) {
      const object = Object.fromEntries(table.columns.map((c, i) => [c, row[i]]));
      // Rows given in profiles may carry a plaintext password for the hash; it is never written.
      if (!validate(object)) throw new Error(`${table.name}${table.legacy ? ' (legacy)' : ''}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(object)}`);
      checked++;
    }
  }
  return checked;
}

describe('generated rows', () => {
  it.each(['test', 'development'])('are all valid against their definitions in the %s profile', (env) => {
    expect(expectEveryRowValid(shippedPlan(env))).toBeGreaterThan(100);
  });

  it('are valid for a sample of staging tenants too', () => {
    expect(expectEveryRowValid(shippedPlan('staging', { tenants: 30 }))).toBeGreaterThan(10000);
  });

  it('reference only parents of the same tenant', () => {
    const plan = shippedPlan('development');
    const rows = allRows(plan);
    const owner = new Map<string, string>();
    for (const [table, list] of rows) if (table === 'users' || table === 'projects') for (const r of list) owner.set(`${table}:${r[1]}`, r[0] as string);
    let checked = 0;
    for (const table of plan.tables) {
      for (const column of table.definition.columns.filter((c) => c.ref && (c.ref.table === 'users' || c.ref.table === 'projects'))) {
        const k = table.columns.indexOf(column.name);
        for (const row of rows.get(table.name)!) {
          if (row[k] === null) continue;
          expect(owner.get(`${column.ref!.table}:${row[k]}`)).toBe(row[0]);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('keep unique columns unique per tenant, while tenants share emails, titles and slugs in the test profile', () => {
    const rows = allRows(shippedPlan('test'));
    const emails = rows.get('users')!.map((r) => [r[0], r[2]] as const);
    expect(new Set(emails.map(([t, e]) => `${t}|${e}`)).size).toBe(emails.length);
    const byEmail = new Map<unknown, Set<unknown>>();
    for (const [tenant, email] of emails) byEmail.set(email, (byEmail.get(email) ?? new Set()).add(tenant));
    expect([...byEmail.values()].filter((tenants) => tenants.size > 1).length).toBeGreaterThanOrEqual(2);
    const content = rows.get('content_blocks')!;
    const slugs = content.map((r) => `${r[0]}|${r[3]}`);
    expect(new Set(slugs).size).toBe(slugs.length);
    const titles = new Map<unknown, Set<unknown>>();
    for (const r of content) titles.set(r[4], (titles.get(r[4]) ?? new Set()).add(r[0]));
    expect([...titles.values()].some((t) => t.size > 1)).toBe(true);
  });

  it('store passwords and API keys only as hashes', () => {
    const plan = shippedPlan('test');
    const text = JSON.stringify([...allRows(plan).values()]);
    for (const plaintext of ['acme-admin-password', 'test-password-1', 'test-password-2']) expect(text).not.toContain(plaintext);
    const users = allRows(plan).get('users')!;
    for (const u of users) expect(u[5]).toMatch(/^scrypt\$N=16384,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  });

  it('give a staging dataset of over 1,000 tenants, skewed in size, without making its rows', () => {
    const plan = shippedPlan('staging');
    expect(plan.tenants.length).toBeGreaterThanOrEqual(1000);
    const total = plan.tables.reduce((sum, t) => sum + t.rowCount(), 0);
    expect(total).toBeGreaterThanOrEqual(1_000_000);
    const users = plan.tables.find((t) => t.name === 'users')!;
    const sizes = plan.tenants.map((t) => users.countFor(t)).sort((a, b) => b - a);
    expect(sizes[0]).toBeGreaterThanOrEqual(20 * sizes[sizes.length - 1]);
    expect(sizes.filter((n) => n === sizes[sizes.length - 1]).length).toBeGreaterThan(plan.tenants.length / 2);
    expect(plan.legacyTables.reduce((sum, t) => sum + t.rowCount(), 0)).toBeGreaterThan(0);
  });
});

describe('an unrelated set of definitions (test/fixtures/shop)', () => {
  const plan = buildPlan({ definitions: loadDefinitions(SHOP_DEFINITIONS), profile: loadProfile(SHOP_ENVIRONMENTS, 'demo') });

  it('generates with its own tenant table, tenant column and keys', () => {
    expect(plan.tables.map((t) => t.name)).toEqual(['countries', 'shops', 'products', 'orders', 'staff']);
    const rows = allRows(plan);
    expect(rows.get('shops')!.length).toBe(4);
    expect(rows.get('countries')!).toEqual([['NL', 'Netherlands'], ['JP', 'Japan']]);
    const products = rows.get('products')!;
    const productShop = new Map(products.map((p) => [p[1], p[0]]));
    for (const order of rows.get('orders')!) expect(productShop.get(order[2])).toBe(order[0]);
    expect(plan.namedRows().map((r) => `${r.table}:${r.name}`)).toEqual(['shops:amsterdam', 'products:A1']);
    expect(expectEveryRowValid(plan)).toBe(products.length + rows.get('orders')!.length + rows.get('staff')!.length + 6);
  });

  it('breaks a self-reference cycle at its nullable column', () => {
    expect(plan.definitions.cycleBreaks).toEqual([{ table: 'staff', column: 'manager' }]);
    for (const staff of allRows(plan).get('staff')!) expect(staff[2]).toBeNull();
  });
});
