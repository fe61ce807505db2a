/**
 * The (h, order) jobs of one `igr verify` run, on worker threads (`--workers N`, src/node/tasks.ts) or in
 * this thread (`--workers 1`): every verification is prepared here (its input checked, its jobs
 * listed), its jobs are measured wherever, and its report is assembled here from the measurements
 * in job order, so the output does not depend on which thread measured what or when: it is bit
 * for bit that of one worker.
 *
 * The jobs of all verifications share one pool (a small problem's jobs fill the gaps of a big
 * one), handed out longest first by an estimate of their cost (one timed evaluation of the
 * modified field per order), which also gives the progress line its estimate of the time left;
 * reports come back in the order of the specs, each as soon as it and those before it are complete.
 */
import {
  assembleComparison,
  comparisonJobs,
  comparisonMeasurer,
  type ComparisonJob,
  type FlowPointMeasurement,
  type PreparedVerification,
  type ProbePoint,
  type PointMeasurement,
  type VerificationReport,
} from '../../igr/index.js';
import { runTasks } from '../../node/tasks.js';
import { prepareSpec, type LossSpec, type VerificationSpec } from './spec.js';

/** One job sent to a worker: the verification it belongs to, and which (h, order). */
export interface MeasureTask {
  spec: VerificationSpec;
  job: ComparisonJob;
  /** Only the local (one-step) point of a GD spec's job (an automatic ladder's probe, `measureLocalPoint`). */
  localOnly?: true;
}

/** A worker's answer: the measurement, or why it could not be made. */
export type MeasureResult =
  | { ok: true; measurement: FlowPointMeasurement }
  | { ok: true; local: PointMeasurement | 'diverged' }
  | { ok: false; error: string };

/** The outcome of one verification: its report, or the first error of one of its jobs. */
export type Outcome = { report: VerificationReport } | { error: string };

/** What the progress line shows after each job. */
export interface JobProgress {
  finished: number;
  total: number;
  /** The verification the job belonged to. */
  name: string;
  /**
   * Estimated seconds left: from the jobs' estimated costs ({@link estimateJobSeconds}), scaled by
   * the time the finished ones took; in one thread, elapsed / finished × remaining. `undefined`
   * before anything is known (one thread, no job finished).
   */
  secondsLeft: number | undefined;
}

/** Options of {@link runVerifications}. */
export interface ParallelOptions {
  /** Worker threads; 1 measures every job in this thread (no worker is started). */
  workers: number;
  /** After each job. */
  onJob?: (progress: JobProgress) => void;
  /** Each verification's outcome, in spec order, as soon as it and every one before it is complete. */
  onOutcome?: (index: number, outcome: Outcome) => void;
  /** Environment of the workers (tests). */
  env?: NodeJS.ProcessEnv;
  /**
   * Per spec (by index), jobs already measured exactly as their job would measure them (the
   * automatic ladder's probe, `chooseLadder(…).measured`): used instead of measuring them again.
   */
  known?: readonly (readonly FlowPointMeasurement[] | undefined)[];
}

/**
 * Field evaluations of a typical (h, order) job, references, cross-check and local point together:
 * 190–670 on the built-in problems at orders 1–8 (BENCHMARKS.md); the middle of that range.
 */
export const EVALUATIONS_PER_JOB = 400;

/** Time spent timing one order's field before the run, at most (one call if that alone takes longer). */
const ESTIMATE_BUDGET_MS = 20;

/**
 * A job's cost before it runs: one evaluation of its order's modified field at θ0, times
 * {@link EVALUATIONS_PER_JOB}. The first call builds the series and runs cold code; when it is
 * cheap, further calls for up to {@link ESTIMATE_BUDGET_MS} warm the JIT and the fastest counts;
 * when it is not, the first call is the estimate (an overestimate, which the progress line
 * corrects by the time the first jobs take). The cost of a field evaluation grows about 3× per
 * order and with the size of the model, which is what makes jobs differ by orders of magnitude;
 * the number of evaluations varies far less. Only the order of the jobs and the progress
 * estimate depend on it, never a result.
 */
export function estimateJobSeconds(prepared: PreparedVerification<VerificationReport>, order: number): number {
  const { comparison } = prepared;
  const h = comparison.hs[0]!;
  const flow = comparison.flows[order]!;
  try {
    const field = flow.field(h);
    const y = flow.start?.(h) ?? comparison.theta0;
    const started = performance.now();
    field(0, y);
    let fastest = performance.now() - started;
    while (performance.now() - started < ESTIMATE_BUDGET_MS) {
      const t0 = performance.now();
      field(0, y);
      fastest = Math.min(fastest, performance.now() - t0);
    }
    return (fastest / 1000) * EVALUATIONS_PER_JOB;
  } catch {
    return 0; // a field that cannot be evaluated at θ0 fails in its job, with the reason
  }
}

/**
 * Prepares every spec (bad input throws the core's IgrError before any job runs), measures all
 * their jobs, and returns one outcome per spec, in order.
 */
export async function runVerifications(specs: readonly VerificationSpec[], options: ParallelOptions): Promise<Outcome[]> {
  const prepared: PreparedVerification<VerificationReport>[] = [];
  for (const spec of specs) prepared.push(await prepareSpec(spec));
  const jobLists = prepared.map((p) => comparisonJobs(p.comparison));
  // Each task knows its verification, its position in that verification's job list and its estimated cost.
  const workers = Math.max(1, Math.min(options.workers, jobLists.reduce((n, jobs) => n + jobs.length, 0)));
  const tasks: { index: number; position: number; cost: number; task: MeasureTask }[] = [];
  const knownAt = jobLists.map((_, index) => new Map((options.known?.[index] ?? []).map((m) => [`${m.hIndex}:${m.order}`, m])));
  const results: MeasureResult[][] = jobLists.map((jobs) => new Array(jobs.length));
  const remaining = jobLists.map((jobs) => jobs.length);
  jobLists.forEach((jobs, index) => {
    const perOrder = new Map<number, number>();
    jobs.forEach((job, position) => {
      const known = knownAt[index]!.get(`${job.hIndex}:${job.order}`);
      if (known !== undefined) {
        results[index]![position] = { ok: true, measurement: known };
        remaining[index]!--;
        return;
      }
      // In this thread the order of the jobs does not matter and the estimate is not worth its
      // CPU (0.3 s of npm start's ~4): every job counts as one, and the time left is
      // elapsed / finished × remaining.
      if (!perOrder.has(job.order)) perOrder.set(job.order, workers === 1 ? 1 : estimateJobSeconds(prepared[index]!, job.order));
      tasks.push({ index, position, cost: perOrder.get(job.order)!, task: { spec: specs[index]!, job } });
    });
  });
  const totalCost = tasks.reduce((sum, t) => sum + t.cost, 0);
  const started = performance.now();
  let doneCost = 0;
  const secondsLeft = (): number | undefined => {
    const elapsed = (performance.now() - started) / 1000;
    if (doneCost > 0) return (elapsed * (totalCost - doneCost)) / doneCost;
    // Before the first job: the a-priori estimate when there is one (workers), else unknown.
    return workers === 1 ? undefined : Math.max(0, totalCost / workers - elapsed);
  };
  // A line before the first job finishes (which may take minutes at a high order): the estimate alone.
  options.onJob?.({ finished: 0, total: tasks.length, name: specs.length === 1 ? specs[0]!.name : `${specs.length} verifications`, secondsLeft: secondsLeft() });
  const outcomes: (Outcome | undefined)[] = new Array(specs.length);
  let delivered = 0;

  const complete = (index: number): void => {
    const p = prepared[index]!;
    const list = results[index]!;
    const failed = list.find((r): r is { ok: false; error: string } => !r.ok);
    if (failed) outcomes[index] = { error: failed.error };
    else {
      const measurements = list.map((r) => (r as { ok: true; measurement: FlowPointMeasurement }).measurement);
      try {
        const report = p.finish(assembleComparison(p.comparison, measurements, 0), measurements);
        outcomes[index] = { report: { ...report, seconds: (performance.now() - started) / 1000 } };
      } catch (error) {
        outcomes[index] = { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
      }
    }
    while (delivered < specs.length && outcomes[delivered] !== undefined) {
      options.onOutcome?.(delivered, outcomes[delivered]!);
      delivered++;
    }
  };
  const record = (t: (typeof tasks)[number], result: MeasureResult, finished: number): void => {
    results[t.index]![t.position] = result;
    doneCost += t.cost;
    options.onJob?.({ finished, total: tasks.length, name: specs[t.index]!.name, secondsLeft: secondsLeft() });
    if (--remaining[t.index]! === 0) complete(t.index);
  };
  // A verification whose every job was known already.
  remaining.forEach((left, index) => {
    if (left === 0) complete(index);
  });

  if (workers === 1) {
    // In this thread, verification by verification, step size by step size (consecutive flows of
    // one h share the optimiser's run).
    const measurers = prepared.map((p) => comparisonMeasurer(p.comparison));
    tasks.forEach((t, k) => {
      let result: MeasureResult;
      try {
        result = { ok: true, measurement: measurers[t.index]!(t.task.job) };
      } catch (error) {
        result = { ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
      }
      record(t, result, k + 1);
    });
  } else {
    // Longest first (by estimated cost), so that no expensive job starts last while the other
    // workers idle. Within one order, smaller h first: its errors are smaller, so its reference
    // doubles further and its cross-check runs at a tighter tolerance (measured: 2–4× the
    // evaluations of the largest h).
    const order = [...tasks].sort((a, b) => b.cost - a.cost || b.task.job.hIndex - a.task.job.hIndex || a.index - b.index || a.position - b.position);
    await runTasks<MeasureTask, MeasureResult>(
      new URL('./worker.js', import.meta.url),
      order.map((t) => t.task),
      {
        workers,
        ...(options.env !== undefined && { env: options.env }),
        crashed: (_task, _i, message) => ({ ok: false, error: message }),
        onResult: (result, i, finished) => record(order[i]!, result, finished),
      },
    );
  }
  // Verifications without jobs cannot occur (a ladder and an order list are never empty), but
  // every outcome is defined by now either way.
  return outcomes.map((o) => o ?? { error: 'no jobs' });
}

/**
 * The points of an automatic ladder's probe (`chooseLadderWith`, src/igr/ladder.ts) on worker
 * threads: each point is the (h index 0, order) job of the GD verification `{ hs: [h], T, orders:
 * [order] }` of the loss `base` names, measured by the same worker code as any job (so each is
 * bit for bit what one thread measures). A point that cannot be measured throws, with the reason.
 */
export async function measureProbePoints(
  base: { name: string; loss: LossSpec; theta0: number[] },
  points: readonly ProbePoint[],
  options: { workers: number; env?: NodeJS.ProcessEnv; onPoint?: (done: number, total: number) => void },
): Promise<(FlowPointMeasurement | PointMeasurement | 'diverged')[]> {
  const tasks: MeasureTask[] = points.map((p) => ({
    spec: { optimizer: 'gd', name: base.name, loss: base.loss, theta0: base.theta0, hs: [p.h], T: p.T, orders: [p.order] },
    job: { hIndex: 0, order: p.order },
    ...(p.kind === 'local' && { localOnly: true as const }),
  }));
  const results = await runTasks<MeasureTask, MeasureResult>(new URL('./worker.js', import.meta.url), tasks, {
    workers: Math.max(1, Math.min(options.workers, tasks.length)),
    ...(options.env !== undefined && { env: options.env }),
    crashed: (_task, _i, message) => ({ ok: false, error: message }),
    onResult: (_result, _i, finished) => options.onPoint?.(finished, tasks.length),
  });
  return results.map((r) => {
    if (!r.ok) throw new Error(`a probe point of the automatic ladder could not be measured: ${r.error}`);
    return 'local' in r ? r.local : r.measurement;
  });
}
