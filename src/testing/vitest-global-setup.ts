import globalSetup, { globalTeardown } from './jest-global-setup';

/**
 * A Vitest `globalSetup` module: `setup` starts one PostgreSQL for the run (TEST_DATABASE_URL,
 * else a container, else the embedded server) and hands its URL to the workers through the
 * environment, which Vitest's workers (forks or threads) inherit; `teardown` stops the server
 * if `setup` started it. Each test file then makes its own database with createTestDatabase,
 * as under jest.
 *
 * @example
 * // vitest.config.ts
 * export default defineConfig({ test: { globalSetup: ['tenantseed/vitest-global-setup'], hookTimeout: 30000 } });
 */
export async function setup(): Promise<void> {
  await globalSetup();
}

/** Stops the server {@link setup} started (nothing when TEST_DATABASE_URL named one). */
export async function teardown(): Promise<void> {
  await globalTeardown();
}

/**
 * The same as a single function, which Vitest also accepts (and requires of a CommonJS module's
 * default export): starts the server and returns the teardown.
 */
export default async function vitestGlobalSetup(): Promise<() => Promise<void>> {
  await setup();
  return teardown;
}
