/**
 * Heap before and after many calls: does a gradient call leave garbage that
 * survives collection (a leak through a global tape, caches that grow)?
 * A full collection runs before each reading, so what remains is live data.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A handle to V8's collector without requiring --expose-gc on the command line. */
function collector(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export interface HeapReading {
  readonly calls: number;
  /** process.memoryUsage().heapUsed after a full collection, MB. */
  readonly heapUsedMB: number;
}

export interface HeapReport {
  readonly readings: readonly HeapReading[];
  /** Wall time per call over the whole run, microseconds. */
  readonly usPerCall: number;
  /** Growth per call between the first and last reading, bytes. */
  readonly bytesPerCall: number;
  /**
   * Growth per call between the first checkpoint and the last reading, bytes: the
   * steady state, after one-time allocations (code, inline caches, pools) have settled.
   * About 0 when the heap is flat.
   */
  readonly steadyBytesPerCall: number;
}

function usedAfterGc(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/** Call fn `total` times, reading the collected heap at 0 and at each checkpoint. */
export function heapGrowth(fn: () => unknown, total: number, checkpoints: readonly number[]): HeapReport {
  const gc = collector();
  for (let i = 0; i < 200; i++) fn(); // warm-up: compile, fill any caches that are meant to exist
  const readings: HeapReading[] = [{ calls: 0, heapUsedMB: usedAfterGc(gc) }];
  const marks = [...checkpoints.filter((c) => c > 0 && c < total), total].sort((a, b) => a - b);
  let done = 0;
  let sink: unknown;
  let timed = 0;
  for (const m of marks) {
    const s = performance.now();
    for (; done < m; done++) sink = fn();
    timed += performance.now() - s;
    readings.push({ calls: done, heapUsedMB: usedAfterGc(gc) });
  }
  void sink;
  const first = readings[0]!;
  const settled = readings[1]!;
  const last = readings[readings.length - 1]!;
  const perCall = (a: HeapReading, b: HeapReading): number => (b.calls > a.calls ? ((b.heapUsedMB - a.heapUsedMB) * 2 ** 20) / (b.calls - a.calls) : 0);
  return {
    readings,
    usPerCall: (timed * 1000) / total,
    bytesPerCall: perCall(first, last),
    steadyBytesPerCall: perCall(settled, last),
  };
}
