/**
 * Evenly spread points of [0, 1) for draws that must follow a distribution closely even over a
 * few rows (60 tenants, a table of 200 rows): a Kronecker sequence, point i = frac(offset + i * a)
 * with `a` a quadratic irrational (a second index adds j * b, a two-dimensional sequence). Every prefix of it is evenly spread (its discrepancy falls
 * like log(n) / n, where independent draws only reach 1 / sqrt(n)), and point i depends on i
 * alone: a row keeps its point when rows are added.
 */

/** Fractional parts of quadratic irrationals (golden ratio, sqrt 2, 3, 5, 6, 7, 11, 13, 14, 19, 21, 22): small partial quotients, even spread. */
const STEPS = [
  0.6180339887498949, 0.41421356237309515, 0.7320508075688772, 0.2360679774997898, 0.4494897427831779, 0.6457513110645907,
  0.3166247903554, 0.6055512754639891, 0.7416573867739413, 0.3588989435406736, 0.5825756949558398, 0.6904157598234297,
];

/**
 * Point `i` of the sequence keyed by `key` (a 32-bit key: its offset and which step it takes,
 * so that two columns of a table are not locked to one another); `j`, a second index (the
 * tenant's position), moves the start of the sequence by a second step: the rows of many
 * tenants together are then evenly spread too, not only each tenant's own.
 *
 * @example
 * spreadPoint(hashString('users.role'), 0) // a number in [0, 1)
 */
export function spreadPoint(key: number, i: number, j = 0, steps?: readonly [number, number]): number {
  const k = key >>> 0;
  const x = k / 4294967296 + i * STEPS[steps?.[0] ?? k % STEPS.length] + j * STEPS[steps?.[1] ?? (k + 1) % STEPS.length];
  return x - Math.floor(x);
}

/**
 * Steps of STEPS that are rationally independent of one another: 0.618 (sqrt 5) and 0.236 (sqrt 5
 * too) differ by 1/2, so two sequences taking them move in lock-step.
 */
const INDEPENDENT_STEPS = [0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11];

/**
 * A step of its own for each x-spread column of a table (by name, so adding a column moves at most
 * the ones named after it), for {@link spreadPoint}: two columns whose sequences take one step are
 * one sequence shifted, so one's null decision would follow the other's value (a `last_used_at`
 * null only for the oldest `created_at`). The steps of the row and of the tenant (the second
 * index): a table of a few rows a tenant is spread mostly by the tenant's. Beyond 11 columns steps repeat.
 *
 * @example
 * assignSpreadSteps(['created_at', 'last_used_at']) // Map { 'created_at' => [0, 1], 'last_used_at' => [1, 2] }
 */
export function assignSpreadSteps(columns: readonly string[]): Map<string, [number, number]> {
  const at = (i: number) => INDEPENDENT_STEPS[i % INDEPENDENT_STEPS.length];
  return new Map([...columns].sort().map((name, i) => [name, [at(i), at(i + 3)]]));
}

/**
 * The quantile function of a distribution given by its values at evenly spaced probabilities
 * (0, 1/k, ..., 1: what introspect --learn-from writes), linear between them.
 *
 * @example
 * quantileAt([0, 1, 10], 0.75) // 5.5
 */
export function quantileAt(quantiles: readonly number[], u: number): number {
  if (quantiles.length === 1) return quantiles[0];
  const x = Math.min(Math.max(u, 0), 1) * (quantiles.length - 1);
  const i = Math.min(Math.floor(x), quantiles.length - 2);
  return quantiles[i] + (x - i) * (quantiles[i + 1] - quantiles[i]);
}
