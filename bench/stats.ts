/**
 * Summary statistics for the benchmark. Percentiles interpolate linearly between closest ranks
 * (the same definition as numpy's default), so small samples give stable, comparable values.
 */

export interface Summary {
  n: number;
  min: number;
  p25: number;
  median: number;
  p75: number;
  p99: number;
  max: number;
  mean: number;
}

/** The q-th quantile (0..1) of the values; NaN for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

export function summarize(values: readonly number[]): Summary {
  const sum = values.reduce((a, b) => a + b, 0);
  return {
    n: values.length,
    min: values.length === 0 ? NaN : Math.min(...values),
    p25: quantile(values, 0.25),
    median: quantile(values, 0.5),
    p75: quantile(values, 0.75),
    p99: quantile(values, 0.99),
    max: values.length === 0 ? NaN : Math.max(...values),
    mean: values.length === 0 ? NaN : sum / values.length,
  };
}

/** Rounds for the report (JSON and Markdown): `digits` decimals, NaN kept as null by JSON. */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Every number of a summary rounded. */
export function rounded(summary: Summary, digits = 2): Summary {
  return Object.fromEntries(
    Object.entries(summary).map(([k, v]) => [k, k === "n" ? v : round(v, digits)]),
  ) as unknown as Summary;
}

/** Alternates a list of variants across rounds, rotating the order so none always goes first. */
export function interleave<T>(variants: readonly T[], rounds: number): T[] {
  const out: T[] = [];
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < variants.length; i++) out.push(variants[(r + i) % variants.length]);
  }
  return out;
}
