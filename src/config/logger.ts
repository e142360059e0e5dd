/**
 * What the library logs through. The library is silent by default; the CLI passes one that
 * writes to stderr.
 *
 * @example
 * const logger: Logger = { info: console.error, warn: console.error, error: console.error };
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug?(message: string): void;
}

/** A logger that drops everything: the library's default. */
export const silentLogger: Logger = Object.freeze({
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
});
