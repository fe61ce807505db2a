/**
 * The shapes of the paper's neural-network experiments: one run's configuration
 * ({@link RunConfig}) and the one JSON line a run produces ({@link SweepRecord}).
 *
 * `igr train` prints one SweepRecord (with `--json`), `igr sweep` prints one per
 * run, and the report (`igr sweep --report DIR`) reads them back. Every number a
 * record holds is finite or `null`: never NaN, never Infinity, so a JSON line
 * round-trips exactly.
 */
import type { Activation, EgrHvpMode, Init, LossKind, OptimizerKind } from '../../nn/index.js';

/** Data sets a run can train on (the `Dataset` loaders of src/nn); `fashion` is Fashion-MNIST. */
export type DataName = 'mnist' | 'fashion' | 'moons' | 'spirals' | 'teacher';

/** The optimisers the experiments use: the kinds of src/nn's `OptimizerSpec`. */
export type { OptimizerKind };

/**
 * When a run stops.
 *
 * - `loss`: train until the full-batch training loss is at most `target`
 *   (checked before every step), or `maxSteps` steps, whichever comes first.
 *   The experiments' default: runs at different learning rates are compared at
 *   the same training loss, so differences in test accuracy, R_IG and robustness
 *   come from *where* gradient descent went, not from how far it got.
 * - `steps`: exactly `steps` steps.
 * - `time`: the same training time `T = h · steps` (steps = round(T / h)): the
 *   backward-error-analysis comparison, where GD at every h samples its modified
 *   flow at the same time.
 */
export type StopRule =
  | { kind: 'loss'; target: number; maxSteps: number }
  | { kind: 'steps'; steps: number }
  | { kind: 'time'; T: number; maxSteps: number };

/** Gaussian parameter perturbations θ + σ ε, ε ~ N(0, I), averaged over `draws` seeded draws per σ. */
export interface PerturbationSpec {
  sigmas: number[];
  draws: number;
}

/** Everything that determines one training run; the same config gives bit-identical results. */
export interface RunConfig {
  /** Which experiment this run belongs to (groups runs in tables and the report): e.g. 'lr', 'width', 'egr'. */
  experiment: string;
  data: DataName;
  /**
   * Training examples (MNIST: a seeded subset of the package's 10,000 digits; Fashion-MNIST: of
   * the 60,000 images of its training file; synthetic: generated).
   */
  train: number;
  /** Held-out test examples, disjoint from the training ones (Fashion-MNIST: from its 10,000-image test file). */
  test: number;
  /** Seed of the data split / generation; fixed across a sweep so runs see the same data. */
  dataSeed: number;
  /** MNIST and Fashion-MNIST only: 2×2 average pooling to 14×14 (196 inputs) instead of 28×28 (784). */
  pool: boolean;
  /** Hidden layer widths; input and output sizes come from the data. */
  hidden: number[];
  activation: Activation;
  init: Init;
  /**
   * The training loss (src/nn's `LossKind`): `cross-entropy` or `mse` (on one-hot targets for a
   * classification: (1/2N) Σ|f(x) − e_y|²). Absent (records before it existed) or undefined: the
   * data set's default, cross-entropy for classification, mse for regression.
   */
  loss?: LossKind;
  optimizer: OptimizerKind;
  /** Learning rate h. */
  lr: number;
  /** EGR: weight μ of the explicit regulariser μ|∇E|². */
  mu: number | null;
  /** EGR: how H g is computed. */
  hvp: EgrHvpMode | null;
  /** SGD: minibatch size. */
  batchSize: number | null;
  /** Momentum: β. */
  beta: number | null;
  /** Seed of the initialisation (and, derived from it, of SGD's shuffles and of the perturbation draws). */
  seed: number;
  stop: StopRule;
  perturb: PerturbationSpec;
  /** Record the training loss every this many steps in `lossCurve` (0: not at all). */
  recordEvery: number;
  /**
   * Sharpness along training (`igr train --sharpness-every N`): λ_max of the training loss's
   * Hessian, and the top `k` eigenvalues, by Lanczos every `every` steps and at the last step,
   * into the record's `sharpness`. Absent or null: not measured.
   */
  sharpness?: SharpnessSpec | null;
  /**
   * Curvature at the end point (igr sweep's default): λ_max by Lanczos and the Hessian trace by
   * Hutchinson with `traceSamples` Rademacher probes, into the record's `curvature`. Absent or
   * null: not measured.
   */
  endCurvature?: EndCurvatureSpec | null;
}

/** What {@link RunConfig.sharpness} measures. */
export interface SharpnessSpec {
  /** Measure at steps 0, every, 2·every, … and at the last step. */
  every: number;
  /** Top eigenvalues per measurement (λ_max is the first), 1 ≤ k. */
  k: number;
  /**
   * Bound on the Hessian-vector products of all the measurements together, checked before the
   * run starts against the most they can take (measurements × (Lanczos cap + k certificates)).
   */
  maxHvps: number;
}

/** What {@link RunConfig.endCurvature} measures. */
export interface EndCurvatureSpec {
  /** Rademacher probes of the Hutchinson trace estimate (0: λ_max only). */
  traceSamples: number;
}

/**
 * One sharpness measurement along training. `lambdaMax` is the largest Hessian eigenvalue
 * (a Rayleigh quotient of a Lanczos Ritz vector), `values` the top k (k > 1 only), `residuals`
 * their certificates ‖Hu − λu‖ (an eigenvalue lies within each), `hvps` the HVPs it took,
 * `converged` whether Lanczos met its tolerance within its cap. Null where not finite.
 */
export interface SharpnessPoint {
  step: number;
  /** Training loss E(θ_step). */
  loss: number | null;
  lambdaMax: number | null;
  values?: (number | null)[];
  residuals?: (number | null)[];
  hvps: number;
  converged: boolean;
}

/** λ_max and the trace at the end point ({@link RunConfig.endCurvature}); null where not finite or not measured. */
export interface EndCurvature {
  lambdaMax: number | null;
  /** ‖Hu − λu‖ of λ_max's Ritz vector. */
  lambdaMaxResidual: number | null;
  /** Hutchinson estimate of tr H (null with traceSamples 0). */
  trace: number | null;
  /** Its standard error (sample sd / √samples). */
  traceStderr: number | null;
  traceSamples: number;
  /** HVPs of both. */
  hvps: number;
}

/** Robustness to one perturbation size σ, averaged over the draws. */
export interface PerturbationResult {
  sigma: number;
  draws: number;
  /** Mean over draws of E_train(θ + σε) − E_train(θ). */
  trainLossIncrease: number | null;
  /** Sample standard deviation of that increase over the draws. */
  trainLossIncreaseSd: number | null;
  /** Mean over draws of acc_test(θ) − acc_test(θ + σε), in [−1, 1] (fraction, not percent). */
  testAccuracyDrop: number | null;
  testAccuracyDropSd: number | null;
}

/**
 * Outcome of a run.
 * - `ok`: trained (possibly without reaching a loss target: see `reachedTarget`).
 * - `diverged`: the loss became non-finite or exploded; `diverged` says at which step.
 * - `error`: the run threw (bad config met only at run time, e.g. the data set could not be loaded); `error` says why.
 * - `crashed`: the worker running it died; `error` says how.
 */
export type RunStatus = 'ok' | 'diverged' | 'error' | 'crashed';

/**
 * Metrics of one parameter vector, measured at the end of a run; null where a value was not
 * finite or does not apply (the accuracy of a regression).
 */
export interface SolutionMetrics {
  /** E(θ) on the training set (cross-entropy for classification, MSE for regression). */
  trainLoss: number | null;
  testLoss: number | null;
  trainAccuracy: number | null;
  testAccuracy: number | null;
  /** The slope |∇E(θ)| at the end (Euclidean norm over all m parameters). */
  gradNorm: number | null;
  /** R_IG = |∇E|² / m (README.md, "The mathematics"), the implicit regulariser of gradient descent. */
  rIG: number | null;
  /** R_IG / E: how large the regulariser is relative to the loss. */
  rIGOverE: number | null;
}

/**
 * One JSON line of `igr sweep` (and of `igr train --json`).
 *
 * Metrics are measured at the final parameters θ of the run, on the full
 * training set (E, |∇E|, R_IG) and on the test set (accuracy). For a
 * regression data set the accuracies are null. Every metric is null unless
 * `status` is 'ok'.
 */
export interface SweepRecord extends SolutionMetrics {
  /** Version of this line's shape; bump when a field changes meaning. */
  schema: 'igr.sweep/1';
  /** Index of the run within its sweep (0-based, in the order the sweep listed the runs). */
  id: number;
  config: RunConfig;
  status: RunStatus;
  /** Number of parameters m of the model. */
  params: number;
  /** Steps taken. */
  steps: number;
  /** Training time h · steps (the time at which GD samples its modified flow). */
  time: number;
  /** Loss-target stopping: whether E ≤ target was reached within maxSteps; null for the other stop rules. */
  reachedTarget: boolean | null;
  /** The implicit regularisation rate λ = h m / 4 (E~ = E + λ R_IG). */
  lambda: number;
  perturbation: PerturbationResult[];
  /** Set when status is 'diverged': the 1-based step whose loss was non-finite or exploded. */
  diverged: { step: number; loss: number | null; reason: 'nonfinite' | 'exploded' } | null;
  /** Set when status is 'error' or 'crashed'. */
  error: string | null;
  /** Wall-clock seconds of the run (training and measurement), not including data loading. */
  seconds: number;
  /** Gradients of E evaluated in training (EGR finite-difference: two per step). */
  gradientEvaluations: number;
  /** Exact Hessian-vector products evaluated in training (EGR exact: one per step), counted like gradients. */
  hvpEvaluations: number;
  /** Training loss every `config.recordEvery` steps: parallel arrays, first entry at step 0. */
  lossCurve: { step: number[]; loss: (number | null)[] } | null;
  /**
   * λ_max along training when `config.sharpness` asked for it (steps 0, N, 2N, … and the last;
   * up to the divergence for a diverged run). Absent in records from before it existed.
   */
  sharpness?: SharpnessPoint[] | null;
  /** λ_max and the trace at the end point when `config.endCurvature` asked for them; null when the run did not finish. */
  curvature?: EndCurvature | null;
}
