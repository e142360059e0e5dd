import type { Category, ColumnStatistics, CountDistribution, SourceStatistics } from '../db';

/**
 * The fidelity of a generated database to a source: per column, the distance between their
 * distributions as both databases' statistics show them (total-variation distance of categorical
 * values, Kolmogorov-Smirnov distance of numbers and dates, the difference of null fractions),
 * and the quantiles of rows per tenant and children per parent. Pure: two sets of statistics in,
 * a report out.
 */

/** The limits a column or count passes within. */
export const FIDELITY_LIMITS = { tvd: 0.05, ks: 0.1, nullFraction: 0.02, quantile: 0.2, quantileRows: 1 } as const;

/**
 * The quantiles of counts compared (as indices of QUANTILE_POINTS): 10%, 25%, 50%, 75% and 90%
 * decide; the largest is shown, not judged (one group: a few rows of a small parent swing it).
 */
export const COMPARED_QUANTILES: readonly { label: string; index: number; judged: boolean }[] = [
  { label: 'p10', index: 2, judged: true }, { label: 'p25', index: 5, judged: true }, { label: 'p50', index: 10, judged: true },
  { label: 'p75', index: 15, judged: true }, { label: 'p90', index: 18, judged: true }, { label: 'max', index: 20, judged: false },
];

/** One column compared. */
export interface ColumnFidelity {
  readonly table: string;
  readonly column: string;
  readonly kind: ColumnStatistics['kind'];
  readonly nullFraction: { readonly source: number; readonly target: number; readonly difference: number; readonly ok: boolean };
  /** Categorical columns: shares of the non-null values on each side. */
  readonly tvd?: { readonly value: number; readonly ok: boolean; readonly source: readonly Category[]; readonly target: readonly Category[] };
  /** Numbers and dates (epoch ms): the distance, and each side's CDF at shared points for a chart. */
  readonly ks?: { readonly value: number; readonly ok: boolean; readonly points: readonly number[]; readonly source: readonly number[]; readonly target: readonly number[] };
  readonly ok: boolean;
}

/** Rows per tenant of a table, or children per parent of a reference, compared by quantiles. */
export interface CountFidelity {
  readonly name: string;
  /** Both sides' quantiles at 0%, 5%, ..., 100%. */
  readonly source: readonly number[];
  readonly target: readonly number[];
  /** At each of {@link COMPARED_QUANTILES}: both values and their relative difference (0.1: 10%; 0 within a row under 5 rows). */
  readonly compared: readonly { readonly label: string; readonly source: number; readonly target: number; readonly difference: number; readonly ok: boolean }[];
  readonly ok: boolean;
}

/** What {@link compareDistributions} finds. */
export interface FidelityReport {
  readonly ok: boolean;
  readonly source: { readonly database: string; readonly role: string };
  readonly target: { readonly database: string };
  readonly limits: typeof FIDELITY_LIMITS;
  readonly columns: readonly ColumnFidelity[];
  readonly rowsPerTenant: readonly CountFidelity[];
  readonly childrenPerParent: readonly CountFidelity[];
  /** What could not be compared: a column or count the source or the target statistics lack. */
  readonly notCompared: readonly string[];
}

/** Shares of the non-null values. */
function categoryShares(stats: ColumnStatistics): Category[] {
  const total = (stats.categories ?? []).reduce((a, c) => a + c.frequency, 0);
  return (stats.categories ?? []).map((c) => ({ value: c.value, frequency: total > 0 ? c.frequency / total : 0 }));
}

function totalVariation(a: readonly Category[], b: readonly Category[]): number {
  const keys = new Set([...a, ...b].map((c) => JSON.stringify(c.value)));
  let sum = 0;
  for (const key of keys) {
    const p = a.find((c) => JSON.stringify(c.value) === key)?.frequency ?? 0;
    const q = b.find((c) => JSON.stringify(c.value) === key)?.frequency ?? 0;
    sum += Math.abs(p - q);
  }
  return sum / 2;
}

/** The CDF of the non-null values as the statistics hold them: common values as steps, the rest linear between equal-frequency bounds. */
export function statisticsCdf(stats: ColumnStatistics): (x: number) => number {
  const nonNull = Math.max(1e-12, 1 - stats.nullFraction);
  const common = (stats.common ?? []).map((c) => ({ value: c.value, share: c.frequency / nonNull }));
  const bounds = stats.histogram ?? [];
  const commonShare = common.reduce((a, c) => a + c.share, 0);
  const histogramShare = bounds.length >= 2 ? Math.max(0, 1 - commonShare) : 0;
  const total = commonShare + histogramShare || 1;
  const linear = (x: number): number => {
    if (bounds.length < 2 || x < bounds[0]) return 0;
    if (x >= bounds[bounds.length - 1]) return 1;
    let i = 0;
    while (i < bounds.length - 2 && x >= bounds[i + 1]) i++;
    const width = bounds[i + 1] - bounds[i];
    return (i + (width > 0 ? (x - bounds[i]) / width : 1)) / (bounds.length - 1);
  };
  return (x) => (common.reduce((a, c) => a + (c.value <= x ? c.share : 0), 0) + histogramShare * linear(x)) / total;
}

function kolmogorovSmirnov(a: ColumnStatistics, b: ColumnStatistics): NonNullable<ColumnFidelity['ks']> {
  const fa = statisticsCdf(a);
  const fb = statisticsCdf(b);
  const points = [...new Set([...(a.histogram ?? []), ...(b.histogram ?? []), ...(a.common ?? []).map((c) => c.value), ...(b.common ?? []).map((c) => c.value)])].sort((x, y) => x - y);
  let worst = 0;
  for (const x of points) {
    const below = x - Math.max(1e-9, Math.abs(x) * 1e-12);
    worst = Math.max(worst, Math.abs(fa(x) - fb(x)), Math.abs(fa(below) - fb(below)));
  }
  // A chart's worth of points: 41 evenly spaced between the smallest and the largest value.
  const lo = points[0] ?? 0;
  const hi = points[points.length - 1] ?? 0;
  const chart = Array.from({ length: 41 }, (_v, i) => lo + ((hi - lo) * i) / 40);
  return { value: worst, ok: worst <= FIDELITY_LIMITS.ks, points: chart, source: chart.map(fa), target: chart.map(fb) };
}

function compareCounts(name: string, source: CountDistribution, target: CountDistribution): CountFidelity {
  const compared = COMPARED_QUANTILES.map(({ label, index, judged }) => {
    const s = source.quantiles[index];
    const t = target.quantiles[index];
    const difference = Math.abs(t - s) <= FIDELITY_LIMITS.quantileRows && s < 5 ? 0 : Math.abs(t - s) / Math.max(s, 1);
    return { label, source: s, target: t, difference, ok: !judged || difference <= FIDELITY_LIMITS.quantile };
  });
  return { name, source: source.quantiles, target: target.quantiles, compared, ok: compared.every((c) => c.ok) };
}

/**
 * Compares a generated database's statistics with a source's, column by column and count by
 * count. A count under 5 rows passes within one row (a whole number of rows cannot be within 20%
 * of 2); otherwise within 20%.
 *
 * @example
 * const report = compareDistributions(sourceStats, targetStats);
 * report.columns.filter((c) => !c.ok)
 */
export function compareDistributions(source: SourceStatistics, target: SourceStatistics): FidelityReport {
  const columns: ColumnFidelity[] = [];
  const notCompared: string[] = [];
  for (const s of source.columns) {
    const t = target.columns.find((c) => c.table === s.table && c.column === s.column);
    if (!t) {
      notCompared.push(`${s.table}.${s.column}: no statistics in the target (is the table empty?)`);
      continue;
    }
    const difference = Math.abs(s.nullFraction - t.nullFraction);
    const nullFraction = { source: s.nullFraction, target: t.nullFraction, difference, ok: difference <= FIDELITY_LIMITS.nullFraction };
    let tvd: ColumnFidelity['tvd'];
    let ks: ColumnFidelity['ks'];
    if (s.kind === 'categorical' && s.categories && s.categories.length > 0) {
      const a = categoryShares(s);
      const b = categoryShares(t);
      const value = totalVariation(a, b);
      tvd = { value, ok: value <= FIDELITY_LIMITS.tvd, source: a, target: b };
    } else if ((s.kind === 'numeric' || s.kind === 'temporal') && ((s.histogram?.length ?? 0) >= 2 || (s.common?.length ?? 0) > 0)) {
      ks = kolmogorovSmirnov(s, t);
    }
    columns.push({ table: s.table, column: s.column, kind: s.kind, nullFraction, ...(tvd ? { tvd } : {}), ...(ks ? { ks } : {}), ok: nullFraction.ok && (tvd?.ok ?? true) && (ks?.ok ?? true) });
  }
  const counts = (a: Readonly<Record<string, CountDistribution>>, b: Readonly<Record<string, CountDistribution>>, what: string) => Object.keys(a).sort().flatMap((name) => {
    if (!b[name]) {
      notCompared.push(`${what} of ${name}: not read in the target`);
      return [];
    }
    return [compareCounts(name, a[name], b[name])];
  });
  const rowsPerTenant = counts(source.rowsPerTenant, target.rowsPerTenant, 'rows per tenant');
  const childrenPerParent = counts(source.childrenPerParent, target.childrenPerParent, 'children per parent');
  const ok = columns.every((c) => c.ok) && rowsPerTenant.every((c) => c.ok) && childrenPerParent.every((c) => c.ok);
  return { ok, source: { database: source.database, role: source.role }, target: { database: target.database }, limits: FIDELITY_LIMITS, columns, rowsPerTenant, childrenPerParent, notCompared };
}
