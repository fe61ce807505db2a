/**
 * Run configurations of the paper's experiments: defaults, validation with
 * errors that name the problem and the valid choices, the input/output widths
 * each data set implies, and grid expansion (learning rates × seeds × widths × μ).
 */
import { FASHION_MNIST_TEST, FASHION_MNIST_TRAIN, activations, egrHvpModes, inits, lossKinds, optimizers } from '../../nn/index.js';
import type { DataName, OptimizerKind, RunConfig, SharpnessSpec, StopRule } from './types.js';

/** Data sets a run can use, in the order error messages list them. */
export const dataNames: readonly DataName[] = ['mnist', 'fashion', 'moons', 'spirals', 'teacher'];

/** The data sets of 28×28 images (MNIST, Fashion-MNIST), which `pool` reduces to 14×14. */
export function isImageData(data: DataName): data is 'mnist' | 'fashion' {
  return data === 'mnist' || data === 'fashion';
}
/** Optimisers a run can use: src/nn's optimiser kinds. */
export const optimizerKinds: readonly OptimizerKind[] = optimizers;

/** The fixed parameters of the synthetic data sets (one place, so every run of a sweep sees the same problem). */
export const syntheticData = {
  moons: { noise: 0.1, classes: 2, inputDim: 2 },
  spirals: { noise: 0.2, classes: 3, inputDim: 2 },
  teacher: { noise: 0.1, inputDim: 10, teacherSizes: [16, 1] as number[] },
} as const;

/** MNIST as the `mnist` package ships it: 10,000 digits (about 1,000 per class), 28×28. */
export const MNIST_TOTAL = 10_000;

/** A configuration that cannot run; the message names the field, the value and what is valid. */
export class ExperimentConfigError extends Error {
  override name = 'ExperimentConfigError';
}

/** The defaults of one run: an MNIST MLP 196-64-10 (tanh) trained by full-batch GD to a training loss of 0.1. */
export function defaultRunConfig(): RunConfig {
  return {
    experiment: 'train',
    data: 'mnist',
    train: 1000,
    test: 2000,
    dataSeed: 0,
    pool: true,
    hidden: [64],
    activation: 'tanh',
    init: 'lecun',
    optimizer: 'gd',
    lr: 0.1,
    mu: null,
    hvp: null,
    batchSize: null,
    beta: null,
    seed: 0,
    stop: { kind: 'loss', target: 0.1, maxSteps: 5000 },
    perturb: { sigmas: [0.01, 0.03, 0.1], draws: 5 },
    recordEvery: 0,
  };
}

/** A default config with `overrides` applied; optimiser-specific fields get their defaults when left null. */
export function makeRunConfig(overrides: Partial<RunConfig> = {}): RunConfig {
  const config: RunConfig = { ...defaultRunConfig(), ...overrides };
  if (config.optimizer === 'egr') {
    config.hvp ??= 'exact';
  }
  if (config.optimizer === 'momentum') config.beta ??= 0.9;
  if (config.optimizer === 'sgd') config.batchSize ??= 100;
  return config;
}

/** Input and output widths of the model a config's data set needs. */
export function dataShape(config: Pick<RunConfig, 'data' | 'pool'>): { inputDim: number; outputDim: number } {
  switch (config.data) {
    case 'mnist':
    case 'fashion':
      return { inputDim: config.pool ? 14 * 14 : 28 * 28, outputDim: 10 };
    case 'moons':
      return { inputDim: syntheticData.moons.inputDim, outputDim: syntheticData.moons.classes };
    case 'spirals':
      return { inputDim: syntheticData.spirals.inputDim, outputDim: syntheticData.spirals.classes };
    case 'teacher':
      return { inputDim: syntheticData.teacher.inputDim, outputDim: syntheticData.teacher.teacherSizes.at(-1)! };
    default:
      throw new ExperimentConfigError(`unknown data set '${String(config.data)}': valid data sets are ${dataNames.join(', ')}`);
  }
}

/** Whether a data set is a classification (labels) or a regression (targets). */
export function dataTask(data: DataName): 'classification' | 'regression' {
  return data === 'teacher' ? 'regression' : 'classification';
}

/** The loss a config trains on: its `loss`, or the data set's default (cross-entropy for classification, mse for regression). */
export function runLoss(config: Pick<RunConfig, 'data' | 'loss'>): 'cross-entropy' | 'mse' {
  return config.loss ?? (dataTask(config.data) === 'classification' ? 'cross-entropy' : 'mse');
}

/** The model's full layer widths [in, ...hidden, out]. */
export function modelSizes(config: RunConfig): number[] {
  const { inputDim, outputDim } = dataShape(config);
  return [inputDim, ...config.hidden, outputDim];
}

/**
 * The hidden widths of full `sizes` given by a user, after checking that the
 * first and last match the data set's input and output widths.
 */
export function hiddenFromSizes(sizes: number[], config: Pick<RunConfig, 'data' | 'pool'>): number[] {
  const { inputDim, outputDim } = dataShape(config);
  const what = isImageData(config.data) ? `${config.data} (${config.pool ? 'pooled 14×14' : '28×28'})` : config.data;
  if (sizes.length < 2) {
    throw new ExperimentConfigError(`sizes ${sizes.join(',')} must list at least the input and output widths (${inputDim},…,${outputDim} for ${what})`);
  }
  if (sizes[0] !== inputDim || sizes.at(-1) !== outputDim) {
    throw new ExperimentConfigError(
      `sizes ${sizes.join(',')} do not match the data set ${what}: it needs input width ${inputDim} and output width ${outputDim}, got ${sizes[0]} and ${sizes.at(-1)}`,
    );
  }
  return sizes.slice(1, -1);
}

function positiveFinite(field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ExperimentConfigError(`${field} must be a positive finite number, got ${String(value)}`);
  }
}

function positiveInteger(field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ExperimentConfigError(`${field} must be a positive integer, got ${String(value)}`);
  }
}

function nonNegativeInteger(field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ExperimentConfigError(`${field} must be a non-negative integer, got ${String(value)}`);
  }
}

function oneOf<T extends string>(field: string, value: unknown, valid: readonly T[], plural: string): void {
  if (typeof value !== 'string' || !(valid as readonly string[]).includes(value)) {
    throw new ExperimentConfigError(`unknown ${field} '${String(value)}': valid ${plural} are ${valid.join(', ')}`);
  }
}

function validateStop(stop: StopRule): void {
  switch (stop?.kind) {
    case 'loss':
      positiveFinite('stop.target (training-loss target)', stop.target);
      positiveInteger('stop.maxSteps', stop.maxSteps);
      return;
    case 'steps':
      positiveInteger('stop.steps', stop.steps);
      return;
    case 'time':
      positiveFinite('stop.T (training time h·steps)', stop.T);
      positiveInteger('stop.maxSteps', stop.maxSteps);
      return;
    default:
      throw new ExperimentConfigError(`unknown stop rule '${String((stop as { kind?: unknown })?.kind)}': valid rules are loss, steps, time`);
  }
}

/**
 * Throws an {@link ExperimentConfigError} naming the first invalid field of
 * `config` (unknown names list the valid ones); returns the config unchanged.
 * Checks everything that can be checked without loading data.
 */
export function validateRunConfig(config: RunConfig): RunConfig {
  oneOf('data set', config.data, dataNames, 'data sets');
  oneOf('activation', config.activation, activations, 'activations');
  oneOf('init', config.init, inits, 'inits');
  oneOf('optimizer', config.optimizer, optimizerKinds, 'optimizers');
  positiveInteger('train (number of training examples)', config.train);
  positiveInteger('test (number of test examples)', config.test);
  nonNegativeInteger('dataSeed', config.dataSeed);
  nonNegativeInteger('seed', config.seed);
  if (config.data === 'mnist' && config.train + config.test > MNIST_TOTAL) {
    throw new ExperimentConfigError(
      `train + test = ${config.train + config.test} exceeds the ${MNIST_TOTAL} MNIST digits of the mnist package`,
    );
  }
  if (config.data === 'fashion' && config.train > FASHION_MNIST_TRAIN) {
    throw new ExperimentConfigError(`train = ${config.train} exceeds the ${FASHION_MNIST_TRAIN} images of the Fashion-MNIST training file`);
  }
  if (config.data === 'fashion' && config.test > FASHION_MNIST_TEST) {
    throw new ExperimentConfigError(`test = ${config.test} exceeds the ${FASHION_MNIST_TEST} images of the Fashion-MNIST test file`);
  }
  if (config.loss !== undefined) {
    oneOf('loss', config.loss, lossKinds, 'losses');
    if (config.loss === 'cross-entropy' && dataTask(config.data) === 'regression') {
      throw new ExperimentConfigError(`loss 'cross-entropy' needs class labels, but data set '${config.data}' is a regression (use mse)`);
    }
  }
  if (!Array.isArray(config.hidden)) throw new ExperimentConfigError(`hidden must be a list of widths, got ${String(config.hidden)}`);
  config.hidden.forEach((w, i) => positiveInteger(`width of hidden layer ${i + 1}`, w));
  positiveFinite('learning rate', config.lr);
  if (config.optimizer === 'egr') {
    positiveFinite('mu (EGR regulariser weight)', config.mu);
    oneOf('hvp mode', config.hvp, egrHvpModes, 'modes');
  }
  if (config.optimizer === 'sgd') {
    positiveInteger('batch size', config.batchSize);
    if ((config.batchSize as number) > config.train) {
      throw new ExperimentConfigError(`batch size ${config.batchSize} exceeds the ${config.train} training examples`);
    }
  }
  if (config.optimizer === 'momentum') {
    const beta = config.beta;
    if (typeof beta !== 'number' || !(beta >= 0 && beta < 1)) {
      throw new ExperimentConfigError(`momentum beta must lie in [0, 1), got ${String(beta)}`);
    }
  }
  validateStop(config.stop);
  if (config.stop.kind === 'loss' && (config.optimizer === 'sgd' || config.optimizer === 'momentum')) {
    throw new ExperimentConfigError(
      `stop rule 'loss' (train to a training-loss target) needs a full-batch memoryless optimizer (gd, egr), not '${config.optimizer}': use a steps or time rule`,
    );
  }
  if (config.stop.kind === 'time') {
    const steps = Math.round(config.stop.T / config.lr);
    // Equal time means equal h·n exactly: a T that is not a whole number of steps would compare runs at different times.
    if (Math.abs(steps * config.lr - config.stop.T) > 1e-9 * config.stop.T) {
      throw new ExperimentConfigError(
        `training time T = ${config.stop.T} is not a whole number of steps at learning rate ${config.lr} (T / h = ${config.stop.T / config.lr})`,
      );
    }
    if (steps < 1 || steps > config.stop.maxSteps) {
      throw new ExperimentConfigError(
        `training time T = ${config.stop.T} at learning rate ${config.lr} needs ${steps} steps, outside 1..${config.stop.maxSteps} (maxSteps)`,
      );
    }
  }
  if (!Array.isArray(config.perturb?.sigmas)) throw new ExperimentConfigError('perturb.sigmas must be a list of standard deviations');
  config.perturb.sigmas.forEach((s) => positiveFinite('perturbation sigma', s));
  positiveInteger('perturb.draws', config.perturb.draws);
  nonNegativeInteger('recordEvery', config.recordEvery);
  validateSharpness(config);
  validateEndCurvature(config);
  return config;
}

// Curvature measurements (src/igr/experiments/curvature.ts measures; the bounds live here, with the other validation).

/**
 * Lanczos tolerance of a sharpness measurement: each wanted Ritz pair's residual estimate within
 * 1e-6 of λ_max. The eigenvalue is then accurate to about residual²/gap, far below what h·λ_max/2
 * is read to; the certificate (‖Hu − λu‖ by one more HVP) is stored beside it.
 */
export const SHARPNESS_TOL = 1e-6;

/** Most top eigenvalues per measurement (`--sharpness-k`). */
export const MAX_SHARPNESS_K = 20;

/** Default bound on the HVPs of all the sharpness measurements of one run (`--max-hvps`). */
export const DEFAULT_MAX_SHARPNESS_HVPS = 100_000;

/** Most Hutchinson probes at the end point (`--trace-samples`). */
export const MAX_TRACE_SAMPLES = 10_000;

/** Hutchinson probes of igr sweep's end-point trace unless `--trace-samples` says otherwise. */
export const DEFAULT_SWEEP_TRACE_SAMPLES = 20;

/**
 * The Lanczos iteration cap of one measurement of the top k: 100 applications, or 40 per wanted
 * pair. Measured on the MNIST MLPs (EXPERIMENTS.md): a warm-started measurement of λ_max takes
 * 8–16 HVPs, a cold one 14–16; the cap is only reached by a spectrum whose top is not separated,
 * and then the pair comes back with `converged: false`.
 */
export function sharpnessLanczosCap(k: number): number {
  return Math.max(100, 40 * k);
}

/** The steps the stop rule allows at most (the loss and time rules: their cap or T/h). */
export function maxRunSteps(config: Pick<RunConfig, 'stop' | 'lr'>): number {
  const stop = config.stop;
  return stop.kind === 'steps' ? stop.steps : stop.kind === 'time' ? Math.round(stop.T / config.lr) : stop.maxSteps;
}

/** Measurements of a run: steps 0, N, 2N, … up to the largest step, and one at the end when it is not on that grid. */
export function sharpnessMeasurements(config: Pick<RunConfig, 'stop' | 'lr'>, every: number): number {
  return Math.floor(maxRunSteps(config) / every) + 2;
}

/** An upper bound on the HVPs of all the sharpness measurements of a run: measurements × (cap + k). */
export function sharpnessWorkBound(config: Pick<RunConfig, 'stop' | 'lr'>, spec: Pick<SharpnessSpec, 'every' | 'k'>): number {
  return sharpnessMeasurements(config, spec.every) * (sharpnessLanczosCap(spec.k) + spec.k);
}

/** Throws an {@link ExperimentConfigError} naming the field unless `spec` is a valid sharpness spec for `config`. */
function validateSharpness(config: RunConfig): void {
  const spec = config.sharpness;
  if (spec === undefined || spec === null) return;
  const integer = (field: string, v: unknown, min: number, max = Infinity) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new ExperimentConfigError(`${field} must be an integer in ${min}..${max === Infinity ? '∞' : max}, got ${String(v)}`);
    }
  };
  integer('sharpness.every (steps between measurements)', spec.every, 1);
  integer('sharpness.k (top eigenvalues per measurement)', spec.k, 1, MAX_SHARPNESS_K);
  integer('sharpness.maxHvps (bound on the HVPs of the measurements)', spec.maxHvps, 1);
  const bound = sharpnessWorkBound(config, spec);
  if (bound > spec.maxHvps) {
    throw new ExperimentConfigError(
      `sharpness every ${spec.every} steps (top ${spec.k}) may take up to ${bound} HVPs ` +
        `(${sharpnessMeasurements(config, spec.every)} measurements × (${sharpnessLanczosCap(spec.k)} Lanczos + ${spec.k} certificates)), ` +
        `more than the bound of ${spec.maxHvps}; measure less often, fewer eigenvalues, fewer steps, or raise the bound (maxHvps; igr train --max-hvps)`,
    );
  }
}

/** Throws an {@link ExperimentConfigError} unless `config.endCurvature` is valid. */
function validateEndCurvature(config: RunConfig): void {
  const spec = config.endCurvature;
  if (spec === undefined || spec === null) return;
  const n = spec.traceSamples;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n === 1 || n > MAX_TRACE_SAMPLES) {
    throw new ExperimentConfigError(`endCurvature.traceSamples must be 0 (no trace) or an integer in 2..${MAX_TRACE_SAMPLES}, got ${String(n)}`);
  }
}

/** The axes of a sweep: every combination becomes one run. */
export interface SweepGrid {
  lrs: number[];
  seeds: number[];
  /** Hidden-layer widths (one hidden layer each); omitted: the base config's hidden layers. */
  widths?: number[];
  /** EGR weights μ (used only when the base optimiser is 'egr'). */
  mus?: number[];
}

/**
 * Every combination of the grid applied to `base`, in the order
 * width, μ, learning rate, seed (seeds innermost, so the runs of one table cell
 * are adjacent). Each config is validated.
 */
export function expandGrid(base: RunConfig, grid: SweepGrid): RunConfig[] {
  const widths = grid.widths?.map((w) => [w]) ?? [base.hidden];
  const mus = base.optimizer === 'egr' ? grid.mus ?? [base.mu as number] : [base.mu];
  const out: RunConfig[] = [];
  for (const hidden of widths) {
    for (const mu of mus) {
      for (const lr of grid.lrs) {
        for (const seed of grid.seeds) {
          out.push(validateRunConfig({ ...base, hidden: [...hidden], mu, lr, seed }));
        }
      }
    }
  }
  return out;
}

/** The default bound on a run's estimated memory (`igr train --max-memory`): 2 GiB. */
export const DEFAULT_MAX_RUN_BYTES = 2 * 1024 ** 3;

/** A run's estimated peak memory, in bytes, and its parts. */
export interface MemoryEstimate {
  bytes: number;
  /** The data sets: generated (or decoded) and split, inputs and outputs. */
  data: number;
  /** The parameter vector and the vectors of its size that training keeps (gradient, update, perturbations). */
  parameters: number;
  /** The layer outputs of one full-batch pass and their cotangents. */
  activations: number;
}

/**
 * A rough estimate of a run's peak memory, from its config alone (before anything is allocated):
 * 8 bytes per float64, and
 * - activations: 6 arrays (pre-activation, activation and their cotangents, a matmul temporary)
 *   per layer output for the larger of the training and test sets, 12 for EGR's exact HVP
 *   (double backprop records the backward pass too);
 * - data: the inputs and outputs of train + test, twice (generated or decoded, then split); for
 *   MNIST also the 10,000 decoded digits, for Fashion-MNIST its 70,000 images as bytes (twice:
 *   compressed and gunzipped);
 * - parameters: 10 vectors of the parameter count.
 * Measured against peak RSS on moons (200,000 × 64; 1,000 × 300,000; 50,000 × 256,256): within
 * 25% of it, above or below. It exists to refuse a run that cannot fit before it allocates
 * gigabytes, not to predict memory closely.
 */
export function runMemoryEstimate(config: RunConfig): MemoryEstimate {
  const { inputDim, outputDim } = dataShape(config);
  const widths = [...config.hidden, outputDim];
  let params = 0;
  let fanIn = inputDim;
  for (const w of widths) {
    params += fanIn * w + w;
    fanIn = w;
  }
  const outputs = widths.reduce((s, w) => s + w, 0);
  const perOutput = config.optimizer === 'egr' && config.hvp !== 'finite-difference' ? 12 : 6;
  const activations = 8 * perOutput * Math.max(config.train, config.test) * outputs;
  // MNIST: the 10,000 decoded digits as float64; Fashion-MNIST: its 70,000 images and labels as
  // bytes, gunzipped, beside the compressed files (counted as the same size again).
  const decoded = config.data === 'mnist' ? 8 * MNIST_TOTAL * 28 * 28 : config.data === 'fashion' ? 2 * (FASHION_MNIST_TRAIN + FASHION_MNIST_TEST) * (28 * 28 + 1) : 0;
  const data = 8 * 2 * (config.train + config.test) * (inputDim + outputDim) + decoded;
  const parameters = 8 * 10 * params;
  return { bytes: activations + data + parameters, data, parameters, activations };
}

/** A byte count for people: `512 MiB`, `14.4 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} bytes` : `${v >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toPrecision(3)} ${units[u]}`;
}

/** "an estimated 14.4 GiB of memory (activations …, data …, parameters …)", for messages. */
export function describeMemory(e: MemoryEstimate): string {
  return `an estimated ${formatBytes(e.bytes)} of memory (activations ${formatBytes(e.activations)}, data ${formatBytes(e.data)}, parameters ${formatBytes(e.parameters)})`;
}

/**
 * Throws an {@link ExperimentConfigError} naming the estimate and the bound when
 * {@link runMemoryEstimate} exceeds `maxBytes`; nothing is allocated before this check.
 */
export function checkRunMemory(config: RunConfig, maxBytes: number = DEFAULT_MAX_RUN_BYTES): void {
  const e = runMemoryEstimate(config);
  if (e.bytes <= maxBytes) return;
  throw new ExperimentConfigError(
    `the run needs ${describeMemory(e)}, more than the bound of ${formatBytes(maxBytes)}; use fewer examples or narrower layers, or raise the bound (maxMemory)`,
  );
}
