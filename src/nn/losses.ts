/**
 * Losses and metrics. Softmax cross-entropy is the autodiff's
 * `softmaxCrossEntropy` (mean over examples); it is not re-exported here so the
 * package index exports it once.
 */
import { mean, square, sub, Tensor } from '../autodiff/index.js';

/**
 * Mean squared error: the mean over all `N·k` entries of `(pred - target)²`
 * (no factor 1/2). Shapes must match exactly.
 */
export function meanSquaredError(pred: Tensor, target: Tensor): Tensor {
  if (pred.shape.length !== target.shape.length || pred.shape.some((d, i) => d !== target.shape[i])) {
    throw new Error(
      `meanSquaredError: prediction shape [${pred.shape.join(', ')}] does not match target shape [${target.shape.join(', ')}]`,
    );
  }
  return mean(square(sub(pred, target)));
}

/**
 * Fraction of rows whose largest logit is at the label (ties: the first
 * maximum). `logits` is `[N, K]`, or a flat row-major array of `N·K` values
 * with `N = labels.length`.
 */
export function accuracy(logits: Tensor | Float64Array, labels: ArrayLike<number>): number {
  const n = labels.length;
  const data = logits instanceof Tensor ? logits.data : logits;
  if (logits instanceof Tensor && (logits.shape.length !== 2 || logits.shape[0] !== n)) {
    throw new Error(`accuracy: logits must have shape [${n}, K] for ${n} labels, got [${logits.shape.join(', ')}]`);
  }
  if (n === 0) throw new Error('accuracy: no labels given');
  const k = data.length / n;
  if (!Number.isInteger(k) || k < 1) {
    throw new Error(`accuracy: ${data.length} logits do not split into ${n} rows (one per label)`);
  }
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (data[i * k + j]! > data[i * k + best]!) best = j;
    if (best === labels[i]) correct++;
  }
  return correct / n;
}
