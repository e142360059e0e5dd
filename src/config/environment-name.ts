import { quoteInput, UsageError } from '../errors';

const ENVIRONMENT_NAME = /^[a-z0-9_-]{1,63}$/;

/**
 * Checks an environment name (`--env`, or `TENANTSEED_ENV` for Knex's CLI, named in the error): lowercase letters, digits, `-` and `_`, at most 63
 * characters. Anything else (a path, spaces, capitals) is bad input.
 *
 * @example
 * assertEnvironmentName('staging-eu') // ok
 * assertEnvironmentName('../prod')    // throws UsageError
 */
export function assertEnvironmentName(name: string, given: '--env' | 'TENANTSEED_ENV' = '--env'): string {
  if (!ENVIRONMENT_NAME.test(name)) {
    throw new UsageError(`${given === '--env' ? `--env ${quoteInput(name)}` : `TENANTSEED_ENV=${quoteInput(name)}`} is not a valid environment name`, {
      hint: 'Use lowercase letters, digits, "-" and "_" only (for example development, test, staging).',
    });
  }
  return name;
}
