import { globalTeardown } from './jest-global-setup';

/** A jest `globalTeardown` that stops the server the tenantseed globalSetup started. */
export default globalTeardown;
