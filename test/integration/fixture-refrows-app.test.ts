import { describeColumnMeanings } from '../support/column-meaning-checks';
import { describeFixtureProject } from '../support/fixture-project';
import { REFROWS_APP } from '../support/fixture-specs';

/** The steps of issue 28's acceptance on test/fixtures/refrows-app (its shapes: see ../support/fixture-specs.ts). */
describeFixtureProject({
  ...REFROWS_APP,
  // Issue 34: the rows look like their columns (meanings this schema has columns of, which must then be found).
  more: ({ knex }) => describeColumnMeanings(knex, []),
});
