/**
 * The error hierarchy of tenantseed. Every error the library raises on purpose is a
 * `TenantseedError`: a message that names the objects involved and a `hint` that says what
 * to do next. Only the CLI maps these to exit codes (see `exitCodeFor` in src/cli).
 *
 * This module imports nothing, so every other module may use it.
 */

/** Options shared by every tenantseed error. */
export interface TenantseedErrorOptions {
  /** What the user should do next, one sentence. */
  hint?: string;
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * Base class of every error tenantseed raises on purpose.
 *
 * @example
 * try { await migrate({ knex, action: 'latest' }); }
 * catch (err) { if (err instanceof TenantseedError) console.error(err.message, err.hint); }
 */
export class TenantseedError extends Error {
  readonly hint?: string;

  constructor(message: string, options: TenantseedErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

/** Bad input: arguments, flags or environment variables (exit code 2). */
export class UsageError extends TenantseedError {}

/** A definition file that is malformed or inconsistent (exit code 2). */
export class DefinitionError extends TenantseedError {
  readonly file?: string;
  readonly pointer?: string;

  constructor(message: string, options: TenantseedErrorOptions & { file?: string; pointer?: string } = {}) {
    super(message, options);
    this.file = options.file;
    this.pointer = options.pointer;
  }
}

/** An environment profile that is missing, malformed or inconsistent (exit code 2). */
export class ProfileError extends TenantseedError {
  readonly file?: string;

  constructor(message: string, options: TenantseedErrorOptions & { file?: string } = {}) {
    super(message, options);
    this.file = options.file;
  }
}

/** An operation refused by a safety guard; nothing was changed (exit code 3). */
export class SafetyError extends TenantseedError {}

/** The database could not be reached or started (exit code 1). */
export class ConnectionError extends TenantseedError {
  readonly host?: string;
  readonly port?: number;

  constructor(message: string, options: TenantseedErrorOptions & { host?: string; port?: number } = {}) {
    super(message, options);
    this.host = options.host;
    this.port = options.port;
  }
}

/** A database operation failed (exit code 1). Built from a pg error by `toDatabaseError`. */
export class DatabaseError extends TenantseedError {
  readonly table?: string;
  readonly constraint?: string;
  readonly sqlState?: string;

  constructor(
    message: string,
    options: TenantseedErrorOptions & { table?: string; constraint?: string; sqlState?: string } = {},
  ) {
    super(message, options);
    this.table = options.table;
    this.constraint = options.constraint;
    this.sqlState = options.sqlState;
  }
}

/** A migration failed; the migrator rolled it back (exit code 1). */
export class MigrationError extends TenantseedError {
  readonly migration?: string;

  constructor(message: string, options: TenantseedErrorOptions & { migration?: string } = {}) {
    super(message, options);
    this.migration = options.migration;
  }
}

/** The longest user input that a message quotes whole; longer input is cut (see {@link quoteInput}). */
export const QUOTED_INPUT_MAX = 60;

/**
 * A value the user gave (a flag, a name read from a file), quoted for a message and cut when
 * long, so that a 10 kB argument does not fill the terminal: `"aaaa…" (10240 characters)`.
 *
 * @example
 * throw new UsageError(`--slug ${quoteInput(slug)} is not valid`);
 */
export function quoteInput(value: unknown, max: number = QUOTED_INPUT_MAX): string {
  const text = String(value);
  const chars = Array.from(text);
  if (chars.length <= max) return JSON.stringify(text);
  return `${JSON.stringify(chars.slice(0, max).join(''))}… (${chars.length} characters)`;
}
