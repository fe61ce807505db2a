/**
 * Report inputs for tests: a real verification of a cheap two-parameter loss, and sweep
 * records shaped exactly like `SweepRecord` (training real MNIST models would take minutes;
 * the report only reads the records, so made-up but well-formed ones test it fully).
 */
import { add, mul, square, sum, tensor, type Tensor } from '../../src/autodiff/index.js';
import { verifyBackwardError, type VerificationReport } from '../../src/igr/index.js';
import {
  findSgdProblem,
  verifyMomentum,
  verifyRungeKutta,
  verifySgd,
  type MomentumReport,
  type RungeKuttaReport,
  type SgdReport,
} from '../../src/igr/optimizers/index.js';
import type { RunConfig, SweepRecord } from '../../src/igr/experiments/types.js';

/** A tilted two-parameter loss with non-zero third derivative: E = ½(a² + 3b²) + 0.1 a³ + ab/4. */
export const tiltedLoss = (x: Tensor): Tensor => {
  const q = mul(sum(mul(tensor([1, 3]), square(x))), 0.5);
  const a = sum(mul(tensor([1, 0]), x));
  const b = sum(mul(tensor([0, 1]), x));
  return add(add(q, mul(mul(a, mul(a, a)), 0.1)), mul(mul(a, b), 0.25));
};

let cached: VerificationReport | null = null;
/** Verification of `tiltedLoss` from (1, −0.8), orders 1–2, four step sizes (about a second). */
export function tiltedReport(): VerificationReport {
  cached ??= verifyBackwardError(tiltedLoss, [1, -0.8], { hs: [0.08, 0.04, 0.02, 0.01], T: 0.4, orders: [1, 2], name: 'tilted' });
  return cached;
}

const baseConfig: RunConfig = {
  experiment: 'lr',
  data: 'mnist',
  train: 500,
  test: 1000,
  dataSeed: 7,
  pool: true,
  hidden: [32],
  activation: 'tanh',
  init: 'lecun',
  optimizer: 'gd',
  lr: 0.1,
  mu: null,
  hvp: null,
  batchSize: null,
  beta: null,
  seed: 1,
  stop: { kind: 'loss', target: 0.05, maxSteps: 5000 },
  perturb: { sigmas: [0.01, 0.05], draws: 4 },
  recordEvery: 0,
};

/** One record; metrics follow a simple law in h and the seed so tests can predict means. */
export function record(id: number, config: Partial<RunConfig>, status: SweepRecord['status'] = 'ok'): SweepRecord {
  const c: RunConfig = { ...baseConfig, ...config };
  const ok = status === 'ok';
  const egr = c.optimizer === 'egr' ? 0.5 : 1;
  const v = (x: number): number | null => (ok ? x : null);
  return {
    schema: 'igr.sweep/1',
    id,
    config: c,
    status,
    params: 6634,
    steps: ok ? Math.round(10 / c.lr) : 17,
    time: 10,
    reachedTarget: ok ? true : null,
    trainLoss: v(0.05),
    testLoss: v(0.3 + c.seed * 0.01),
    trainAccuracy: v(0.99),
    testAccuracy: v(0.85 + c.lr * 0.1 + c.seed * 0.001),
    gradNorm: v((egr * 0.1) / c.lr),
    rIG: v(1e-6 / c.lr),
    rIGOverE: v((egr * 2e-5) / c.lr + c.seed * 1e-7),
    lambda: (c.lr * 6634) / 4,
    perturbation: ok
      ? c.perturb.sigmas.map((sigma) => ({
          sigma,
          draws: c.perturb.draws,
          trainLossIncrease: sigma * 2 * egr,
          trainLossIncreaseSd: sigma / 10,
          testAccuracyDrop: sigma * (1 - c.lr),
          testAccuracyDropSd: sigma / 20,
        }))
      : [],
    diverged: status === 'diverged' ? { step: 17, loss: null, reason: 'nonfinite' } : null,
    error: status === 'error' ? 'could not load mnist' : null,
    seconds: 1.5,
    gradientEvaluations: 100,
    hvpEvaluations: c.optimizer === 'egr' ? 100 : 0,
    lossCurve: null,
  };
}

/** A learning-rate sweep with GD and EGR (μ = 0.01) at three h × three seeds, plus one diverged GD run. */
export function sweepRecords(): SweepRecord[] {
  const out: SweepRecord[] = [];
  let id = 0;
  for (const optimizer of ['gd', 'egr'] as const) {
    for (const lr of [0.05, 0.1, 0.2]) {
      for (const seed of [1, 2, 3]) {
        out.push(record(id++, { optimizer, lr, seed, mu: optimizer === 'egr' ? 0.01 : null, hvp: optimizer === 'egr' ? 'exact' : null }));
      }
    }
  }
  out.push(record(id++, { lr: 0.8, seed: 1 }, 'diverged'));
  return out;
}

let optimizerCache: [RungeKuttaReport, MomentumReport, SgdReport] | null = null;
/**
 * One report per non-GD optimiser, cheap settings: the midpoint rule (orders 2, 3) and heavy-ball
 * momentum (β = 0.5) on `tiltedLoss`, and reshuffled SGD on the least-squares problem (2
 * minibatches, 1 epoch). Together well under a second.
 */
export function optimizerReports(): [RungeKuttaReport, MomentumReport, SgdReport] {
  optimizerCache ??= [
    verifyRungeKutta(tiltedLoss, [1, -0.8], { method: 'midpoint', hs: [0.08, 0.04, 0.02], T: 0.4, orders: [2, 3], name: 'tilted' }),
    verifyMomentum(tiltedLoss, [1, -0.8], { beta: 0.5, hs: [0.02, 0.01, 0.005], T: 0.4, name: 'tilted' }),
    verifySgd(findSgdProblem('least-squares'), { hs: [0.01, 0.005, 0.0025], batches: 2, epochs: 1 }),
  ];
  return optimizerCache;
}
