import { Logger, redactUrl } from '../config';
import { TenantseedError } from '../errors';

/** Where the CLI writes: stdout for results, stderr for everything else. */
export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export const processIO: CliIO = { stdout: process.stdout, stderr: process.stderr };

/** A logger that writes human messages to stderr. */
export function stderrLogger(io: CliIO): Logger {
  return {
    info: (message) => io.stderr.write(`${message}\n`),
    warn: (message) => io.stderr.write(`warning: ${message}\n`),
    error: (message) => io.stderr.write(`error: ${message}\n`),
  };
}

/**
 * Prints an error the way a user should see it: the message and what to do for errors we
 * raise on purpose, the stack for anything unexpected. Passwords in URLs are masked.
 */
export function printError(io: CliIO, err: unknown): void {
  if (err instanceof TenantseedError) {
    io.stderr.write(`error: ${redactUrl(err.message)}\n`);
    if (err.hint) io.stderr.write(`hint: ${err.hint}\n`);
    return;
  }
  const text = err instanceof Error ? err.stack ?? err.message : String(err);
  io.stderr.write(`unexpected error (please report it): ${redactUrl(text)}\n`);
}
