/**
 * Runs a sweep's configurations in parallel on `worker_threads`.
 *
 * Each worker takes one run at a time (dynamic scheduling: a fast run frees its
 * worker for the next one) and keeps its loaded data sets between runs, so MNIST
 * is parsed once per worker, not once per run. A run that diverges is an
 * ordinary record. A worker that dies (an uncaught exception, `process.exit`,
 * out of memory) turns the run it held into a `crashed` record; a fresh worker
 * takes its place and the sweep goes on.
 *
 * The worker entry must load both as compiled JavaScript (`dist/`, the `igr`
 * bin) and as TypeScript (tests, `npm start`, run through tsx): when this module
 * itself is a `.ts` file, the worker is started from a tiny bootstrap that
 * registers tsx's loader (its public `tsx/esm/api` `register()`) and then
 * imports `worker.ts`. Node 20 does not carry the parent's `--import tsx` into
 * workers, so `execArgv` alone is not enough.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { failedRecord } from '../igr/experiments/run.js';
import type { RunConfig, SweepRecord } from '../igr/experiments/types.js';

/** A message from the pool to a worker. */
export interface RunMessage {
  type: 'run';
  id: number;
  config: RunConfig;
}

/** A message from a worker to the pool. */
export interface RecordMessage {
  type: 'record';
  id: number;
  record: SweepRecord;
}

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

/** The default number of workers: the machine's cores. */
export function defaultWorkers(): number {
  return availableParallelism();
}

/** The file URL of tsx's ESM registration API, read from tsx's own `exports` map. */
function tsxRegisterUrl(): string {
  const require = createRequire(import.meta.url);
  const manifest = require('tsx/package.json') as { exports: Record<string, { import?: { default?: string } }> };
  const entry = manifest.exports['./esm/api']?.import?.default;
  if (entry === undefined) throw new Error("tsx's package.json has no ./esm/api import entry; cannot start a TypeScript worker");
  return pathToFileURL(join(dirname(require.resolve('tsx/package.json')), entry)).href;
}

/** Starts one worker on the entry next to this module (`worker.js`, or `worker.ts` through tsx). */
export function startWorker(env?: NodeJS.ProcessEnv): Worker {
  const here = import.meta.url;
  const options = env === undefined ? {} : { env };
  if (here.endsWith('.ts')) {
    const entry = new URL('./worker.ts', here).href;
    const bootstrap =
      `import(${JSON.stringify(tsxRegisterUrl())})` +
      `.then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })` +
      // A failed import (a syntax error in the sources, say) must kill the worker, not hang the sweep.
      `.catch((error) => { setTimeout(() => { throw error; }); });`;
    return new Worker(bootstrap, { eval: true, ...options });
  }
  return new Worker(new URL('./worker.js', here), options);
}

/**
 * Runs every configuration on a pool of worker threads and resolves with the
 * records in the order of `configs` (record `id` = index). Never rejects for a
 * failed run: divergence, a thrown error and a crashed worker each become a
 * record ('diverged', 'error', 'crashed').
 */
export function runPool(configs: readonly RunConfig[], options: PoolOptions = {}): Promise<SweepRecord[]> {
  const total = configs.length;
  const workers = Math.max(1, Math.min(options.workers ?? defaultWorkers(), total));
  const records: SweepRecord[] = new Array(total);
  let nextIndex = 0;
  let finished = 0;
  let alive = 0;

  return new Promise((resolve) => {
    if (total === 0) {
      resolve([]);
      return;
    }
    const deliver = (record: SweepRecord) => {
      records[record.id] = record;
      finished++;
      options.onRecord?.(record, finished, total);
    };

    const launch = () => {
      const worker = startWorker(options.env);
      alive++;
      options.onWorkerStart?.(worker.threadId);
      let current: RunMessage | null = null;
      let crash: string | null = null;

      const handOut = () => {
        if (nextIndex < total) {
          const id = nextIndex++;
          current = { type: 'run', id, config: configs[id]! };
          worker.postMessage(current);
        } else {
          current = null;
          void worker.terminate();
        }
      };

      worker.on('message', (message: RecordMessage) => {
        if (message?.type === 'record' && current !== null && message.id === current.id) {
          deliver(message.record);
          handOut();
        }
      });
      worker.on('error', (error: Error) => {
        crash = `worker crashed: ${error?.message ?? String(error)}`;
      });
      worker.on('exit', (code) => {
        alive--;
        if (current !== null) {
          const run: RunMessage = current;
          deliver(failedRecord(run.id, run.config, 'crashed', crash ?? `worker exited with code ${code} while running it`));
          current = null;
        }
        if (nextIndex < total) launch();
        else if (alive === 0) resolve(records);
      });
      handOut();
    };

    for (let i = 0; i < workers; i++) launch();
  });
}
