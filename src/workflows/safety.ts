import type { EnvironmentStamp } from '../db';
import { SafetyError } from '../errors';

/** The environment that is never written by tenantseed. */
export const PRODUCTION = 'production';

/**
 * Refuses `--env production` before anything else (no profile is even read), so that it is
 * refused whether or not a production profile exists.
 */
export function refuseProduction(command: string, environment: string): void {
  if (environment === PRODUCTION) {
    throw new SafetyError(`Refusing to ${command} --env production: tenantseed never writes production data`, {
      hint: 'Seed a copy under another environment name. Nothing was changed.',
    });
  }
}

/** What the safety guard decides on. */
export interface SafetyInput {
  /** The command, for messages: seed, reset. */
  readonly command: string;
  /** `--env`. */
  readonly environment: string;
  /** The database's environment stamp, if it has one. */
  readonly stamp?: EnvironmentStamp;
  /** Whether the profile is protected (staging). */
  readonly protected: boolean;
  /** Whether the command destroys existing data (reset always does). */
  readonly destructive: boolean;
  /** `--yes`. */
  readonly yes: boolean;
  /** The database's name: what an interactive confirmation must type. */
  readonly databaseName: string;
  /** Asks the user (only when interactive); resolves to the typed answer. */
  readonly confirm?: (question: string) => Promise<string>;
}

/**
 * Refuses (SafetyError, exit 3, before anything changes) to write a production database or
 * one stamped as another environment, and to destroy a protected environment's data without
 * `--yes` or a typed confirmation. Returns the notices of explicit bypasses, to be printed.
 *
 * @example
 * const notices = await assertSafeToWrite({ command: 'reset', environment: 'staging', ... });
 */
export async function assertSafeToWrite(input: SafetyInput): Promise<string[]> {
  const notices: string[] = [];
  const { command, environment, stamp } = input;
  refuseProduction(command, environment);
  if (stamp?.environment === PRODUCTION) {
    throw new SafetyError(`Refusing to ${command}: the database ${input.databaseName} is stamped "production" (by ${stamp.stampedBy})`, {
      hint: 'tenantseed never writes a production database, whatever the flags. Nothing was changed.',
    });
  }
  if (stamp && stamp.environment !== environment) {
    if (!input.yes) {
      throw new SafetyError(`Refusing to ${command} --env ${environment}: the database ${input.databaseName} is stamped "${stamp.environment}" (by ${stamp.stampedBy} at ${stamp.stampedAt.toISOString()})`, {
        hint: `Check that this is the database you mean; pass --yes to ${command} it as ${environment} anyway. Nothing was changed.`,
      });
    }
    notices.push(`--yes: ${command} a database stamped "${stamp.environment}" as "${environment}".`);
  }
  if (input.destructive && input.protected) {
    if (input.yes) {
      notices.push(`--yes: ${command} of the protected environment ${environment} confirmed without a prompt.`);
    } else if (input.confirm) {
      const answer = (await input.confirm(`${environment} is protected: ${command} destroys the data of ${input.databaseName}. Type the database name to go on: `)).trim();
      if (answer !== input.databaseName) {
        throw new SafetyError(`Not confirmed (typed "${answer}", not "${input.databaseName}")`, { hint: 'Nothing was changed.' });
      }
    } else {
      throw new SafetyError(`Refusing to ${command} the protected environment ${environment} without confirmation`, {
        hint: `Pass --yes, or run it in a terminal to confirm by typing the database name (${input.databaseName}). Nothing was changed.`,
      });
    }
  }
  return notices;
}
