import { startTestServer, TestServer } from './test-server';

/** The environment variable through which jest workers learn the test server's URL. */
export const TEST_SERVER_URL_VARIABLE = 'TENANTSEED_TEST_SERVER_URL';

const SERVER_KEY = Symbol.for('tenantseed.testServer');

/**
 * A jest `globalSetup`: starts one PostgreSQL for the whole run (TEST_DATABASE_URL, else a
 * container, else the embedded server) and hands its URL to the workers.
 *
 * @example
 * // jest.config.js
 * module.exports = { globalSetup: 'tenantseed/jest-global-setup', globalTeardown: 'tenantseed/jest-global-teardown' };
 */
export default async function globalSetup(): Promise<void> {
  if (process.env[TEST_SERVER_URL_VARIABLE]) return;
  const server = await startTestServer();
  process.env[TEST_SERVER_URL_VARIABLE] = server.target.url;
  (globalThis as Record<symbol, unknown>)[SERVER_KEY] = server;
  if (process.env.TENANTSEED_TEST_VERBOSE) process.stderr.write(`\ntenantseed tests use ${server.description}\n`);
}

/** A jest `globalTeardown`: stops the server that {@link globalSetup} started. */
export async function globalTeardown(): Promise<void> {
  const server = (globalThis as Record<symbol, unknown>)[SERVER_KEY] as TestServer | undefined;
  if (!server) return;
  delete (globalThis as Record<symbol, unknown>)[SERVER_KEY];
  delete process.env[TEST_SERVER_URL_VARIABLE];
  await server.stop();
}
