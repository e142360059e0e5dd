import { describeFixtureBreaks } from '../support/fixture-breaks';
import { ALEMBIC_APP, CHAINS_APP, KNEX_CJS_APP, PRISMA_APP, RAWSQL_APP, REFROWS_APP } from '../support/fixture-specs';

/**
 * Issue 30's acceptance: on each fixture project of issue 28, isolated (its real holes closed
 * the way its tool writes the fix), validate exits 0; each break of ../support/fixture-breaks.ts
 * applied alone to a copy of it fails the right check, naming the table and the cause.
 */
for (const spec of [PRISMA_APP, RAWSQL_APP, ALEMBIC_APP, KNEX_CJS_APP, CHAINS_APP, REFROWS_APP]) describeFixtureBreaks(spec);
