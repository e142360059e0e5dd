import { describeFixtureProject } from '../support/fixture-project';
import { ALEMBIC_APP } from '../support/fixture-specs';

/** The steps of issue 28's acceptance on test/fixtures/alembic-app (its shapes: see ../support/fixture-specs.ts). */
describeFixtureProject(ALEMBIC_APP);
