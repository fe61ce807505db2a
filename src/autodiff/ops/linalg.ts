/** Matrix products. */
import { bind } from '../engine.js';
import { ShapeError, matmulKernel } from '../kernels.js';
import { Tensor, fmtShape, type Primitive } from '../tensor.js';
import { mul } from './elementwise.js';
import { sum } from './reduce.js';
import { reshape, transposedSource } from './shape.js';

interface MatmulFlags {
  /** Use Aᵀ in place of A. */
  ta: boolean;
  /** Use Bᵀ in place of B. */
  tb: boolean;
}

/**
 * `op(A) op(B)` for 2-D A, B, with op = transpose when flagged. The flags let the
 * derivative rule form `g Bᵀ` and `Aᵀ g` without materialising a transpose on the tape.
 * For C = A'B' (A' = op(A), B' = op(B)): dA' = g B'ᵀ, dB' = A'ᵀ g, hence
 *   dA = ta ? B' gᵀ : g B'ᵀ,    dB = tb ? gᵀ A' : A'ᵀ g.
 */
const MATMUL: Primitive<MatmulFlags> = {
  name: 'matmul',
  forward([a, b], { ta, tb }) {
    const [ar, ac] = a!.shape as [number, number];
    const [br, bc] = b!.shape as [number, number];
    const n = ta ? ac : ar;
    const k = ta ? ar : ac;
    const m = tb ? br : bc;
    // the kernel reads transposed operands in place (no transpose is materialised)
    return new Tensor([n, m], matmulKernel(a!.data, b!.data, n, k, m, ta, tb));
  },
  rule: (g, [a, b], _y, { ta, tb }, needs) => [
    needs[0] ? (ta ? mm(b!, g, tb, true) : mm(g, b!, false, !tb)) : null,
    needs[1] ? (tb ? mm(g, a!, true, ta) : mm(a!, g, !ta, false)) : null,
  ],
};

function mm(a: Tensor, b: Tensor, ta: boolean, tb: boolean): Tensor {
  return bind(MATMUL, [a, b], { ta, tb });
}

/**
 * Matrix product: `[n, k] × [k, m] → [n, m]`, `[n, k] × [k] → [n]`, `[k] × [k, m] → [m]`,
 * and `[k] × [k] → []` (the dot product).
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) throw new Error('matmul: expected two tensors');
  const bad = (): ShapeError => new ShapeError(`matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} do not fit (inner dimensions must agree; 1-D or 2-D only)`);
  if (a.ndim === 2 && b.ndim === 2) {
    if (a.shape[1] !== b.shape[0]) throw bad();
    // a recorded transpose is folded into the product (see transposedSource)
    const at = transposedSource(a);
    const bt = transposedSource(b);
    return mm(at ?? a, bt ?? b, at !== null, bt !== null);
  }
  if (a.ndim === 2 && b.ndim === 1) {
    if (a.shape[1] !== b.shape[0]) throw bad();
    return reshape(mm(a, reshape(b, [b.size, 1]), false, false), [a.shape[0]!]);
  }
  if (a.ndim === 1 && b.ndim === 2) {
    if (a.shape[0] !== b.shape[0]) throw bad();
    return reshape(mm(reshape(a, [1, a.size]), b, false, false), [b.shape[1]!]);
  }
  if (a.ndim === 1 && b.ndim === 1) {
    if (a.shape[0] !== b.shape[0]) throw bad();
    return dot(a, b);
  }
  throw bad();
}

/** Dot product of two 1-D tensors of equal length; shape `[]`. */
export function dot(a: Tensor, b: Tensor): Tensor {
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) throw new Error('dot: expected two tensors');
  if (a.ndim !== 1 || b.ndim !== 1 || a.shape[0] !== b.shape[0]) {
    throw new ShapeError(`dot: expected two 1-D tensors of equal length, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  return sum(mul(a, b));
}
