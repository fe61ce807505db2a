/**
 * Log-sum-exp, softmax and softmax cross-entropy, stable for large logits: the maximum
 * is subtracted first. The maximum enters as a constant (its derivative contributions
 * cancel exactly: d lse/dx = softmax whatever constant is subtracted), so these stay
 * differentiable to any order.
 */
import { bind } from '../engine.js';
import { ShapeError, maxAxisKernel } from '../kernels.js';
import { Tensor, fmtShape, type Primitive } from '../tensor.js';
import { add, div, exp, log, mul, sub } from './elementwise.js';
import { normAxis, sumTo } from './reduce.js';
import { reshape } from './shape.js';

/** Plain tensor of per-slice maxima (keepdims shape), with non-finite maxima replaced by 0. */
function shiftOf(x: Tensor, axis: number | undefined): Tensor {
  if (axis === undefined) {
    let m = -Infinity;
    for (const v of x.data) if (v > m) m = v;
    return new Tensor(x.shape.map(() => 1), Float64Array.of(Number.isFinite(m) ? m : 0));
  }
  const { values } = maxAxisKernel(x.data, x.shape, axis);
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) values[i] = 0;
  const keep = x.shape.slice();
  keep[axis] = 1;
  return new Tensor(keep, values);
}

/** `log Σ exp(x)` over all elements or along `axis`, computed as `m + log Σ exp(x - m)`. */
export function logSumExp(x: Tensor, axis?: number, keepdims = false): Tensor {
  const a = axis === undefined ? undefined : normAxis('logSumExp', axis, x.ndim, x.shape);
  const m = shiftOf(x, a);
  const s = add(log(sumTo(exp(sub(x, m)), m.shape)), m);
  if (keepdims) return s;
  return reshape(s, a === undefined ? [] : x.shape.filter((_, i) => i !== a));
}

/**
 * Probabilities `exp(x) / Σ exp(x)` along `axis` (default the last), as `e / Σ e` with
 * `e = exp(x - m)`: subtracting the constant m = max first keeps every exponent ≤ 0, and
 * (unlike `exp(x - logSumExp(x))`) loses no digits to rounding `m + log Σ` for large x.
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  const a = normAxis('softmax', axis, x.ndim, x.shape);
  const e = exp(sub(x, shiftOf(x, a)));
  return div(e, sumTo(e, e.shape.map((d, i) => (i === a ? 1 : d))));
}

/** Log-probabilities `x - logSumExp(x, axis)`, computed as `(x - m) - log Σ exp(x - m)`. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const a = normAxis('logSoftmax', axis, x.ndim, x.shape);
  const z = sub(x, shiftOf(x, a));
  return sub(z, log(sumTo(exp(z), z.shape.map((d, i) => (i === a ? 1 : d)))));
}

interface XentParams {
  labels: Int32Array;
}

/**
 * Mean over rows of `logSumExp(logits_i) - logits_i[y_i]`. Fused: the forward pass makes
 * one stable pass per row, and the rule `g (softmax(L) - onehot(y)) / N` is written in
 * differentiable operations, so second and higher derivatives follow.
 */
const XENT: Primitive<XentParams> = {
  name: 'softmaxCrossEntropy',
  forward([logits], { labels }) {
    const [n, k] = logits!.shape as [number, number];
    const L = logits!.data;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const r = i * k;
      let m = -Infinity;
      for (let j = 0; j < k; j++) if (L[r + j]! > m) m = L[r + j]!;
      if (!Number.isFinite(m)) m = 0;
      let s = 0;
      for (let j = 0; j < k; j++) s += Math.exp(L[r + j]! - m);
      // (m - L[y]) first: exact when they are close, so large logits lose no digits to rounding
      total += m - L[r + labels[i]!]! + Math.log(s);
    }
    return new Tensor([], Float64Array.of(total / n));
  },
  rule(g, [logits], _y, { labels }) {
    const [n, k] = logits!.shape as [number, number];
    const onehot = new Float64Array(n * k);
    for (let i = 0; i < n; i++) onehot[i * k + labels[i]!] = 1;
    const p = softmax(logits!, 1);
    return [mul(sub(p, new Tensor([n, k], onehot)), div(g, n))];
  },
};

/**
 * Softmax cross-entropy of `logits` `[N, K]` against integer class labels (length N,
 * each in 0..K-1), averaged over the N rows; shape `[]`. Stable for logits of any size.
 */
export function softmaxCrossEntropy(logits: Tensor, labels: ArrayLike<number>): Tensor {
  if (!(logits instanceof Tensor) || logits.ndim !== 2) {
    throw new ShapeError(`softmaxCrossEntropy: logits must be 2-D [N, K], got shape ${logits instanceof Tensor ? fmtShape(logits.shape) : typeof logits}`);
  }
  const [n, k] = logits.shape as [number, number];
  if (n === 0 || k === 0) throw new ShapeError(`softmaxCrossEntropy: empty logits of shape ${fmtShape(logits.shape)}`);
  if (labels === null || typeof labels !== 'object' || typeof labels.length !== 'number') {
    throw new Error('softmaxCrossEntropy: labels must be an array of integer class indices');
  }
  if (labels.length !== n) {
    throw new ShapeError(`softmaxCrossEntropy: ${labels.length} labels for ${n} rows of logits (shape ${fmtShape(logits.shape)})`);
  }
  const ints = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    if (!Number.isInteger(y) || y < 0 || y >= k) {
      throw new Error(`softmaxCrossEntropy: label ${i} is ${y}; labels must be integers in 0..${k - 1} (K = ${k} classes)`);
    }
    ints[i] = y;
  }
  return bind(XENT, [logits], { labels: ints });
}

