import { assignSpreadSteps, spreadPoint } from '../../../src/generate/spread-points';

/**
 * Two x-spread columns of one table draw at points of two sequences; when both take one step,
 * one sequence is the other shifted, and one column's null decision follows the other's value.
 * assignSpreadSteps gives each column of a table steps of its own.
 */
describe('spread points of the columns of one table', () => {
  // Two keys that take the same step by key alone (key % 12 equal).
  const [a, b] = [0x1234_5670, 0x1234_5670 + 12 * 977];

  it('moves in lock-step when two columns take one step by their keys', () => {
    const gaps = new Set(Array.from({ length: 50 }, (_v, i) => (spreadPoint(b, i) - spreadPoint(a, i) + 1).toFixed(9).slice(-9)));
    expect(gaps.size).toBe(1);
  });

  it('gives each column its own row and tenant steps, so the pairs of points fill the square evenly', () => {
    const steps = assignSpreadSteps(['last_used_at', 'created_at', 'revoked_at']);
    expect(new Set([...steps.values()].map((s) => s[0])).size).toBe(3);
    const cells = new Array(16).fill(0);
    let n = 0;
    for (let j = 0; j < 60; j++) {
      for (let i = 0; i < 3; i++) {
        const u = spreadPoint(a, i, j, steps.get('created_at'));
        const v = spreadPoint(b, i, j, steps.get('last_used_at'));
        cells[Math.floor(u * 4) * 4 + Math.floor(v * 4)]++;
        n++;
      }
    }
    // 180 pairs, 11.25 a cell: locked sequences leave most cells empty.
    for (const c of cells) expect(Math.abs(c - n / 16)).toBeLessThanOrEqual(n / 16 * 0.5);
  });

  it('never gives two columns the two steps of one irrational (0.618 and 0.236 differ by 1/2)', () => {
    const steps = assignSpreadSteps(Array.from({ length: 11 }, (_v, i) => `c${String(i).padStart(2, '0')}`));
    const rows = [...steps.values()].map((s) => s[0]);
    expect(new Set(rows).size).toBe(11);
    expect(rows.includes(0) && rows.includes(3)).toBe(false);
  });
});
