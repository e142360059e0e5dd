import type { Knex } from 'knex';
import { createKnex } from '../../src/db';
import { DatabaseTarget, parseDatabaseUrl } from '../../src/config';
import { createScratchDatabase, ScratchDatabase, TEST_SERVER_URL_VARIABLE } from '../../src/testing';

/** The server the jest globalSetup started for this run. */
export function testServer(): DatabaseTarget {
  const url = process.env[TEST_SERVER_URL_VARIABLE];
  if (!url) throw new Error(`${TEST_SERVER_URL_VARIABLE} is not set: run integration tests through jest's integration project`);
  return parseDatabaseUrl(url, TEST_SERVER_URL_VARIABLE);
}

/** A database of this test file's own, created before its tests and dropped after. */
export interface FileDatabase {
  readonly target: DatabaseTarget;
  readonly knex: Knex;
}

/**
 * Gives the calling test file a fresh, empty database (and a Knex on it) for all its tests.
 */
export function useFileDatabase(): FileDatabase {
  let scratch: ScratchDatabase | undefined;
  let knex: Knex | undefined;
  beforeAll(async () => {
    scratch = await createScratchDatabase(testServer());
    knex = createKnex(scratch.target, { poolMax: 6 });
  });
  afterAll(async () => {
    await knex?.destroy();
    await scratch?.drop();
  });
  return {
    get target() {
      if (!scratch) throw new Error('useFileDatabase: used before beforeAll ran');
      return scratch.target;
    },
    get knex() {
      if (!knex) throw new Error('useFileDatabase: used before beforeAll ran');
      return knex;
    },
  };
}
