import { createHash, Hash } from 'node:crypto';
import type { Row } from './table-plan';
import { copyTextLine } from './copy-text';
import { generatorSignature } from './generator-version';

/**
 * A running fingerprint of a dataset: SHA-256 over the generator version and its data sources' versions, each table's name
 * and columns, and each row in COPY text form, in order. Equal fingerprints mean
 * byte-identical rows.
 *
 * @example
 * const fp = new Fingerprint(GENERATOR_VERSION);
 * fp.table('users', ['tenant_id', 'id']); fp.row(row);
 * fp.digest(); // 'sha256:4f2c...'
 */
export class Fingerprint {
  private readonly hash: Hash = createHash('sha256');
  private readonly counts = new Map<string, number>();
  private current = '';

  constructor(generatorVersion: number) {
    this.hash.update(`${generatorSignature(generatorVersion)}\n`);
  }

  table(name: string, columns: readonly string[]): void {
    this.current = name;
    this.counts.set(name, this.counts.get(name) ?? 0);
    this.hash.update(`\n#table ${name} (${columns.join(',')})\n`);
  }

  /** Adds a row (or its COPY text line, when the caller made it already). */
  row(row: Row | string): void {
    this.hash.update(typeof row === 'string' ? row : copyTextLine(row));
    this.count(1);
  }

  /**
   * Adds `count` rows already written as COPY text lines in UTF-8: the same bytes that
   * {@link row} hashes for them one by one, so the digest does not change.
   */
  lines(bytes: Uint8Array, count: number): void {
    this.hash.update(bytes);
    this.count(count);
  }

  private count(rows: number): void {
    this.counts.set(this.current, (this.counts.get(this.current) ?? 0) + rows);
  }

  /** Rows seen per table. */
  rowCounts(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}
