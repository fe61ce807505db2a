/**
 * Timing with warm-up and a median over repetitions. The machine is shared
 * (2 cores, several processes), so medians, not means: a repetition that lost
 * the CPU to another process lands in the tail and does not move the median.
 */
export interface Timing {
  /** Median wall time of one call, milliseconds. */
  readonly medianMs: number;
  /** Fastest call, milliseconds (the least disturbed by other processes). */
  readonly minMs: number;
  /** Timed repetitions (after warm-up). */
  readonly reps: number;
  /** Warm-up calls (untimed; let V8 optimise and caches fill). */
  readonly warmup: number;
}

export interface TimingOptions {
  /** Untimed calls first; at least this many and at least warmupMs of them. */
  readonly warmup?: number;
  readonly warmupMs?: number;
  /** Timed calls: at least minReps, then more until budgetMs is spent, at most maxReps. */
  readonly minReps?: number;
  readonly maxReps?: number;
  readonly budgetMs?: number;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of an empty list');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : 0.5 * (s[m - 1]! + s[m]!);
}

/**
 * Time fn. Each sample times a batch of calls big enough to last ~0.5 ms so that
 * timer resolution does not dominate sub-microsecond operations; the reported
 * figures are per call.
 */
export function timeIt(fn: () => unknown, opts: TimingOptions = {}): Timing {
  const warmup = opts.warmup ?? 5;
  const warmupMs = opts.warmupMs ?? 200;
  const minReps = opts.minReps ?? 15;
  const maxReps = opts.maxReps ?? 2000;
  const budgetMs = opts.budgetMs ?? 1500;
  let sink: unknown;
  const w0 = performance.now();
  let w = 0;
  while (w < warmup || performance.now() - w0 < warmupMs) {
    sink = fn();
    w++;
  }
  // Calls per sample: enough for about 0.5 ms, judged from the warm-up.
  const perCall = (performance.now() - w0) / w;
  const batch = Math.max(1, Math.min(1000, Math.floor(0.5 / Math.max(perCall, 1e-6))));
  const samples: number[] = [];
  const t0 = performance.now();
  while (samples.length < minReps || (samples.length < maxReps && performance.now() - t0 < budgetMs)) {
    const s = performance.now();
    for (let i = 0; i < batch; i++) sink = fn();
    samples.push((performance.now() - s) / batch);
  }
  keep(sink);
  return { medianMs: median(samples), minMs: Math.min(...samples), reps: samples.length * batch, warmup: w };
}

let kept: unknown;
/** Keep a result alive so the optimiser cannot drop the call that made it. */
export function keep(x: unknown): void {
  kept = x;
}
export function lastKept(): unknown {
  return kept;
}
