/**
 * What the paper measures at the end of training: the loss, the accuracy, the
 * slope |∇E|, the implicit regulariser R_IG = |∇E|²/m and its size relative to
 * the loss, and robustness to Gaussian parameter perturbations.
 */
import { Rng, tensor, valueAndGrad } from '../../autodiff/index.js';
import { accuracy, lossFunction, type Dataset, type LossKind, type Mlp } from '../../nn/index.js';
import type { PerturbationResult, PerturbationSpec, SolutionMetrics } from './types.js';

/** A finite number, or null (JSON has no NaN or Infinity). */
export function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

function accuracyOf(model: Mlp, data: Dataset, theta: Float64Array): number | null {
  if (data.task !== 'classification' || data.labels === null) return null;
  return finiteOrNull(accuracy(model.apply(tensor(theta), data.X), data.labels));
}

/**
 * E, |∇E|, R_IG = |∇E|²/m and R_IG/E on the training set (README.md, "The mathematics": E~ = E + λ R_IG),
 * the test loss, and the accuracies, at parameters `theta`.
 */
export function measureSolution(model: Mlp, train: Dataset, test: Dataset, theta: Float64Array, loss?: LossKind): SolutionMetrics {
  const m = theta.length;
  const options = loss === undefined ? {} : { loss };
  const { value, grad } = valueAndGrad(lossFunction(model, train, options))(tensor(theta));
  let g2 = 0;
  for (const gi of grad.data) g2 += gi * gi;
  const rIG = g2 / m;
  return {
    trainLoss: finiteOrNull(value),
    testLoss: finiteOrNull(lossFunction(model, test, options)(tensor(theta)).item()),
    trainAccuracy: accuracyOf(model, train, theta),
    testAccuracy: accuracyOf(model, test, theta),
    gradNorm: finiteOrNull(Math.sqrt(g2)),
    rIG: finiteOrNull(rIG),
    rIGOverE: value > 0 ? finiteOrNull(rIG / value) : null,
  };
}

/** Mean and sample standard deviation (n − 1; 0 for a single value); null when any value is missing. */
export function meanAndSd(values: (number | null)[]): { mean: number | null; sd: number | null } {
  if (values.length === 0 || values.some((v) => v === null)) return { mean: null, sd: null };
  const xs = values as number[];
  const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
  if (xs.length === 1) return { mean, sd: 0 };
  const ss = xs.reduce((s, v) => s + (v - mean) ** 2, 0);
  return { mean: finiteOrNull(mean), sd: finiteOrNull(Math.sqrt(ss / (xs.length - 1))) };
}

/** The seed of a run's perturbation draws, derived from the run's seed so it differs from the init stream. */
export function perturbationSeed(seed: number): number {
  // A 32-bit integer hash (Murmur3's finaliser constants): exact in int32 arithmetic for any seed.
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 1;
}

/**
 * Robustness of θ to Gaussian perturbations θ + σ ε, ε ~ N(0, I_m): for each σ,
 * the mean (and sd) over `draws` draws of the training-loss increase
 * E(θ + σε) − E(θ) and of the test-accuracy drop acc(θ) − acc(θ + σε).
 *
 * The same directions ε_1..ε_draws (seeded by `seed`) serve every σ: common
 * random numbers, so the curves over σ are smooth and runs with the same seed
 * are compared along the same directions.
 */
export function perturbationRobustness(
  model: Mlp,
  train: Dataset,
  test: Dataset,
  theta: Float64Array,
  spec: PerturbationSpec,
  seed: number,
  loss?: LossKind,
): PerturbationResult[] {
  const m = theta.length;
  const trainLoss = lossFunction(model, train, loss === undefined ? {} : { loss });
  const base = trainLoss(tensor(theta)).item();
  const baseAcc = accuracyOf(model, test, theta);
  const rng = new Rng(perturbationSeed(seed));
  const directions: Float64Array[] = [];
  for (let k = 0; k < spec.draws; k++) {
    const eps = new Float64Array(m);
    for (let i = 0; i < m; i++) eps[i] = rng.normal();
    directions.push(eps);
  }
  return spec.sigmas.map((sigma) => {
    const increases: (number | null)[] = [];
    const drops: (number | null)[] = [];
    for (const eps of directions) {
      const moved = new Float64Array(m);
      for (let i = 0; i < m; i++) moved[i] = theta[i]! + sigma * eps[i]!;
      increases.push(finiteOrNull(trainLoss(tensor(moved)).item() - base));
      const acc = accuracyOf(model, test, moved);
      drops.push(baseAcc === null || acc === null ? null : baseAcc - acc);
    }
    const inc = meanAndSd(increases);
    const drop = meanAndSd(drops);
    return {
      sigma,
      draws: spec.draws,
      trainLossIncrease: inc.mean,
      trainLossIncreaseSd: inc.sd,
      testAccuracyDrop: drop.mean,
      testAccuracyDropSd: drop.sd,
    };
  });
}
