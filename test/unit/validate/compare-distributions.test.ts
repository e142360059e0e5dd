import type { ColumnStatistics, CountDistribution, SourceStatistics } from '../../../src/db';
import { compareDistributions, statisticsCdf } from '../../../src/validate';
import { renderFidelityHtml } from '../../../src/report';

/**
 * The fidelity report's distances, from two sets of statistics: total variation of categories,
 * Kolmogorov-Smirnov between the CDFs the statistics imply (common values as steps, buckets
 * linear), null fraction differences, and count quantiles within 20% (a row under 5 rows).
 */
const column = (extra: Partial<ColumnStatistics>): ColumnStatistics => ({ table: 't', column: 'c', baseType: 'text', kind: 'categorical', nullFraction: 0, distinct: 3, ...extra });
const counts = (quantiles: number[]): CountDistribution => ({ quantiles, groups: 20, rows: 100, source: 'aggregate' });
const Q = (f: (i: number) => number) => Array.from({ length: 21 }, (_v, i) => f(i));
const stats = (columns: ColumnStatistics[], perTenant: number[], database: string): SourceStatistics => ({
  database, schema: 'public', role: 'r', columns, tableRows: {}, rowsPerTenant: { t: counts(perTenant) }, childrenPerParent: {}, gaps: {}, read: [],
});

describe('compareDistributions', () => {
  it('measures categories by total variation over the non-null values', () => {
    const a = column({ categories: [{ value: 'x', frequency: 0.45 }, { value: 'y', frequency: 0.45 }], nullFraction: 0.1 });
    const b = column({ categories: [{ value: 'x', frequency: 0.6 }, { value: 'z', frequency: 0.4 }], nullFraction: 0.0 });
    const report = compareDistributions(stats([a], Q((i) => i), 'src'), stats([b], Q((i) => i), 'gen'));
    expect(report.columns[0].tvd!.value).toBeCloseTo(0.5, 6);
    expect(report.columns[0].nullFraction).toMatchObject({ difference: 0.1, ok: false });
    expect(report.ok).toBe(false);
  });

  it('measures numbers by the largest gap between the CDFs, common values as steps', () => {
    const cdf = statisticsCdf(column({ kind: 'numeric', common: [{ value: 1, frequency: 0.5 }], histogram: [10, 20, 30], nullFraction: 0 }));
    expect(cdf(0)).toBe(0);
    expect(cdf(1)).toBeCloseTo(0.5);
    expect(cdf(15)).toBeCloseTo(0.625);
    expect(cdf(30)).toBeCloseTo(1);
    const shifted = compareDistributions(
      stats([column({ kind: 'numeric', histogram: [0, 10, 20, 30, 40] })], Q((i) => i), 'src'),
      stats([column({ kind: 'numeric', histogram: [10, 20, 30, 40, 50] })], Q((i) => i), 'gen'),
    );
    expect(shifted.columns[0].ks!.value).toBeCloseTo(0.25, 6);
    expect(shifted.columns[0].ok).toBe(false);
  });

  it('judges count quantiles within 20%, or one row under 5 rows, and shows the largest without judging it', () => {
    const source = Q((i) => (i < 10 ? 2 : i * 10));
    const close = compareDistributions(stats([], source, 'src'), stats([], source.map((q, i) => (i === 20 ? q * 3 : q < 5 ? q + 1 : Math.round(q * 1.15))), 'gen'));
    expect(close.rowsPerTenant[0].ok).toBe(true);
    const far = compareDistributions(stats([], source, 'src'), stats([], source.map((q) => Math.round(q * 1.3)), 'gen'));
    expect(far.rowsPerTenant[0].compared.filter((c) => !c.ok).map((c) => c.label)).toEqual(['p50', 'p75', 'p90']);
    expect(renderFidelityHtml(far)).toMatch(/data-count="t" data-ok="false"/);
  });
});
