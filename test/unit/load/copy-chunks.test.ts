import fc from 'fast-check';
import { copyTextLine, Fingerprint, Row } from '../../../src/generate';
import { CopyChunk, copyTextChunks } from '../../../src/load/copy-chunks';

/** Values as the generator makes them: text with every character COPY escapes, and beyond the BMP. */
const value = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.constantFrom('a\tb', 'line\nbreak', 'back\\slash', 'cr\r', 'é', '日本', '🙂', '\ud800 lone'),
  fc.integer(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null),
  fc.dictionary(fc.string(), fc.oneof(fc.string({ unit: 'binary' }), fc.integer())),
  fc.array(fc.string()),
);
const rows = fc.array(fc.array(value, { minLength: 1, maxLength: 6 }), { maxLength: 60 });

function fingerprintByRow(list: Row[]): string {
  const fp = new Fingerprint(3);
  fp.table('t', ['a']);
  for (const row of list) fp.row(row);
  return fp.digest();
}

function chunked(list: Row[], chunkBytes: number, encode?: (row: Row) => Row): { chunks: CopyChunk[]; digest: string; counts: Record<string, number> } {
  const fp = new Fingerprint(3);
  fp.table('t', ['a']);
  const chunks = [...copyTextChunks(list, { fingerprint: fp, chunkBytes, encode })];
  return { chunks, counts: fp.rowCounts(), digest: fp.digest() };
}

describe('copyTextChunks', () => {
  it('writes the bytes of the rows\' COPY text lines, and the fingerprint of hashing them row by row, at any chunk size', () => {
    fc.assert(fc.property(rows, fc.constantFrom(16, 64, 1024, 256 * 1024), (list, chunkBytes) => {
      const { chunks, digest, counts } = chunked(list, chunkBytes);
      expect(Buffer.concat(chunks.map((c) => c.bytes)).equals(Buffer.from(list.map((r) => copyTextLine(r)).join('')))).toBe(true);
      expect(digest).toBe(fingerprintByRow(list));
      expect(counts).toEqual({ t: list.length });
      expect(chunks.reduce((n, c) => n + c.rows, 0)).toBe(list.length);
      for (const c of chunks) {
        expect(c.rows).toBeGreaterThan(0);
        // Larger than a chunk only when one line is.
        if (c.bytes.length > chunkBytes) expect(c.rows).toBe(1);
      }
    }), { numRuns: 300 });
  });

  it('sends the encoded rows but fingerprints the rows as generated', () => {
    const list: Row[] = [['a', ['x', 'y']], ['b', ['z\tq']]];
    const encode = (row: Row): Row => row.map((v) => (Array.isArray(v) ? `{${v.join(',')}}` : v));
    const { chunks, digest } = chunked(list, 8, encode);
    expect(Buffer.concat(chunks.map((c) => c.bytes)).toString()).toBe('a\t{x,y}\nb\t{z\\tq}\n');
    expect(digest).toBe(fingerprintByRow(list));
  });

  it('makes no chunk for no rows', () => {
    expect([...copyTextChunks([])]).toEqual([]);
  });
});
