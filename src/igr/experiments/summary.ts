/**
 * Tables of a sweep: records grouped by everything but the seed, each metric as
 * mean ± sample standard deviation over the seeds that trained (diverged and
 * failed runs are counted, never averaged in).
 */
import { meanAndSd } from './measure.js';
import type { StopRule, SweepRecord } from './types.js';

/** Mean and sample standard deviation over seeds; null when no run gave the value. */
export interface MeanSd {
  mean: number | null;
  sd: number | null;
  /** Runs the statistic is over. */
  n: number;
}

/** One cell of a sweep: the runs that differ only in their seed. */
export interface SummaryRow {
  experiment: string;
  optimizer: string;
  hidden: number[];
  lr: number;
  mu: number | null;
  hvp: string | null;
  stop: StopRule;
  runs: number;
  ok: number;
  diverged: number;
  failed: number;
  /** Runs that reached the loss target (loss stop rule only). */
  reachedTarget: number;
  /** The first divergence step of each diverged run. */
  divergedAt: number[];
  steps: MeanSd;
  time: MeanSd;
  trainLoss: MeanSd;
  testLoss: MeanSd;
  testAccuracy: MeanSd;
  gradNorm: MeanSd;
  rIG: MeanSd;
  rIGOverE: MeanSd;
  seconds: MeanSd;
  /** λ_max at the end point (records with `curvature`; n = 0 when none has it). */
  lambdaMax: MeanSd;
  /** h·λ_max/2 at the end point (1 = GD's stability limit). */
  hLambdaHalf: MeanSd;
  /** The Hutchinson trace of the Hessian at the end point. */
  trace: MeanSd;
  perturbation: { sigma: number; trainLossIncrease: MeanSd; testAccuracyDrop: MeanSd }[];
}

function stat(values: (number | null)[]): MeanSd {
  const present = values.filter((v): v is number => v !== null);
  return { ...meanAndSd(present), n: present.length };
}

function groupKey(r: SweepRecord): string {
  const c = r.config;
  return JSON.stringify([c.experiment, c.optimizer, c.hidden, c.lr, c.mu, c.hvp, c.data, c.train, c.activation, c.stop, c.loss ?? null]);
}

/** Groups records by configuration up to the seed, in order of first appearance. */
export function summarize(records: readonly SweepRecord[]): SummaryRow[] {
  const groups = new Map<string, SweepRecord[]>();
  for (const r of records) {
    const key = groupKey(r);
    const list = groups.get(key);
    if (list) list.push(r);
    else groups.set(key, [r]);
  }
  return [...groups.values()].map((runs) => {
    const c = runs[0]!.config;
    const ok = runs.filter((r) => r.status === 'ok');
    const of = (pick: (r: SweepRecord) => number | null) => stat(ok.map(pick));
    const sigmas = c.perturb.sigmas;
    return {
      experiment: c.experiment,
      optimizer: c.optimizer,
      hidden: c.hidden,
      lr: c.lr,
      mu: c.mu,
      hvp: c.hvp,
      stop: c.stop,
      runs: runs.length,
      ok: ok.length,
      diverged: runs.filter((r) => r.status === 'diverged').length,
      failed: runs.filter((r) => r.status === 'error' || r.status === 'crashed').length,
      reachedTarget: ok.filter((r) => r.reachedTarget === true).length,
      divergedAt: runs.filter((r) => r.diverged !== null).map((r) => r.diverged!.step),
      steps: of((r) => r.steps),
      time: of((r) => r.time),
      trainLoss: of((r) => r.trainLoss),
      testLoss: of((r) => r.testLoss),
      testAccuracy: of((r) => r.testAccuracy),
      gradNorm: of((r) => r.gradNorm),
      rIG: of((r) => r.rIG),
      rIGOverE: of((r) => r.rIGOverE),
      seconds: of((r) => r.seconds),
      lambdaMax: of((r) => r.curvature?.lambdaMax ?? null),
      hLambdaHalf: of((r) => (r.curvature?.lambdaMax === null || r.curvature?.lambdaMax === undefined ? null : (r.config.lr * r.curvature.lambdaMax) / 2)),
      trace: of((r) => r.curvature?.trace ?? null),
      perturbation: sigmas.map((sigma, k) => ({
        sigma,
        trainLossIncrease: of((r) => r.perturbation[k]?.trainLossIncrease ?? null),
        testAccuracyDrop: of((r) => r.perturbation[k]?.testAccuracyDrop ?? null),
      })),
    };
  });
}
