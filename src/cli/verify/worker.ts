/**
 * Worker-thread entry of `igr verify --workers N`: receives one (h, order) job at a time with the
 * spec of its verification, rebuilds that verification once per spec (./spec.ts: the loss by
 * name or recompiled from its text), measures the job with the core's measurer and posts the
 * measurement back. A failure is posted as an error message, not thrown.
 *
 * Test-only hook, like the sweep worker's: `IGR_VERIFY_TEST_CRASH` lists verification names
 * (comma-separated) whose jobs kill this worker instead of being measured: `quadratic` throws an
 * uncaught exception, `quadratic:exit` calls `process.exit(70)`. (Names, not task ids: the pool
 * hands jobs out by estimated cost, which is timed, so ids do not name a fixed job.)
 */
import type { ScalarFn } from '../../autodiff/index.js';
import { comparisonMeasurer, measureLocalPoint, type ComparisonJob, type FlowPointMeasurement } from '../../igr/index.js';
import { serveTasks } from '../../node/tasks.js';
import { prepareSpec, resolveLoss, type VerificationSpec } from './spec.js';
import type { MeasureResult, MeasureTask } from './parallel.js';

const measurers = new Map<string, Promise<(job: ComparisonJob) => FlowPointMeasurement>>();

function measurerOf(spec: VerificationSpec): Promise<(job: ComparisonJob) => FlowPointMeasurement> {
  const key = JSON.stringify(spec);
  let m = measurers.get(key);
  if (m === undefined) {
    m = prepareSpec(spec).then((prepared) => comparisonMeasurer(prepared.comparison));
    measurers.set(key, m);
  }
  return m;
}

function crashHook(name: string): 'throw' | 'exit' | null {
  const list = process.env.IGR_VERIFY_TEST_CRASH;
  if (!list) return null;
  for (const item of list.split(',')) {
    const [which, how] = item.trim().split(':');
    if (which === name) return how === 'exit' ? 'exit' : 'throw';
  }
  return null;
}

/** The losses of the specs whose local probe points this worker measured, by spec key. */
const probeLosses = new Map<string, Promise<ScalarFn>>();

/** The local point of an automatic ladder's probe (GD specs only): one step against the order-p flow over h. */
async function localProbePoint(spec: VerificationSpec, order: number): Promise<MeasureResult> {
  if (spec.optimizer !== 'gd') throw new Error(`a local probe point needs a gradient-descent spec, not '${spec.optimizer}'`);
  const key = JSON.stringify(spec.loss);
  let loss = probeLosses.get(key);
  if (loss === undefined) {
    loss = resolveLoss(spec.loss);
    probeLosses.set(key, loss);
  }
  return { ok: true, local: measureLocalPoint(await loss, spec.theta0, spec.hs[0]!, order) };
}

serveTasks<MeasureTask, MeasureResult>('src/cli/verify/worker', async ({ spec, job, localOnly }, id) => {
  const hook = crashHook(spec.name);
  if (hook === 'exit') process.exit(70);
  if (hook === 'throw') {
    setTimeout(() => {
      throw new Error(`test crash hook (IGR_VERIFY_TEST_CRASH) at task ${id}`);
    });
    return new Promise<MeasureResult>(() => {});
  }
  try {
    if (localOnly) return await localProbePoint(spec, job.order);
    const measure = await measurerOf(spec);
    return { ok: true, measurement: measure(job) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
});
