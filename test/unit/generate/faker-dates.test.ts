import { FakerPools } from '../../../src/generate/pools';

/**
 * Faker's date methods (`date.future`, `date.past`, `date.between`...) return Dates relative to
 * the clock. A pool must be the same on every day (keyed values, fingerprints), and its values
 * must be text PostgreSQL reads: ISO 8601, not JavaScript's `String(date)`.
 */
describe('Faker date methods in pools', () => {
  afterEach(() => jest.useRealTimers());

  it('draw ISO 8601 text from the profile\'s reference date, whatever the clock says', () => {
    jest.useFakeTimers({ now: new Date('2031-05-05T12:00:00Z') });
    const one = new FakerPools('en', '2026-01-01T00:00:00Z').pool('date.future');
    jest.setSystemTime(new Date('2040-10-10T00:00:00Z'));
    const again = new FakerPools('en', '2026-01-01T00:00:00Z').pool('date.future');
    expect(again).toEqual(one);
    for (const value of one) {
      expect(value).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      const at = Date.parse(value);
      expect(at).toBeGreaterThan(Date.parse('2026-01-01T00:00:00Z'));
      expect(at).toBeLessThanOrEqual(Date.parse('2027-01-01T00:00:00Z'));
    }
  });

  it('follow the reference date it is given', () => {
    const later = new FakerPools('en', '2030-01-01T00:00:00Z').pool('date.past');
    expect(later.every((v) => v < '2030-01-01' && v >= '2029-01-01')).toBe(true);
  });
});
