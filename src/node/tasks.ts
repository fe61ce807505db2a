/**
 * A pool of `worker_threads` running independent tasks: `igr sweep`'s runs (./pool.ts) and
 * `igr verify`'s (h, order) measurements (src/cli/verify/parallel.ts) both go through it.
 *
 * Each worker takes one task at a time (dynamic scheduling: a fast task frees its worker for the
 * next one) and keeps whatever it caches between tasks (loaded data sets, compiled losses). A
 * worker that dies (an uncaught exception, `process.exit`, out of memory) turns the task it held
 * into the caller's `crashed` result; a fresh worker takes its place and the pool goes on.
 *
 * The worker entry must load both as compiled JavaScript (`dist/`, the `igr` bin) and as
 * TypeScript (tests, `npm start`, run through tsx): when this module itself is a `.ts` file, the
 * worker is started from a tiny bootstrap that registers tsx's loader (its public `tsx/esm/api`
 * `register()`) and then imports the `.ts` entry. Node 20 does not carry the parent's `--import
 * tsx` into workers, so `execArgv` alone is not enough.
 */
import { Worker, parentPort } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A message from the pool to a worker: one task. */
export interface TaskMessage<T> {
  type: 'task';
  id: number;
  task: T;
}

/** A message from a worker to the pool: the result of the task with that id. */
export interface ResultMessage<R> {
  type: 'result';
  id: number;
  result: R;
}

/** Options of {@link runTasks}. */
export interface TaskPoolOptions<T, R> {
  /** Number of worker threads (default: the number of cores); never more than the number of tasks. */
  workers?: number;
  /** Called as each task finishes, in completion order, with its index and the count finished so far. */
  onResult?: (result: R, index: number, finished: number, total: number) => void;
  /** Environment of the workers (default: this process's environment). */
  env?: NodeJS.ProcessEnv;
  /** Called with each worker's thread id as it starts (replacements of crashed workers included). */
  onWorkerStart?: (threadId: number) => void;
  /** The result that stands for a task whose worker died while running it. */
  crashed: (task: T, index: number, message: string) => R;
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

/**
 * Starts one worker on `entry`, the URL of a worker module given with its `.js` name
 * (`new URL('./worker.js', import.meta.url)`); when the CLI runs as TypeScript, the `.ts` file of
 * that name is loaded through tsx instead.
 */
export function startWorker(entry: URL, env?: NodeJS.ProcessEnv): Worker {
  const options = env === undefined ? {} : { env };
  if (import.meta.url.endsWith('.ts')) {
    const source = entry.href.replace(/\.js$/, '.ts');
    const bootstrap =
      `import(${JSON.stringify(tsxRegisterUrl())})` +
      `.then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); })` +
      // A failed import (a syntax error in the sources, say) must kill the worker, not hang the pool.
      `.catch((error) => { setTimeout(() => { throw error; }); });`;
    return new Worker(bootstrap, { eval: true, ...options });
  }
  return new Worker(entry, options);
}

/**
 * Runs every task on a pool of worker threads started on `entry` and resolves with the results
 * in the order of `tasks`. Never rejects for a failed task: a worker that dies makes the task it
 * held `options.crashed(task, index, message)` (the worker reports any other failure in its result).
 */
export function runTasks<T, R>(entry: URL, tasks: readonly T[], options: TaskPoolOptions<T, R>): Promise<R[]> {
  const total = tasks.length;
  const workers = Math.max(1, Math.min(options.workers ?? defaultWorkers(), total));
  const results: R[] = new Array(total);
  let nextIndex = 0;
  let finished = 0;
  let alive = 0;

  return new Promise((resolve) => {
    if (total === 0) {
      resolve([]);
      return;
    }
    const deliver = (index: number, result: R) => {
      results[index] = result;
      finished++;
      options.onResult?.(result, index, finished, total);
    };

    const launch = () => {
      const worker = startWorker(entry, options.env);
      alive++;
      options.onWorkerStart?.(worker.threadId);
      let current: TaskMessage<T> | null = null;
      let crash: string | null = null;

      const handOut = () => {
        if (nextIndex < total) {
          const id = nextIndex++;
          current = { type: 'task', id, task: tasks[id]! };
          worker.postMessage(current);
        } else {
          current = null;
          void worker.terminate();
        }
      };

      worker.on('message', (message: ResultMessage<R>) => {
        if (message?.type === 'result' && current !== null && message.id === current.id) {
          deliver(message.id, message.result);
          handOut();
        }
      });
      worker.on('error', (error: Error) => {
        crash = `worker crashed: ${error?.message ?? String(error)}`;
      });
      worker.on('exit', (code) => {
        alive--;
        if (current !== null) {
          const held: TaskMessage<T> = current;
          deliver(held.id, options.crashed(held.task, held.id, crash ?? `worker exited with code ${code} while running it`));
          current = null;
        }
        if (nextIndex < total) launch();
        else if (alive === 0) resolve(results);
      });
      handOut();
    };

    for (let i = 0; i < workers; i++) launch();
  });
}

/**
 * The worker side: answers each task message with `handle(task, id)`'s result (awaited). The
 * handler must turn its own failures into results; a throw escapes as an uncaught exception
 * and kills the worker (the pool then reports the task as crashed).
 */
export function serveTasks<T, R>(name: string, handle: (task: T, id: number) => R | Promise<R>): void {
  if (parentPort === null) throw new Error(`${name} is a worker_threads entry; start it through runTasks`);
  const port = parentPort;
  port.on('message', (message: TaskMessage<T>) => {
    if (message?.type !== 'task') return;
    const { id, task } = message;
    void Promise.resolve(handle(task, id)).then((result) => {
      const reply: ResultMessage<R> = { type: 'result', id, result };
      port.postMessage(reply);
    });
  });
}
