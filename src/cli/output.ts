import { Logger, passwordsIn, redactSecrets } from '../config';
import { TenantseedError } from '../errors';

/** Where the CLI writes: stdout for results, stderr for everything else. */
export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export const processIO: CliIO = { stdout: process.stdout, stderr: process.stderr };

/**
 * The passwords this process was given (`--database-url`, `DATABASE_URL`, `TEST_DATABASE_URL`,
 * `PGPASSWORD`), masked wherever they appear in what the CLI prints, whatever the form.
 */
function knownPasswords(): string[] {
  const argv = process.argv;
  const flags = argv.flatMap((a, i) => (a === '--database-url' ? [argv[i + 1] ?? ''] : a.startsWith('--database-url=') ? [a.slice('--database-url='.length)] : []));
  const env = process.env;
  return [...flags, env.DATABASE_URL, env.TEST_DATABASE_URL].flatMap((c) => passwordsIn(c)).concat(env.PGPASSWORD ? [env.PGPASSWORD] : []);
}

/** Text with every password masked ({@link redactSecrets}, with the passwords this process was given). */
export function redact(text: string): string {
  return redactSecrets(text, knownPasswords());
}

/** A logger that writes human messages to stderr. */
export function stderrLogger(io: CliIO): Logger {
  return {
    info: (message) => io.stderr.write(`${redact(message)}\n`),
    warn: (message) => io.stderr.write(`warning: ${redact(message)}\n`),
    error: (message) => io.stderr.write(`error: ${redact(message)}\n`),
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
    io.stderr.write(`error: ${cutLongRuns(redact(err.message))}
`);
    if (err.hint) io.stderr.write(`hint: ${cutLongRuns(redact(err.hint))}
`);
    return;
  }
  const text = err instanceof Error ? err.stack ?? err.message : String(err);
  io.stderr.write(`unexpected error (please report it): ${redact(text)}\n`);
}
