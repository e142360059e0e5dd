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

/** Runs of text without spaces longer than this (a 10 kB flag echoed by yargs, say) are cut in printed errors. */
const LONGEST_PRINTED_RUN = 200;

/** Cuts every run of non-space characters longer than {@link LONGEST_PRINTED_RUN}, saying how long it was. */
export function cutLongRuns(text: string): string {
  return text.replace(new RegExp(`\\S{${LONGEST_PRINTED_RUN + 1},}`, 'gu'), (run) => `${Array.from(run).slice(0, 60).join('')}… (${Array.from(run).length} characters)`);
}

/**
 * Prints an error the way a user should see it: the message and what to do for errors we
 * raise on purpose, the stack for anything unexpected. Passwords in URLs are masked.
 */
export function printError(io: CliIO, err: unknown): void {
  if (err instanceof TenantseedError) {
    io.stderr.write(`error: ${cutLongRuns(redactUrl(err.message))}\n`);
    if (err.hint) io.stderr.write(`hint: ${cutLongRuns(err.hint)}\n`);
    return;
  }
  const text = err instanceof Error ? err.stack ?? err.message : String(err);
  io.stderr.write(`unexpected error (please report it): ${redactUrl(text)}\n`);
}
