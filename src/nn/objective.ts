/**
 * A model and a data set make a loss: a `ScalarFn` of the flat parameters
 * (softmax cross-entropy for classification, mean squared error for regression,
 * or mean squared error against one-hot targets for classification when asked),
 * so that gradients, Hessian-vector products and the modified losses of
 * `src/igr` apply to it unchanged.
 */
import { mul, softmaxCrossEntropy, tensor, type ScalarFn, type Tensor } from '../autodiff/index.js';
import { subsetDataset, type Dataset } from './datasets.js';
import { meanSquaredError } from './losses.js';
import type { Mlp } from './mlp.js';

/** Throws unless the model's input and output widths match the data set's, naming both. */
export function checkModelFitsData(model: Mlp, data: Dataset): void {
  const inW = model.sizes[0];
  const outW = model.sizes[model.sizes.length - 1];
  if (inW !== data.inputDim) {
    throw new Error(
      `model sizes ${JSON.stringify(model.sizes)} take ${inW} inputs, but data set '${data.name}' has inputDim ${data.inputDim}`,
    );
  }
  if (outW !== data.outputDim) {
    throw new Error(
      `model sizes ${JSON.stringify(model.sizes)} give ${outW} outputs, but data set '${data.name}' has outputDim ${data.outputDim}` +
        (data.task === 'classification' ? ` (${data.outputDim} classes)` : ''),
    );
  }
  if (data.task === 'classification' && !data.labels) throw new Error(`data set '${data.name}' is a classification task without labels`);
  if (data.task === 'regression' && !data.y) throw new Error(`data set '${data.name}' is a regression task without targets y`);
}

/**
 * Which loss a model is trained on. `cross-entropy`: softmax cross-entropy on the labels
 * (classification only); `mse`: squared error, against the targets y of a regression (the
 * mean over all N·k entries, {@link meanSquaredError}) or against one-hot targets e_y of a
 * classification, where it is Cohen et al.'s square loss (ICLR 2021, the loss under which they
 * observe progressive sharpening most clearly): (1/2N) Σ_i |f(x_i) − e_{y_i}|², half the squared
 * distance summed over the K classes and averaged over the N examples, i.e. K/2 times the mean
 * over entries. Their normalisation, so that sharpness and learning rates compare with theirs.
 */
export const lossKinds = ['cross-entropy', 'mse'] as const;
export type LossKind = (typeof lossKinds)[number];

/** Options of {@link lossFunction} and {@link batchLossFunction}. */
export interface LossOptions {
  /** Default: `cross-entropy` for classification, `mse` for regression. */
  loss?: LossKind;
}

/** The loss a data set is trained on: the one asked for, checked against the task, or the task's default. */
export function resolveLoss(data: Pick<Dataset, 'name' | 'task'>, loss: LossKind | undefined): LossKind {
  if (loss === undefined) return data.task === 'classification' ? 'cross-entropy' : 'mse';
  if (!(lossKinds as readonly unknown[]).includes(loss)) {
    throw new Error(`unknown loss '${String(loss)}': valid losses are ${lossKinds.join(', ')}`);
  }
  if (loss === 'cross-entropy' && data.task !== 'classification') {
    throw new Error(`loss 'cross-entropy' needs class labels, but data set '${data.name}' is a regression (use mse)`);
  }
  return loss;
}

/**
 * One-hot targets `[N, classes]` of integer labels 0..classes−1 (float64: 1 at the label, 0
 * elsewhere); a label outside that range is an error naming its row.
 */
export function oneHot(labels: ArrayLike<number>, classes: number): Tensor {
  if (!Number.isInteger(classes) || classes < 1) throw new Error(`oneHot: classes must be a positive integer, got ${classes}`);
  const out = new Float64Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    if (!Number.isInteger(c) || c < 0 || c >= classes) throw new Error(`oneHot: label ${c} of row ${i} is outside 0..${classes - 1}`);
    out[i * classes + c] = 1;
  }
  return tensor(out, [labels.length, classes]);
}

/** The loss of `model` on the given rows of inputs / labels / targets. */
function lossOn(model: Mlp, data: Dataset, X: Tensor, labels: Int32Array | null, y: Tensor | null, loss: LossKind): ScalarFn {
  if (data.task === 'classification') {
    if (loss === 'mse') {
      const targets = oneHot(labels!, data.outputDim);
      const half = data.outputDim / 2; // (1/2N) Σ_i Σ_k (f_ik − e_ik)² = (K/2) · mean over the N·K entries
      return (params) => mul(meanSquaredError(model.apply(params, X), targets), half);
    }
    return (params) => softmaxCrossEntropy(model.apply(params, X), labels!);
  }
  return (params) => meanSquaredError(model.apply(params, X), y!);
}

/**
 * Full-batch loss of `model` on `data` as a function of the flat parameters:
 * mean softmax cross-entropy (classification) or mean squared error (regression; and, with
 * `{ loss: 'mse' }`, classification against one-hot targets: (1/2N) Σ_i |f(x_i) − e_{y_i}|², see {@link LossKind}).
 */
export function lossFunction(model: Mlp, data: Dataset, options: LossOptions = {}): ScalarFn {
  checkModelFitsData(model, data);
  return lossOn(model, data, data.X, data.labels, data.y, resolveLoss(data, options.loss));
}

/**
 * Minibatch loss: `(params, indices) => loss on those rows`, for SGD. The rows
 * are copied out of the (constant) data set on each call.
 */
export function batchLossFunction(
  model: Mlp,
  data: Dataset,
  options: LossOptions = {},
): (params: Tensor, indices: ArrayLike<number>) => Tensor {
  checkModelFitsData(model, data);
  const loss = resolveLoss(data, options.loss);
  const n = data.X.shape[0]!;
  return (params, indices) => {
    for (let i = 0; i < indices.length; i++) {
      const r = indices[i]!;
      if (!Number.isInteger(r) || r < 0 || r >= n) throw new Error(`batch loss: row index ${r} outside 0..${n - 1} of '${data.name}'`);
    }
    const batch = subsetDataset(data, indices);
    return lossOn(model, batch, batch.X, batch.labels, batch.y, loss)(params);
  };
}
