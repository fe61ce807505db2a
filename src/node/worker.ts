/**
 * Worker-thread entry of `igr sweep`: receives one run at a time from the pool
 * (./pool.ts, through ./tasks.ts), runs it, and posts its record back. Loaded data sets stay in a
 * per-worker cache, so consecutive runs on the same data do not reload it.
 *
 * Test-only hook: the environment variable `IGR_SWEEP_TEST_CRASH` lists run ids
 * (comma-separated) at which this worker dies instead of running: `3` throws an
 * uncaught exception, `3:exit` calls `process.exit(70)`. The tests use it to
 * check that a crashed worker is reported and the sweep goes on.
 */
import { failedRecord, runExperiment, type DataCache } from '../igr/experiments/run.js';
import type { RunConfig, SweepRecord } from '../igr/experiments/types.js';
import { serveTasks } from './tasks.js';
import { nodeDataSources } from './datasets.js';

const cache: DataCache = new Map();

function crashHook(id: number): 'throw' | 'exit' | null {
  const spec = process.env.IGR_SWEEP_TEST_CRASH;
  if (!spec) return null;
  for (const item of spec.split(',')) {
    const [which, how] = item.trim().split(':');
    if (Number(which) === id) return how === 'exit' ? 'exit' : 'throw';
  }
  return null;
}

serveTasks<RunConfig, SweepRecord>('src/node/worker', (config, id) => {
  const hook = crashHook(id);
  if (hook === 'exit') process.exit(70);
  if (hook === 'throw') {
    // Thrown outside any promise chain: an uncaught exception, which kills the worker.
    setTimeout(() => {
      throw new Error(`test crash hook (IGR_SWEEP_TEST_CRASH) at run ${id}`);
    });
    return new Promise<SweepRecord>(() => {});
  }
  // The memory bound was checked by the caller for the whole sweep (igr sweep --max-memory).
  return runExperiment(config, { id, cache, sources: nodeDataSources, maxMemory: Infinity }).catch((error: unknown) => failedRecord(id, config, 'error', (error as Error)?.message ?? String(error)));
});
