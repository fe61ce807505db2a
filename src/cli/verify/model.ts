/**
 * The loss of `igr verify --model`: a network and its data described by `igr train`'s run
 * configuration (src/igr/experiments), built once per thread and cached, and the start point θ_K
 * of K full-batch gradient-descent steps from the seeded initialisation (`--after-steps K --lr H`),
 * so the expansion is checked mid-training. Data sets read from files (MNIST) come through
 * igr/node's sources.
 */
import type { ScalarFn } from '../../autodiff/index.js';
import { treesOfOrder } from '../../igr/index.js';
import { modelSizes, runLoss } from '../../igr/experiments/config.js';
import { loadRunData, type DataCache } from '../../igr/experiments/run.js';
import type { RunConfig } from '../../igr/experiments/types.js';
import { lossFunction, mlp, train } from '../../nn/index.js';
import { nodeDataSources } from '../../node/datasets.js';

/** What `{ kind: 'model', config }` holds: the run configuration (data, model, seed, the learning rate H) and K. */
export interface ModelConfig {
  run: RunConfig;
  /** Full-batch GD steps at learning rate `run.lr` from the seeded initialisation before the verification starts (0: at initialisation). */
  afterSteps: number;
}

/**
 * Default bound on a model verification's work, parameters × training examples × the trees of
 * the modified equation up to the highest order (each tree is about one nested backward pass
 * over the whole training set per field evaluation): 5e7, four times MNIST 196-32-10 on 500
 * digits at orders 1–3 (6,634 × 500 × 4 = 1.3e7, about two minutes of CPU per verification).
 */
export const MODEL_MAX_WORK = 5e7;

/** The work estimate of {@link MODEL_MAX_WORK} for a config and the orders asked. */
export function modelWork(config: ModelConfig, orders: readonly number[]): { params: number; examples: number; trees: number; work: number } {
  const sizes = modelSizes(config.run);
  let params = 0;
  for (let i = 1; i < sizes.length; i++) params += sizes[i - 1]! * sizes[i]! + sizes[i]!;
  const P = Math.max(...orders);
  let trees = 0;
  for (let q = 1; q <= P; q++) trees += treesOfOrder(q).length;
  const examples = config.run.train;
  return { params, examples, trees, work: params * examples * trees };
}

/** The network and its loss on the training set, with its seeded initial parameters. */
export interface ModelLoss {
  loss: ScalarFn;
  init: Float64Array;
  numParams: number;
}

/** Data sets of this thread (a worker parses MNIST once) and the losses built on them. */
const dataCache: DataCache = new Map();
const losses = new Map<string, Promise<ModelLoss>>();

/** What determines the loss (not K or H: the pre-training only moves the start). */
function lossKey(c: RunConfig): string {
  return JSON.stringify([c.data, c.train, c.test, c.dataSeed, c.pool, c.hidden, c.activation, c.init, c.seed, runLoss(c)]);
}

/** The model's loss on its training data, built once per thread for each configuration. */
export function modelLoss(config: ModelConfig): Promise<ModelLoss> {
  const key = lossKey(config.run);
  let built = losses.get(key);
  if (built === undefined) {
    built = loadRunData(config.run, dataCache, nodeDataSources).then((data) => {
      const model = mlp({ sizes: modelSizes(config.run), activation: config.run.activation, init: config.run.init });
      return { loss: lossFunction(model, data.train, { loss: runLoss(config.run) }), init: model.init(config.run.seed), numParams: model.numParams };
    });
    losses.set(key, built);
    built.catch(() => losses.delete(key)); // a failed load must not stay cached
  }
  return built;
}

/** θ_K of full-batch GD at the config's learning rate, or where it diverged (never a non-finite θ). */
export function pretrain(
  model: ModelLoss,
  config: ModelConfig,
  onStep?: (step: number) => void,
): { theta: Float64Array } | { diverged: { step: number; reason: string } } {
  if (config.afterSteps === 0) return { theta: Float64Array.from(model.init) };
  const r = train({
    loss: model.loss,
    params0: model.init,
    optimizer: { kind: 'gd', lr: config.run.lr },
    steps: config.afterSteps,
    record: config.afterSteps,
    ...(onStep && { onStep: (step: number) => onStep(step) }),
  });
  if (r.diverged) return { diverged: { step: r.diverged.step, reason: r.diverged.reason } };
  return { theta: r.params };
}

/** The name of a model verification: data, network, seed and start. */
export function describeModel(config: ModelConfig, numParams: number): string {
  const c = config.run;
  const data = c.data === 'mnist' ? `mnist ${c.pool ? '14×14' : '28×28'}` : c.data;
  const start = config.afterSteps === 0 ? 'at initialisation' : `after ${config.afterSteps} GD steps at h = ${c.lr}`;
  return `${data} (${c.train} train), MLP ${modelSizes(c).join('-')} ${c.activation}${c.loss === undefined ? '' : `, ${c.loss} loss`} (${numParams} parameters), seed ${c.seed}, ${start}`;
}
