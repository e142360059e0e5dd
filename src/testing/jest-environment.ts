import NodeEnvironment from 'jest-environment-node';
import type { Circus } from '@jest/types';
import { FAILED_FLAG } from './failure-flag';

/**
 * A jest test environment (jest's node environment) that records, for the test file, that a
 * test or hook failed: `createTestDatabase({ keepOnFailure: true })` then keeps that file's
 * database and prints its URL instead of dropping it.
 *
 * @example
 * // jest.config.js
 * module.exports = { testEnvironment: 'tenantseed/jest-environment' };
 */
export default class TenantseedTestEnvironment extends NodeEnvironment {
  async handleTestEvent(event: Circus.Event): Promise<void> {
    if (event.name === 'test_fn_failure' || event.name === 'hook_failure') (this.global as Record<string, unknown>)[FAILED_FLAG] = true;
  }
}
