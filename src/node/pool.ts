/**
 * Runs a sweep's configurations in parallel on `worker_threads` (the generic pool of ./tasks.ts).
 *
 * Each worker keeps its loaded data sets between runs, so MNIST is parsed once per worker, not
 * once per run. A run that diverges is an ordinary record; a worker that dies turns the run it
 * held into a `crashed` record, and a fresh worker takes its place.
 */
import { failedRecord } from '../igr/experiments/run.js';
import type { RunConfig, SweepRecord } from '../igr/experiments/types.js';
import { defaultWorkers, runTasks } from './tasks.js';

export { defaultWorkers };

/** Options of {@link runPool}. */
export interface PoolOptions {
  /** Number of worker threads (default: the number of cores); never more than the number of runs. */
  workers?: number;
  /** Called as each run finishes, in completion order, with the count finished so far. */
  onRecord?: (record: SweepRecord, finished: number, total: number) => void;
  /** Environment of the workers (default: this process's environment). */
  env?: NodeJS.ProcessEnv;
  /** Called with each worker's thread id as it starts (replacements of crashed workers included). */
  onWorkerStart?: (threadId: number) => void;
}

/**
 * Runs every configuration on a pool of worker threads and resolves with the
 * records in the order of `configs` (record `id` = index). Never rejects for a
 * failed run: divergence, a thrown error and a crashed worker each become a
 * record ('diverged', 'error', 'crashed').
 */
export function runPool(configs: readonly RunConfig[], options: PoolOptions = {}): Promise<SweepRecord[]> {
  return runTasks<RunConfig, SweepRecord>(new URL('./worker.js', import.meta.url), configs, {
    ...(options.workers !== undefined && { workers: options.workers }),
    ...(options.env !== undefined && { env: options.env }),
    ...(options.onWorkerStart && { onWorkerStart: options.onWorkerStart }),
    ...(options.onRecord && { onResult: (record: SweepRecord, _index: number, finished: number, total: number) => options.onRecord!(record, finished, total) }),
    crashed: (config, id, message) => failedRecord(id, config, 'crashed', message),
  });
}
