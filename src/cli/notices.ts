import type { Logger } from '../config';
import type { CliIO } from './output';

/**
 * What a person would have read on stderr besides progress: bypasses (`--yes: reset destroys
 * ...`), notices and warnings. Each is written to stderr when it happens, and kept, so that a
 * `--json` summary carries them too (issue 33: `--json` must not drop the audit trail).
 */
export class Notices {
  private readonly items: string[] = [];

  constructor(private readonly io: CliIO) {}

  /** Prints the notice on stderr and keeps it for the JSON summary. */
  add(text: string): void {
    this.items.push(text);
    this.io.stderr.write(`${text}\n`);
  }

  /** Every notice so far, in order, as printed. */
  get list(): readonly string[] {
    return [...this.items];
  }

  /** A logger whose warnings are notices too (printed `warning: ...` and kept). */
  logger(base: Logger): Logger {
    return { ...base, warn: (message) => this.add(`warning: ${message}`) };
  }
}
