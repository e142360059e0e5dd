import fs from 'node:fs';
import path from 'node:path';

/** Test files per runner, and the workers each runner uses. */
export const RUNNER_FILES = 12;
export const RUNNER_WORKERS = 4;

/**
 * The body of one test file, as a user of the testing API writes it (the same for jest and
 * Vitest): its own database, a row made as the application role in one tenant, read back
 * through application-role connections of that tenant and of another.
 */
function testBody(index: number): string {
  return `
let db;
beforeAll(async () => { db = await createTestDatabase(); });
afterAll(() => db.destroy());

it('file ${index}: a made document is visible only in its tenant, through the application role', async () => {
  const acme = db.fixtures.tenant('acme');
  const globex = db.fixtures.tenant('globex');
  const doc = await db.make('documents', { title: 'made in file ${index}' }, { tenant: 'acme', asApp: true });
  expect(doc.tenant_id).toBe(acme.id);
  const asAcme = await db.asApp('acme');
  const asGlobex = await db.asApp(globex.id);
  expect((await asAcme('documents').where({ id: doc.id })).map((d) => d.title)).toEqual(['made in file ${index}']);
  expect(await asGlobex('documents').where({ id: doc.id })).toEqual([]);
  expect((await asGlobex('documents').select('tenant_id').distinct()).map((d) => d.tenant_id)).toEqual([globex.id]);
  // Made as the loader in globex: still invisible to acme.
  const other = await db.make('documents', {}, { tenant: 'globex' });
  expect(await asAcme('documents').where({ id: other.id })).toEqual([]);
  expect(await db.knex('documents').whereIn('id', [doc.id, other.id]).count('* as n')).toEqual([{ n: 2 }]);
});
`;
}

/** A jest project (CommonJS test files) with exactly docs/testing.md's set-up. */
export function writeJestProject(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'jest.config.js'), `module.exports = {
  globalSetup: 'tenantseed/jest-global-setup',
  globalTeardown: 'tenantseed/jest-global-teardown',
  testTimeout: 120000,
  maxWorkers: ${RUNNER_WORKERS},
  testMatch: ['**/*.test.js'],
};
`);
  for (let i = 1; i <= RUNNER_FILES; i++) {
    fs.writeFileSync(path.join(dir, `file-${i}.test.js`), `const { createTestDatabase } = require('tenantseed/testing');\n${testBody(i)}`);
  }
}

/** A Vitest project (TypeScript test files, Vitest's globals) with docs/testing.md's set-up. */
export function writeVitestProject(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'vitest.config.mjs'), `export default {
  test: {
    globals: true,
    globalSetup: ['tenantseed/vitest-global-setup'],
    hookTimeout: 120000,
    testTimeout: 120000,
    maxWorkers: ${RUNNER_WORKERS},
    include: ['**/*.test.ts'],
  },
};
`);
  for (let i = 1; i <= RUNNER_FILES; i++) {
    fs.writeFileSync(path.join(dir, `file-${i}.test.ts`), `import { createTestDatabase } from 'tenantseed/testing';\n${testBody(i).replace('let db;', 'let db: any;').replace(/\(d\)/g, '(d: any)')}`);
  }
}

/**
 * A TypeScript file that must compile under `tsc --strict` against the types `tenantseed
 * types` wrote (tables.ts beside it): the fixtures and the factory are typed by them, and
 * a wrong column or table is an error (each `@ts-expect-error` fails the compile if it is not).
 */
export function writeTypedUse(dir: string): void {
  fs.writeFileSync(path.join(dir, 'typed-use.ts'), `import { createTestDatabase } from 'tenantseed/testing';
import type { Tables } from './tables';

export async function typedUse(): Promise<string> {
  const db = await createTestDatabase<Tables>();
  const doc = await db.make('documents', { title: 'Draft' }, { tenant: 'acme', asApp: true });
  const title: string = doc.title;
  const plan: 'free' | 'starter' | 'pro' | 'enterprise' = db.fixtures.row('tenants', 'acme').values.plan;
  const description: string | null = (await db.make('projects')).description;
  // @ts-expect-error: documents has no column "titel"
  await db.make('documents', { titel: 'x' });
  // @ts-expect-error: a title is a string
  await db.make('documents', { title: 1 });
  // @ts-expect-error: no table "invoices"
  db.fixtures.row('invoices', 'x');
  const tenantPlan: 'free' | 'starter' | 'pro' | 'enterprise' = db.fixtures.tenant('acme').plan;
  const email: string = db.fixtures.user('admin@acme.test').email;
  // @ts-expect-error: a tenant has no column "email"
  db.fixtures.tenant('acme').email;
  // @ts-expect-error: "$fixtures" is not a table
  await db.make('$fixtures');
  // @ts-expect-error: a nullable column may be null, so it is not a string
  const notNull: string = description;
  await db.destroy();
  return title + plan + notNull + tenantPlan + email;
}
`);
}
