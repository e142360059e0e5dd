import path from 'node:path';
import { describeDatabase, EMBEDDED_DIR_NAME, parseDatabaseUrl, DatabaseTarget, Logger, silentLogger } from '../config';
import { assertReachable, startEmbeddedServer, stopEmbeddedServer } from '../db';
import { isContainerRuntimeAvailable } from './container-runtime';

/** Which kind of server the tests run on. */
export type TestServerKind = 'url' | 'container' | 'embedded';

/** A PostgreSQL server for tests, where databases may be created and dropped. */
export interface TestServer {
  readonly kind: TestServerKind;
  /** A URL to a database on the server that tests never write to (used to create others). */
  readonly target: DatabaseTarget;
  readonly description: string;
  /** Stops the server when this call started it; otherwise does nothing. */
  stop(): Promise<void>;
}

/** The PostgreSQL image used when tests run on a container runtime. */
export const TEST_CONTAINER_IMAGE = 'postgres:16-alpine';

/** The embedded server used by tests: apart from the development one in `.tenantseed/`. */
export function testEmbeddedDataDir(cwd: string = process.cwd()): string {
  return path.resolve(cwd, EMBEDDED_DIR_NAME, 'test-server');
}

/** The ways a test server can be had, replaceable so the order itself can be tested. */
export interface TestServerStarters {
  containerRuntimeAvailable(): Promise<boolean>;
  startContainer(): Promise<TestServer>;
  startEmbedded(): Promise<TestServer>;
  useUrl(url: string): Promise<TestServer>;
}

/** Options of {@link startTestServer}. */
export interface StartTestServerOptions {
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Where the embedded test server keeps its data; `.tenantseed/test-server` by default. */
  embeddedDataDir?: string;
  starters?: Partial<TestServerStarters>;
}

function defaultStarters(options: StartTestServerOptions): TestServerStarters {
  const logger = options.logger ?? silentLogger;
  return {
    containerRuntimeAvailable: () => isContainerRuntimeAvailable({ env: options.env }),
    async useUrl(url) {
      const target = parseDatabaseUrl(url, 'TEST_DATABASE_URL');
      await assertReachable(target);
      return { kind: 'url', target, description: `${describeDatabase(target)} (TEST_DATABASE_URL)`, stop: async () => undefined };
    },
    async startContainer() {
      const { PostgreSqlContainer } = require('@testcontainers/postgresql') as typeof import('@testcontainers/postgresql');
      const container = await new PostgreSqlContainer(TEST_CONTAINER_IMAGE).start();
      const target = parseDatabaseUrl(container.getConnectionUri(), 'the test container');
      return {
        kind: 'container',
        target,
        description: `${describeDatabase(target)} (container ${TEST_CONTAINER_IMAGE})`,
        stop: async () => {
          await container.stop();
        },
      };
    },
    async startEmbedded() {
      const dataDir = options.embeddedDataDir ?? testEmbeddedDataDir();
      const server = await startEmbeddedServer({ dataDir, logger });
      return {
        kind: 'embedded',
        target: server.target,
        description: `${describeDatabase(server.target)} (embedded, ${dataDir})`,
        stop: async () => {
          if (server.startedHere) await stopEmbeddedServer({ dataDir, logger });
        },
      };
    },
  };
}

/**
 * Finds a PostgreSQL server for tests, in this order: `TEST_DATABASE_URL`; else a
 * Testcontainers PostgreSQL when a container runtime is reachable (detected at once when
 * there is none); else the embedded server in `.tenantseed/test-server`.
 *
 * @example
 * const server = await startTestServer();
 * try { ... } finally { await server.stop(); }
 */
export async function startTestServer(options: StartTestServerOptions = {}): Promise<TestServer> {
  const env = options.env ?? process.env;
  const starters = { ...defaultStarters({ ...options, env }), ...options.starters };
  if (env.TEST_DATABASE_URL) return starters.useUrl(env.TEST_DATABASE_URL);
  if (await starters.containerRuntimeAvailable()) return starters.startContainer();
  return starters.startEmbedded();
}
