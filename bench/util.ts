/**
 * Shared benchmark helpers: medians over repetitions, interleaved rounds (so that a
 * change of machine load hits every candidate alike and ratios stay meaningful), the
 * load average to print beside every figure, and a collector handle for heap readings.
 */
import { cpus, loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of an empty list');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : 0.5 * (s[m - 1]! + s[m]!);
}

export interface RoundsResult {
  /** Median wall time per call of each candidate, ms. */
  ms: number[];
  /** Median over rounds of each candidate's time divided by the `base` candidate's. */
  ratioTo(base: number): number[];
}

/**
 * Times candidates in interleaved rounds: each round calls every candidate `batch` times.
 * Rounds continue until `budgetMs` is spent (at least `minRounds`).
 */
export function timeRounds(fns: readonly (() => unknown)[], opts: { minRounds?: number; budgetMs?: number; warmupMs?: number } = {}): RoundsResult {
  const minRounds = opts.minRounds ?? 7;
  const budgetMs = opts.budgetMs ?? 3000;
  let sink: unknown;
  // warm-up: JIT and allocation; also sizes the batches to ~2 ms per sample
  const per = fns.map((fn) => {
    const t0 = performance.now();
    let n = 0;
    while (n < 3 || performance.now() - t0 < (opts.warmupMs ?? 300) / fns.length) {
      sink = fn();
      n++;
    }
    return (performance.now() - t0) / n;
  });
  const batch = per.map((p) => Math.max(1, Math.min(10_000, Math.floor(2 / Math.max(p, 1e-6)))));
  const samples = fns.map(() => [] as number[]);
  const t0 = performance.now();
  while (samples[0]!.length < minRounds || performance.now() - t0 < budgetMs) {
    fns.forEach((fn, i) => {
      const s = performance.now();
      for (let b = 0; b < batch[i]!; b++) sink = fn();
      samples[i]!.push((performance.now() - s) / batch[i]!);
    });
  }
  void sink;
  return {
    ms: samples.map(median),
    ratioTo: (base) => samples.map((s) => median(s.map((v, r) => v / samples[base]![r]!))),
  };
}

/** "load 3.2 4.1 2.0 on 2 cpus": to print beside every figure (the machine is shared). */
export function loadNote(): string {
  return `load ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cpus`;
}

/** V8's full collector, without requiring --expose-gc on the command line. */
export function collector(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Heap in use after two full collections, MB. */
export function heapAfterGc(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

export const fmt = (v: number, digits = 3): string => (Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(digits));
