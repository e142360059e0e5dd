import { DefinitionError, ProfileError, SafetyError, UsageError } from '../errors';

/** The exit codes of the design: the only place they are decided. */
export const EXIT = Object.freeze({ ok: 0, failed: 1, badInput: 2, refused: 3 });

/** The exit code for an error that ended a command. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError || err instanceof DefinitionError || err instanceof ProfileError) return EXIT.badInput;
  if (err instanceof SafetyError) return EXIT.refused;
  // Everything else, ours (connection, database, migration) or unexpected, is a failure.
  return EXIT.failed;
}
