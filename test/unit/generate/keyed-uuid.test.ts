import fc from 'fast-check';
import { combine, keyedUuid, permute32 } from '../../../src/generate/keyed-random';

/** keyedUuid as it was first written, from hex strings: the spelling the fingerprints pin. */
function keyedUuidFromStrings(key: number, row: number): string {
  const hex32 = (w: number) => (w >>> 0).toString(16).padStart(8, '0');
  const w0 = permute32(row, key);
  const w1 = combine(key, w0);
  const w2 = combine(w1, row);
  const w3 = combine(w2, key ^ 0x5bd1e995);
  const a = hex32(w0);
  const b = hex32(w1);
  const c = hex32(((w2 & 0x3fffffff) | 0x80000000) >>> 0);
  const d = hex32(w3);
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${c.slice(0, 4)}-${c.slice(4)}${d}`;
}

describe('keyedUuid', () => {
  it('spells the same UUID as the string-built original for any key and row', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.nat(), (key, row) => {
      expect(keyedUuid(key, row)).toBe(keyedUuidFromStrings(key, row));
    }), { numRuns: 20_000 });
  });

  it('returns strings that later calls do not change (the buffer it spells in is reused)', () => {
    const first = keyedUuid(1, 1);
    keyedUuid(2, 2);
    expect(first).toBe(keyedUuidFromStrings(1, 1));
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
