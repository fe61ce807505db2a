/**
 * A model and a data set make a loss: a `ScalarFn` of the flat parameters
 * (softmax cross-entropy for classification, mean squared error for regression),
 * so that gradients, Hessian-vector products and the modified losses of
 * `src/igr` apply to it unchanged.
 */
import { softmaxCrossEntropy, type ScalarFn, type Tensor } from '../autodiff/index.js';
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

/** The loss of `model` on the given rows of inputs / labels / targets. */
function lossOn(model: Mlp, data: Dataset, X: Tensor, labels: Int32Array | null, y: Tensor | null): ScalarFn {
  if (data.task === 'classification') {
    return (params) => softmaxCrossEntropy(model.apply(params, X), labels!);
  }
  return (params) => meanSquaredError(model.apply(params, X), y!);
}

/**
 * Full-batch loss of `model` on `data` as a function of the flat parameters:
 * mean softmax cross-entropy (classification) or mean squared error (regression).
 */
export function lossFunction(model: Mlp, data: Dataset): ScalarFn {
  checkModelFitsData(model, data);
  return lossOn(model, data, data.X, data.labels, data.y);
}

/**
 * Minibatch loss: `(params, indices) => loss on those rows`, for SGD. The rows
 * are copied out of the (constant) data set on each call.
 */
export function batchLossFunction(model: Mlp, data: Dataset): (params: Tensor, indices: ArrayLike<number>) => Tensor {
  checkModelFitsData(model, data);
  const n = data.X.shape[0]!;
  return (params, indices) => {
    for (let i = 0; i < indices.length; i++) {
      const r = indices[i]!;
      if (!Number.isInteger(r) || r < 0 || r >= n) throw new Error(`batch loss: row index ${r} outside 0..${n - 1} of '${data.name}'`);
    }
    const batch = subsetDataset(data, indices);
    return lossOn(model, batch, batch.X, batch.labels, batch.y)(params);
  };
}
