import { describeFixtureProject } from '../support/fixture-project';
import { PRISMA_APP } from '../support/fixture-specs';

/** The steps of issue 28's acceptance on test/fixtures/prisma-app (its shapes: see ../support/fixture-specs.ts). */
describeFixtureProject(PRISMA_APP);
