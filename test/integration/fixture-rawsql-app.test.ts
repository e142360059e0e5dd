import { describeFixtureProject } from '../support/fixture-project';
import { RAWSQL_APP } from '../support/fixture-specs';

/** The steps of issue 28's acceptance on test/fixtures/rawsql-app (its shapes: see ../support/fixture-specs.ts). */
describeFixtureProject(RAWSQL_APP);
