/**
 * Reductions and their adjoints. `sumTo` (sum down to a shape that broadcasts back) and
 * `broadcastTo` are each other's derivative; `sum`, `mean` and `unbroadcast` (the one
 * helper that returns a broadcasting operation's cotangent to its input's shape) are
 * built on them.
 */
import { bind } from '../engine.js';
import { Bin, ShapeError, binaryKernel, broadcastShapes, maxAxisKernel, sumToKernel } from '../kernels.js';
import { Tensor, fmtShape, sameShape, type Primitive, type Shape } from '../tensor.js';
import { mul } from './elementwise.js';
import { reshape } from './shape.js';

const SUM_TO: Primitive<Shape> = {
  name: 'sumTo',
  forward: ([x], shape) => new Tensor(shape, sumToKernel(x!.data, x!.shape, shape)),
  rule: (g, [x]) => [broadcastTo(g, x!.shape)],
};

const BROADCAST_TO: Primitive<Shape> = {
  name: 'broadcastTo',
  forward([x], shape) {
    const out = binaryKernel(Bin.First, x!.data, x!.shape, ZERO, [], shape);
    return new Tensor(shape, out);
  },
  rule: (g, [x]) => [sumTo(g, x!.shape)],
};
const ZERO = new Float64Array(1);

/** Sums `x` down to `shape`, which must broadcast to `x.shape` (the adjoint of {@link broadcastTo}). */
export function sumTo(x: Tensor, shape: Shape): Tensor {
  if (sameShape(x.shape, shape)) return x;
  const b = broadcastShapes('sumTo', x.shape, shape);
  if (!sameShape(b, x.shape)) {
    throw new ShapeError(`sumTo: shape ${fmtShape(shape)} does not broadcast to ${fmtShape(x.shape)}`);
  }
  return bind(SUM_TO, [x], shape.slice());
}

/** Repeats `x` along stretched axes to `shape` (numpy broadcasting). */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  if (sameShape(x.shape, shape)) return x;
  const b = broadcastShapes('broadcastTo', x.shape, shape);
  if (!sameShape(b, shape)) {
    throw new ShapeError(`broadcastTo: shape ${fmtShape(x.shape)} does not broadcast to ${fmtShape(shape)}`);
  }
  return bind(BROADCAST_TO, [x], shape.slice());
}

/** The cotangent `g` of a broadcast result, summed back to the input shape `shape`. */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  // sum over the leading axes the input did not have, and over its stretched axes
  const lead = g.shape.length - shape.length;
  const keep = g.shape.map((d, i) => (i < lead ? 1 : shape[i - lead] === 1 ? 1 : d));
  const s = sumTo(g, keep);
  return sameShape(s.shape, shape) ? s : reshape(s, shape);
}

/** Resolves a possibly negative axis, or throws naming the operation and the shape. */
export function normAxis(op: string, axis: number, ndim: number, shape: Shape): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new ShapeError(`${op}: axis ${axis} is out of range for shape ${fmtShape(shape)} (valid: ${-ndim}..${ndim - 1})`);
  }
  return axis < 0 ? axis + ndim : axis;
}

function reducedShapes(op: string, x: Tensor, axis: number | undefined): { keep: number[]; drop: number[]; count: number } {
  if (axis === undefined) {
    return { keep: x.shape.map(() => 1), drop: [], count: x.size };
  }
  const a = normAxis(op, axis, x.ndim, x.shape);
  const keep = x.shape.slice();
  keep[a] = 1;
  const drop = x.shape.filter((_, i) => i !== a);
  return { keep, drop, count: x.shape[a]! };
}

/** Sum of all elements (`axis` omitted) or along `axis`; `keepdims` keeps the reduced axis with length 1. */
export function sum(x: Tensor, axis?: number, keepdims = false): Tensor {
  const { keep, drop } = reducedShapes('sum', x, axis);
  const s = sumTo(x, keep);
  return keepdims ? s : reshape(s, drop);
}

/** Mean of all elements or along `axis`. */
export function mean(x: Tensor, axis?: number, keepdims = false): Tensor {
  const { count } = reducedShapes('mean', x, axis);
  if (count === 0) throw new ShapeError(`mean: cannot average over an empty axis (shape ${fmtShape(x.shape)})`);
  return mul(sum(x, axis, keepdims), 1 / count);
}

const MAX: Primitive<number> = {
  name: 'max',
  forward([x], axis) {
    const shape = x!.shape.filter((_, i) => i !== axis);
    return new Tensor(shape, maxAxisKernel(x!.data, x!.shape, axis).values);
  },
  // the cotangent flows to the first maximal element of each slice; the selection mask is a constant
  rule(g, [x], _y, axis) {
    const { argIndex } = maxAxisKernel(x!.data, x!.shape, axis);
    const mask = new Float64Array(x!.size);
    for (let i = 0; i < argIndex.length; i++) mask[argIndex[i]!] = 1;
    const keep = x!.shape.slice();
    keep[axis] = 1;
    return [mul(broadcastTo(reshape(g, keep), x!.shape), new Tensor(x!.shape, mask))];
  },
};

/**
 * Maximum along `axis` (all elements when omitted). The derivative goes to the first
 * maximal element of each slice (a subgradient at ties; exact elsewhere).
 */
export function max(x: Tensor, axis?: number, keepdims = false): Tensor {
  let m: Tensor;
  if (axis === undefined) {
    if (x.size === 0) throw new ShapeError(`max: empty tensor of shape ${fmtShape(x.shape)}`);
    m = bind(MAX, [reshape(x, [x.size])], 0);
    return keepdims ? reshape(m, x.shape.map(() => 1)) : m;
  }
  const a = normAxis('max', axis, x.ndim, x.shape);
  if (x.shape[a] === 0) throw new ShapeError(`max: axis ${axis} of shape ${fmtShape(x.shape)} is empty`);
  m = bind(MAX, [x], a);
  if (!keepdims) return m;
  const keep = x.shape.slice();
  keep[a] = 1;
  return reshape(m, keep);
}

