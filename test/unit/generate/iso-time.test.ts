import fc from 'fast-check';
import { isoMillis, isoString, parseIso } from '../../../src/generate/iso-time';

/** The whole range a Date holds, and the years 1000-9999 the fast path takes, more densely. */
const anyMs = fc.oneof(
  fc.integer({ min: -8.64e15, max: 8.64e15 }),
  fc.integer({ min: -30_610_224_000_000 - 1000, max: 253_402_300_800_000 + 1000 }),
  fc.integer({ min: 0, max: 2_000_000_000_000 }),
);

describe('isoString and parseIso', () => {
  it('write what toISOString writes, for any time a Date holds', () => {
    fc.assert(fc.property(anyMs, (ms) => {
      expect(isoString(ms)).toBe(new Date(ms).toISOString());
    }), { numRuns: 20_000 });
  });

  it('read back what Date.parse reads, for toISOString\'s text and for text that only looks like it', () => {
    const looksIso = fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }),
      fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }), fc.integer({ min: 0, max: 61 }), fc.integer({ min: 0, max: 999 }))
      .map(([y, mo, d, h, mi, s, ms]) => `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(ms).padStart(3, '0')}Z`);
    const text = fc.oneof(anyMs.map((ms) => new Date(ms).toISOString()), looksIso, fc.string({ minLength: 24, maxLength: 24 }));
    fc.assert(fc.property(text, (t) => {
      expect(Object.is(parseIso(t), Date.parse(t))).toBe(true);
    }), { numRuns: 20_000 });
  });

  it('leaves other spellings to Date.parse', () => {
    expect(isoMillis('2026-01-02 03:04:05Z')).toBeUndefined();
    expect(isoMillis('2026-02-30T00:00:00.000Z')).toBeUndefined();
    expect(isoMillis('2026-01-02T24:00:00.000Z')).toBeUndefined();
    expect(parseIso('2026-01-02T24:00:00.000Z')).toBe(Date.parse('2026-01-02T24:00:00.000Z'));
    expect(isoString(1)).toBe('1970-01-01T00:00:00.001Z');
    expect(() => isoString(Number.NaN)).toThrow(RangeError);
  });
});
