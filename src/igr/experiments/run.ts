/**
 * One training run of the paper's experiments, from a {@link RunConfig} to the
 * {@link SweepRecord} it produces: load the data, build the MLP, train by the
 * configured optimiser and stop rule, and measure the solution.
 */
import {
  batchLossFunction,
  loadDataset,
  lossFunction,
  mlp,
  train,
  DEFAULT_EXPLODE_FACTOR,
  type Dataset,
  type Mlp,
  type OptimizerSpec,
  type TrainOptions,
  type TrainResult,
} from '../../nn/index.js';
import type { ScalarFn } from '../../autodiff/index.js';
import { modelSizes, syntheticData, validateRunConfig, ExperimentConfigError } from './config.js';
import { finiteOrNull, measureSolution, perturbationRobustness } from './measure.js';
import type { RunConfig, SweepRecord } from './types.js';

/** A train/test pair. */
export interface DataPair {
  train: Dataset;
  test: Dataset;
}

/** Data sets already loaded, keyed by what determines them; one per worker, so a sweep parses MNIST once per worker. */
export type DataCache = Map<string, Promise<DataPair>>;

function dataKey(c: RunConfig): string {
  return JSON.stringify([c.data, c.train, c.test, c.dataSeed, c.data === 'mnist' ? c.pool : null]);
}

/** Loads (or takes from `cache`) the train/test pair a config trains and tests on. */
export function loadRunData(config: RunConfig, cache?: DataCache): Promise<DataPair> {
  const key = dataKey(config);
  const hit = cache?.get(key);
  if (hit) return hit;
  const { data, train, test, dataSeed: seed } = config;
  // The synthetic sets take their fixed parameters from one table; each generator reads only its own keys.
  const loading =
    data === 'mnist'
      ? loadDataset('mnist', { train, test, seed, pool: config.pool })
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

/** Steps between checks of the loss target when the config records no loss curve. */
const DEFAULT_CHUNK = 25;

/**
 * Trains under the config's stop rule.
 *
 * Full-batch GD and EGR are memoryless (θ_{n+1} depends on θ_n only), so
 * training runs in chunks, each a call of src/nn's `train` continuing from the
 * last parameters; the chunks give the same iterates as one long call. Each
 * chunk reports E(θ_n) before every step, so the first n with E(θ_n) ≤ target
 * is known exactly, and the run is replayed from the chunk's start for those
 * steps (deterministic, so bit-identical) to stop exactly there.
 *
 * SGD and momentum carry state across steps (the epoch order, the previous
 * iterate), so they run in a single call and support only the steps and time rules.
 */
export function trainUnderStopRule(
  loss: ScalarFn,
  params0: Float64Array,
  config: RunConfig,
  extra: Partial<TrainOptions> = {},
): StoppedTraining {
  const optimizer = optimizerSpec(config);
  const stop = config.stop;
  const totalSteps = stop.kind === 'steps' ? stop.steps : stop.kind === 'time' ? Math.round(stop.T / config.lr) : stop.maxSteps;
  const target = stop.kind === 'loss' ? stop.target : -Infinity;
  let gradientEvaluations = 0;
  let hvpEvaluations = 0;
  const curve: { step: number[]; loss: (number | null)[] } | null = config.recordEvery > 0 ? { step: [], loss: [] } : null;
  const tally = (r: TrainResult) => {
    gradientEvaluations += r.gradientEvaluations;
    hvpEvaluations += r.hvpEvaluations;
  };
  const divergence = (r: TrainResult, offset: number): SweepRecord['diverged'] =>
    r.diverged && { step: offset + r.diverged.step, loss: finiteOrNull(r.diverged.loss), reason: r.diverged.reason };

  if (config.optimizer === 'sgd' || config.optimizer === 'momentum') {
    const r = train({
      loss,
      params0,
      optimizer,
      steps: totalSteps,
      ...(config.recordEvery > 0 ? { record: config.recordEvery } : {}),
      ...extra,
    });
    tally(r);
    if (curve) {
      r.lossSteps.forEach((s, i) => {
        curve.step.push(s);
        curve.loss.push(finiteOrNull(r.losses[i]!));
      });
    }
    return {
      params: r.params,
      steps: r.diverged ? r.diverged.step : r.steps,
      reachedTarget: null,
      diverged: divergence(r, 0),
      gradientEvaluations,
      hvpEvaluations,
      lossCurve: curve,
    };
  }

  const chunk = config.recordEvery > 0 ? config.recordEvery : DEFAULT_CHUNK;
  let theta = params0;
  let done = 0;
  // train() calls a loss exploded above factor · max(|E(start of call)|, 1); rescale the
  // factor per chunk so the threshold stays relative to E(θ_0), as in one long call.
  const explodeFactor = extra.explodeFactor ?? DEFAULT_EXPLODE_FACTOR;
  let scale0 = NaN;
  let chunkScale = NaN;
  for (;;) {
    const c = Math.min(chunk, totalSteps - done);
    // E(θ_{done+k}) for k = 0..c, as train reports them (before each step, then the final loss).
    const seen: number[] = [];
    const factor = Number.isFinite(scale0) ? { explodeFactor: (explodeFactor * scale0) / chunkScale } : {};
    const r = train({
      loss,
      params0: theta,
      optimizer,
      steps: c,
      record: Math.max(c, 1),
      onStep: (k, value) => {
        seen[k] = value;
      },
      ...extra,
      ...factor,
    });
    if (!Number.isFinite(scale0) && seen[0] !== undefined) scale0 = Math.max(Math.abs(seen[0]), 1);
    tally(r);
    if (curve && done === 0) {
      curve.step.push(0);
      curve.loss.push(finiteOrNull(seen[0]!));
    }
    const hit = seen.findIndex((v) => v <= target);
    if (hit >= 0 && (r.diverged === null || hit < r.diverged.step)) {
      // Replay the first `hit` steps of this chunk to stop exactly at E ≤ target.
      let params = theta;
      if (hit > 0) {
        const replay = train({ loss, params0: theta, optimizer, steps: hit, record: hit, ...extra, ...factor });
        tally(replay);
        params = replay.params;
      }
      if (curve && hit > 0) {
        curve.step.push(done + hit);
        curve.loss.push(finiteOrNull(seen[hit]!));
      }
      return { params, steps: done + hit, reachedTarget: true, diverged: null, gradientEvaluations, hvpEvaluations, lossCurve: curve };
    }
    if (r.diverged) {
      return {
        params: r.params,
        steps: done + r.diverged.step,
        reachedTarget: stop.kind === 'loss' ? false : null,
        diverged: divergence(r, done),
        gradientEvaluations,
        hvpEvaluations,
        lossCurve: curve,
      };
    }
    theta = r.params;
    done += c;
    chunkScale = Math.max(Math.abs(r.finalLoss), 1);
    if (curve && c > 0) {
      curve.step.push(done);
      curve.loss.push(finiteOrNull(r.finalLoss));
    }
    if (done >= totalSteps) {
      return {
        params: theta,
        steps: done,
        reachedTarget: stop.kind === 'loss' ? false : null,
        diverged: null,
        gradientEvaluations,
        hvpEvaluations,
        lossCurve: curve,
      };
    }
  }
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
    const sizes = modelSizes(config);
    for (let l = 1; l < sizes.length; l++) params += sizes[l]! * sizes[l - 1]! + sizes[l]!;
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
}

/**
 * Runs one configuration and returns its record. Never throws for a run that
 * diverges (status 'diverged', with the step) or fails at run time (status
 * 'error', with the message); an invalid config throws
 * {@link ExperimentConfigError} before anything runs.
 */
export async function runExperiment(config: RunConfig, options: RunOptions = {}): Promise<SweepRecord> {
  validateRunConfig(config);
  const id = options.id ?? 0;
  let data: DataPair;
  try {
    data = options.data ?? (await loadRunData(config, options.cache));
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
  const loss = lossFunction(model, data.train);
  const extra =
    config.optimizer === 'sgd'
      ? { batchLoss: batchLossFunction(model, data.train), numExamples: data.train.X.shape[0]! }
      : {};
  const theta0 = model.init(config.seed);
  const trained = trainUnderStopRule(loss, theta0, config, extra);
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
  };
  if (!trained.diverged) {
    Object.assign(record, measureSolution(model, data.train, data.test, trained.params));
    record.perturbation = perturbationRobustness(model, data.train, data.test, trained.params, config.perturb, config.seed);
  }
  record.seconds = (performance.now() - started) / 1000;
  return record;
}
