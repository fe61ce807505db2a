/**
 * Timing with warm-up, interleaved rounds and medians. The machine is shared
 * (2 cores, several processes), so medians, not means: a sample that lost the
 * CPU to another process lands in the tail and does not move the median; and
 * candidates are timed in alternation, so a change of load hits all of them.
 */
import { median } from '../util.js';

export interface Timing {
  /** Median wall time of one call, milliseconds. */
  readonly medianMs: number;
  /** Fastest call, milliseconds (the least disturbed by other processes). */
  readonly minMs: number;
  /** Calls timed (after warm-up), over all rounds. */
  readonly reps: number;
  /** Warm-up calls (untimed; let V8 optimise and caches fill). */
  readonly warmup: number;
}

export interface TimingOptions {
  /** Untimed calls first, per candidate: at least this many, and warmupMs shared among candidates. */
  readonly warmup?: number;
  readonly warmupMs?: number;
  /** Rounds: at least minRounds, then more until budgetMs is spent, at most maxRounds. */
  readonly minRounds?: number;
  readonly maxRounds?: number;
  readonly budgetMs?: number;
}

export { median };

let kept: unknown;
/** Keep a result alive so the optimiser cannot drop the call that made it. */
export function keep(x: unknown): void {
  kept = x;
}
/** The last kept value (read so that `kept` is observably live). */
export function lastKept(): unknown {
  return kept;
}

export interface RoundsTiming {
  /** Per candidate, in the order given. */
  readonly timings: readonly Timing[];
  /**
   * Median over rounds of (candidate's time / base candidate's time in the same round).
   * A change of machine load during the run hits both alike, so this ratio is steadier
   * than a ratio of separately measured medians.
   */
  ratioTo(base: number): number[];
}

/**
 * Time several candidates in interleaved rounds: each round times every candidate once
 * (a batch of calls lasting ~0.5 ms, sized from its warm-up). Rounds continue until
 * budgetMs is spent, at least minRounds of them.
 */
export function timeRounds(fns: readonly (() => unknown)[], opts: TimingOptions = {}): RoundsTiming {
  const warmup = opts.warmup ?? 3;
  const warmupMs = opts.warmupMs ?? 150;
  const minRounds = opts.minRounds ?? 10;
  const maxRounds = opts.maxRounds ?? 2000;
  const budgetMs = opts.budgetMs ?? 1500;
  let sink: unknown;
  const warm = fns.map((fn) => {
    const t0 = performance.now();
    let w = 0;
    while (w < warmup || performance.now() - t0 < warmupMs / fns.length) {
      sink = fn();
      w++;
    }
    // Size batches from warm calls (the first calls run unoptimised code): best of three.
    let perCall = Infinity;
    for (let i = 0; i < 3; i++) {
      const s = performance.now();
      sink = fn();
      perCall = Math.min(perCall, performance.now() - s);
    }
    return { w: w + 3, perCall };
  });
  const batch = warm.map(({ perCall }) => Math.max(1, Math.min(1000, Math.floor(0.5 / Math.max(perCall, 1e-6)))));
  const samples = fns.map(() => [] as number[]);
  const t0 = performance.now();
  let rounds = 0;
  while (rounds < minRounds || (rounds < maxRounds && performance.now() - t0 < budgetMs)) {
    fns.forEach((fn, i) => {
      const s = performance.now();
      for (let b = 0; b < batch[i]!; b++) sink = fn();
      samples[i]!.push((performance.now() - s) / batch[i]!);
    });
    rounds++;
  }
  keep(sink);
  return {
    timings: samples.map((s, i) => ({ medianMs: median(s), minMs: Math.min(...s), reps: s.length * batch[i]!, warmup: warm[i]!.w })),
    ratioTo: (base) => samples.map((s) => median(s.map((v, r) => v / samples[base]![r]!))),
  };
}
