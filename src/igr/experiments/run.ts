/**
 * One training run of the paper's experiments, from a {@link RunConfig} to the
 * {@link SweepRecord} it produces: load the data, build the MLP, train by the
 * configured optimiser and stop rule, and measure the solution.
 */
import {
  batchLossFunction,
  loadDataset,
  lossFunction,
  type DataSources,
  mlp,
  train,
  type Dataset,
  type Mlp,
  type OptimizerSpec,
  type TrainOptions,
} from '../../nn/index.js';
import { tensor, type ScalarFn } from '../../autodiff/index.js';
import { checkRunMemory, isImageData, modelSizes, runLoss, syntheticData, validateRunConfig, ExperimentConfigError, DEFAULT_MAX_RUN_BYTES } from './config.js';
import { finiteOrNull, measureSolution, perturbationRobustness } from './measure.js';
import { SharpnessTracker, curvatureSeed, endCurvature } from './curvature.js';
import type { RunConfig, SweepRecord } from './types.js';

/** A train/test pair. */
export interface DataPair {
  train: Dataset;
  test: Dataset;
}

/** Data sets already loaded, keyed by what determines them; one per worker, so a sweep parses MNIST once per worker. */
export type DataCache = Map<string, Promise<DataPair>>;

function dataKey(c: RunConfig): string {
  return JSON.stringify([c.data, c.train, c.test, c.dataSeed, isImageData(c.data) ? c.pool : null]);
}

/**
 * Loads (or takes from `cache`) the train/test pair a config trains and tests on; data sets read
 * from files (mnist) come from `sources` (in Node: `nodeDataSources` from `igr/node`).
 */
export function loadRunData(config: RunConfig, cache?: DataCache, sources?: DataSources): Promise<DataPair> {
  const key = dataKey(config);
  const hit = cache?.get(key);
  if (hit) return hit;
  const { data, train, test, dataSeed: seed } = config;
  // The synthetic sets take their fixed parameters from one table; each generator reads only its own keys.
  const loading =
    isImageData(data)
      ? loadDataset(data, { train, test, seed, pool: config.pool, ...(sources && { sources }) })
      : loadDataset(data, { train, test, seed, ...syntheticData[data], teacherSizes: [...syntheticData.teacher.teacherSizes] });
  if (cache) {
    cache.set(key, loading);
    // A failed load must not poison the cache for later runs.
    loading.catch(() => cache.delete(key));
  }
  return loading;
}

/** The src/nn optimiser a config describes. */
export function optimizerSpec(config: RunConfig): OptimizerSpec {
  switch (config.optimizer) {
    case 'gd':
      return { kind: 'gd', lr: config.lr };
    case 'sgd':
      return { kind: 'sgd', lr: config.lr, batchSize: config.batchSize as number, seed: config.seed };
    case 'momentum':
      return { kind: 'momentum', lr: config.lr, beta: config.beta as number };
    case 'egr':
      return { kind: 'egr', lr: config.lr, mu: config.mu as number, hvp: config.hvp ?? 'exact' };
  }
}

/** The outcome of training under a stop rule. */
export interface StoppedTraining {
  params: Float64Array;
  steps: number;
  reachedTarget: boolean | null;
  diverged: SweepRecord['diverged'];
  gradientEvaluations: number;
  hvpEvaluations: number;
  lossCurve: { step: number[]; loss: (number | null)[] } | null;
}

/**
 * Trains under the config's stop rule, in one call of src/nn's `train`: the `loss` rule is its
 * `until` (stop at the first n with E(θ_n) ≤ target, before that step's update), the `steps` and
 * `time` rules a step count. SGD and momentum support only the steps and time rules (their step
 * losses are minibatch losses or carry state; config validation enforces this).
 */
export function trainUnderStopRule(
  loss: ScalarFn,
  params0: Float64Array,
  config: RunConfig,
  extra: Partial<TrainOptions> = {},
): StoppedTraining {
  const stop = config.stop;
  const totalSteps = stop.kind === 'steps' ? stop.steps : stop.kind === 'time' ? Math.round(stop.T / config.lr) : stop.maxSteps;
  const target = stop.kind === 'loss' ? stop.target : null;
  const r = train({
    loss,
    params0,
    optimizer: optimizerSpec(config),
    steps: totalSteps,
    // Without a curve, record only the final loss.
    record: config.recordEvery > 0 ? config.recordEvery : Math.max(totalSteps, 1),
    ...(target !== null ? { until: (_n: number, e: number) => e <= target } : {}),
    ...extra,
  });
  const curve = config.recordEvery > 0 ? { step: [...r.lossSteps], loss: r.losses.map(finiteOrNull) } : null;
  // The loss after the last step is checked too (train's `until` sees only losses before an update).
  const reachedTarget = target === null ? null : r.stopped || (r.diverged === null && r.finalLoss <= target);
  return {
    params: r.params,
    steps: r.diverged ? r.diverged.step : r.steps,
    reachedTarget,
    diverged: r.diverged && { step: r.diverged.step, loss: finiteOrNull(r.diverged.loss), reason: r.diverged.reason },
    gradientEvaluations: r.gradientEvaluations,
    hvpEvaluations: r.hvpEvaluations,
    lossCurve: curve,
  };
}

function emptyRecord(id: number, config: RunConfig, params: number): SweepRecord {
  return {
    schema: 'igr.sweep/1',
    id,
    config,
    status: 'error',
    params,
    steps: 0,
    time: 0,
    reachedTarget: null,
    trainLoss: null,
    testLoss: null,
    trainAccuracy: null,
    testAccuracy: null,
    gradNorm: null,
    rIG: null,
    rIGOverE: null,
    lambda: (config.lr * params) / 4,
    perturbation: [],
    diverged: null,
    error: null,
    seconds: 0,
    gradientEvaluations: 0,
    hvpEvaluations: 0,
    lossCurve: null,
  };
}

/** A record for a run that did not produce one itself: it threw (`error`) or its worker died (`crashed`). */
export function failedRecord(id: number, config: RunConfig, status: 'error' | 'crashed', message: string): SweepRecord {
  let params = 0;
  try {
    params = mlp({ sizes: modelSizes(config), activation: config.activation, init: config.init }).numParams;
  } catch {
    params = 0;
  }
  return { ...emptyRecord(id, config, params), status, error: message };
}

/** Options of {@link runExperiment}. */
export interface RunOptions {
  /** Index of the run in its sweep (the record's `id`). */
  id?: number;
  /** Loaded data sets to reuse across runs. */
  cache?: DataCache;
  /** Already-loaded data (overrides loading). */
  data?: DataPair;
  /** Where data sets read from files come from (see `loadRunData`). */
  sources?: DataSources;
  /**
   * Refuse (ExperimentConfigError) a run whose estimated memory (`runMemoryEstimate`) exceeds
   * this many bytes, before loading anything; default `DEFAULT_MAX_RUN_BYTES` (2 GiB).
   */
  maxMemory?: number;
}

/**
 * Runs one configuration and returns its record. Never throws for a run that
 * diverges (status 'diverged', with the step) or fails at run time (status
 * 'error', with the message); an invalid config, or one whose estimated memory exceeds
 * `maxMemory`, throws {@link ExperimentConfigError} before anything runs.
 */
export async function runExperiment(config: RunConfig, options: RunOptions = {}): Promise<SweepRecord> {
  validateRunConfig(config);
  checkRunMemory(config, options.maxMemory ?? DEFAULT_MAX_RUN_BYTES);
  const id = options.id ?? 0;
  let data: DataPair;
  try {
    data = options.data ?? (await loadRunData(config, options.cache, options.sources));
  } catch (error) {
    return failedRecord(id, config, 'error', `could not load data set '${config.data}': ${(error as Error).message}`);
  }
  try {
    return trainAndMeasure(id, config, data);
  } catch (error) {
    if (error instanceof ExperimentConfigError) throw error;
    return failedRecord(id, config, 'error', (error as Error).message);
  }
}

/** The synchronous core of {@link runExperiment}, for loaded data. */
export function trainAndMeasure(id: number, config: RunConfig, data: DataPair): SweepRecord {
  const started = performance.now();
  const model: Mlp = mlp({ sizes: modelSizes(config), activation: config.activation, init: config.init });
  const lossKind = runLoss(config);
  const loss = lossFunction(model, data.train, { loss: lossKind });
  const extra =
    config.optimizer === 'sgd'
      ? { batchLoss: batchLossFunction(model, data.train, { loss: lossKind }), numExamples: data.train.X.shape[0]! }
      : {};
  const theta0 = model.init(config.seed);
  // Sharpness along training: measured in train's onStep hook on θ_n, before its update.
  const tracker = config.sharpness ? new SharpnessTracker(loss, config.sharpness, curvatureSeed(config.seed)) : null;
  const onStep = tracker ? { onStep: (n: number, e: number, theta: Float64Array) => void (tracker.due(n) && tracker.lastStep !== n && tracker.measure(n, e, theta)) } : {};
  const trained = trainUnderStopRule(loss, theta0, config, { ...extra, ...onStep });
  // …and at the end point when it is not on the grid (a loss target reached between measurements).
  if (tracker && !trained.diverged && tracker.lastStep !== trained.steps) {
    tracker.measure(trained.steps, loss(tensor(trained.params)).item(), trained.params);
  }
  const record: SweepRecord = {
    ...emptyRecord(id, config, model.numParams),
    status: trained.diverged ? 'diverged' : 'ok',
    steps: trained.steps,
    time: config.lr * trained.steps,
    reachedTarget: trained.reachedTarget,
    diverged: trained.diverged,
    gradientEvaluations: trained.gradientEvaluations,
    hvpEvaluations: trained.hvpEvaluations,
    lossCurve: trained.lossCurve,
    ...(tracker ? { sharpness: tracker.points } : {}),
    ...(config.endCurvature ? { curvature: null } : {}),
  };
  if (!trained.diverged) {
    Object.assign(record, measureSolution(model, data.train, data.test, trained.params, lossKind));
    record.perturbation = perturbationRobustness(model, data.train, data.test, trained.params, config.perturb, config.seed, lossKind);
    if (config.endCurvature) record.curvature = endCurvature(loss, trained.params, config.endCurvature, config.seed);
  }
  record.seconds = (performance.now() - started) / 1000;
  return record;
}
