/** Figures of the coordinator benchmark: latency samples, percentiles and the printed lines. */

/** Timings of one side (coordinator or baseline) of a workload. */
export class Samples {
  /** Per-command (or per-call) latency, in ms. */
  readonly latencies: number[] = [];
  /** Wall time of each round, in ms. */
  readonly rounds: number[] = [];
  /** Commands (or calls) done. */
  count = 0;

  /** Wall time of all rounds together, in ms. */
  get totalMs(): number {
    return this.rounds.reduce((a, b) => a + b, 0);
  }

  /** Commands per second over all rounds. */
  get perSecond(): number {
    return this.totalMs > 0 ? (this.count * 1000) / this.totalMs : 0;
  }

  /** Mean wall time per command, in ms. */
  get msPerCommand(): number {
    return this.count > 0 ? this.totalMs / this.count : 0;
  }

  percentile(p: number): number {
    return percentile(this.latencies, p);
  }
}

/** The `p`-th percentile (nearest rank) of `values`; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Median of `values`; NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/**
 * Coordinator time / baseline time of a workload: the median over rounds of the paired round
 * times (both sides of a round ran back to back, so they saw the same machine load).
 */
export function pairedRatio(coordinator: Samples, baseline: Samples): number {
  const n = Math.min(coordinator.rounds.length, baseline.rounds.length);
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) {
    const perCoordinator = coordinator.rounds[i]!;
    const perBaseline = baseline.rounds[i]!;
    if (perBaseline > 0) ratios.push(perCoordinator / perBaseline);
  }
  return median(ratios);
}

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

/** `812 cmd/s  p50 1.10 ms  p99 2.31 ms`. */
export function describe(s: Samples, unit: string): string {
  return `${Math.round(s.perSecond).toLocaleString("en-US").padStart(6)} ${unit}/s  p50 ${ms(s.percentile(50)).padStart(5)} ms  p99 ${ms(s.percentile(99)).padStart(5)} ms`;
}

/** Times `fn` in ms. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}
