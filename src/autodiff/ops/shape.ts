/** Shape operations: reshape, transpose, slicing and padding along an axis, concatenation. */
import { bind } from '../engine.js';
import { ShapeError, axisSplit, transposeKernel } from '../kernels.js';
import { Tensor, checkShape, fmtShape, sameShape, shapeSize, type Primitive, type Shape } from '../tensor.js';
import { normAxis } from './reduce.js';

const RESHAPE: Primitive<Shape> = {
  name: 'reshape',
  // tensors are immutable, so the buffer is shared
  forward: ([x], shape) => new Tensor(shape, x!.data),
  rule: (g, [x]) => [reshape(g, x!.shape)],
};

/** The same values with another shape of equal size; one dimension may be -1 (inferred). */
export function reshape(x: Tensor, shape: Shape): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`reshape: expected a Tensor, got ${typeof x}`);
  let target = shape.slice();
  const free = target.indexOf(-1);
  if (free >= 0) {
    const rest = shapeSize(target.filter((_, i) => i !== free));
    if (rest === 0 || x.size % rest !== 0) {
      throw new ShapeError(`reshape: cannot reshape ${fmtShape(x.shape)} (${x.size} elements) to ${fmtShape(shape)}`);
    }
    target[free] = x.size / rest;
  }
  checkShape('reshape', target);
  if (shapeSize(target) !== x.size) {
    throw new ShapeError(`reshape: cannot reshape ${fmtShape(x.shape)} (${x.size} elements) to ${fmtShape(shape)} (${shapeSize(target)} elements)`);
  }
  if (sameShape(target, x.shape)) return x;
  return bind(RESHAPE, [x], target);
}

const TRANSPOSE: Primitive<null> = {
  name: 'transpose',
  forward: ([x]) => new Tensor([x!.shape[1]!, x!.shape[0]!], transposeKernel(x!.data, x!.shape[0]!, x!.shape[1]!)),
  rule: (g) => [transpose(g)],
};

/**
 * When `x` was recorded as `transpose(w)` on an active trace, that `w`; else `null`.
 * Lets matmul fold `a · transpose(w)` (how a dense layer applies `W: [out, in]`) into one
 * product that reads `w` in place, so the backward pass forms `dW = gᵀ a` directly instead
 * of `dWᵀ = aᵀ g` followed by a transpose. Same sums in the same order, so the same bits;
 * at every nesting level, since the folded product is the same primitive bound again.
 */
export function transposedSource(x: Tensor): Tensor | null {
  if (x.trace === null || !x.trace.active) return null;
  const node = x.node;
  return node !== null && node.prim === TRANSPOSE ? node.inputs[0]! : null;
}

/** Transpose of a matrix (2-D tensor). */
export function transpose(x: Tensor): Tensor {
  if (x.ndim !== 2) throw new ShapeError(`transpose: expected a 2-D tensor, got shape ${fmtShape(x.shape)}`);
  return bind(TRANSPOSE, [x], null);
}

interface AxisRange {
  axis: number;
  start: number;
  /** Length of the slice (for slicing) or of the padded axis (for padding). */
  length: number;
}

/** Copies slabs of `n`-long axis slices: the loop shared by slicing, padding and concatenation. */
function copyAxis(src: Float64Array, srcN: number, srcStart: number, dst: Float64Array, dstN: number, dstStart: number, count: number, outer: number, inner: number): void {
  const len = count * inner;
  for (let o = 0; o < outer; o++) {
    const s = (o * srcN + srcStart) * inner;
    const d = (o * dstN + dstStart) * inner;
    if (len < 32) {
      // short runs (slicing a parameter vector of a small model): a loop beats allocating a subarray view
      for (let i = 0; i < len; i++) dst[d + i] = src[s + i]!;
    } else {
      dst.set(src.subarray(s, s + len), d);
    }
  }
}

const SLICE_AXIS: Primitive<AxisRange> = {
  name: 'slice',
  forward([x], { axis, start, length }) {
    const [outer, n, inner] = axisSplit(x!.shape, axis);
    const shape = x!.shape.slice();
    shape[axis] = length;
    const out = new Float64Array(outer * length * inner);
    copyAxis(x!.data, n, start, out, length, 0, length, outer, inner);
    return new Tensor(shape, out);
  },
  // the adjoint of taking a slice is padding the cotangent with zeros
  rule: (g, [x], _y, { axis, start }) => [padAxis(g, axis, start, x!.shape[axis]!)],
  // first order: add g into the slice's place of the accumulated cotangent, without
  // building the zero-padded array (a model slicing its flat parameter vector into L
  // pieces would otherwise allocate and add L full-length arrays per gradient)
  accumulate: (acc, g, [x], range) => addSliceInto(acc, x!.shape, g.data, range),
  addInto: (prev, g, _x, range) => bind(ADD_AT_AXIS, [prev, g], range),
};

/** `acc[slice] += G` in place: `acc` has `shape`, `G` the slice's shape (`range.length` along `range.axis`). */
function addSliceInto(acc: Float64Array, shape: Shape, G: Float64Array, { axis, start, length }: AxisRange): void {
  const [outer, n, inner] = axisSplit(shape, axis);
  const len = length * inner;
  for (let o = 0; o < outer; o++) {
    const d = (o * n + start) * inner;
    const s = o * len;
    for (let i = 0; i < len; i++) acc[d + i] += G[s + i]!;
  }
}

/**
 * `prev` with `g` added at offset `start` along `axis` (`g` spans `length` there): the
 * recorded form of accumulating a slice's cotangent, `prev + pad(g)` in one primitive.
 * Linear in both arguments, so its rule is exact at every order: d prev = u, d g = the
 * matching slice of u.
 */
const ADD_AT_AXIS: Primitive<AxisRange> = {
  name: 'addAt',
  forward([prev, g], range) {
    const out = Float64Array.from(prev!.data);
    addSliceInto(out, prev!.shape, g!.data, range);
    return new Tensor(prev!.shape, out);
  },
  rule: (u, _inputs, _y, { axis, start, length }, needs) => [needs[0] ? u : null, needs[1] ? sliceAxis(u, axis, start, start + length) : null],
};

const PAD_AXIS: Primitive<AxisRange> = {
  name: 'pad',
  forward([x], { axis, start, length }) {
    const [outer, n, inner] = axisSplit(x!.shape, axis);
    const shape = x!.shape.slice();
    shape[axis] = length;
    const out = new Float64Array(outer * length * inner);
    copyAxis(x!.data, n, 0, out, length, start, n, outer, inner);
    return new Tensor(shape, out);
  },
  rule: (g, [x], _y, { axis, start }) => [sliceAxis(g, axis, start, start + x!.shape[axis]!)],
};

/** The axis of an axis operation, checked: a tensor with at least one axis, an integer axis in range (negative counts from the end). */
function checkedAxis(op: string, x: Tensor, axis: number): number {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${x === null ? 'null' : typeof x}`);
  if (x.ndim === 0) throw new ShapeError(`${op}: a scalar (shape []) has no axis to take a range of`);
  return normAxis(op, axis, x.ndim, x.shape);
}

/**
 * Elements `start .. end-1` along `axis` (negative `axis` counts from the end). Unlike `slice` the
 * bounds are not clamped: `0 ≤ start ≤ end ≤` the axis length, integers, or a ShapeError naming
 * the range and the shape.
 */
export function sliceAxis(x: Tensor, axis: number, start: number, end: number): Tensor {
  const a = checkedAxis('sliceAxis', x, axis);
  const n = x.shape[a]!;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || start > end || end > n) {
    throw new ShapeError(`sliceAxis: range ${start}..${end} is not within axis ${a} of shape ${fmtShape(x.shape)} (integers with 0 ≤ start ≤ end ≤ ${n})`);
  }
  if (start === 0 && end === n) return x;
  return bind(SLICE_AXIS, [x], { axis: a, start, length: end - start });
}

/**
 * `x` placed at offset `start` along `axis` in zeros of axis length `length` (negative `axis`
 * counts from the end): integers with `0 ≤ start` and `start + (x's axis length) ≤ length`, or a
 * ShapeError naming them and the shape.
 */
export function padAxis(x: Tensor, axis: number, start: number, length: number): Tensor {
  const a = checkedAxis('padAxis', x, axis);
  const n = x.shape[a]!;
  if (!Number.isInteger(start) || !Number.isInteger(length) || start < 0 || start + n > length) {
    throw new ShapeError(`padAxis: axis ${a} of shape ${fmtShape(x.shape)} (length ${n}) does not fit at offset ${start} in length ${length} (integers with 0 ≤ start and start + ${n} ≤ length)`);
  }
  if (start === 0 && length === n) return x;
  return bind(PAD_AXIS, [x], { axis: a, start, length });
}

/**
 * Elements `start .. end-1` along the first axis, with `Array.prototype.slice` semantics
 * (negative indices count from the end, bounds are clamped). On a flat parameter vector
 * this is how a model cuts out its weight matrices: `reshape(slice(theta, 0, 6), [2, 3])`.
 */
export function slice(x: Tensor, start = 0, end?: number): Tensor {
  if (x.ndim === 0) throw new ShapeError(`slice: cannot slice a scalar (shape [])`);
  if (!Number.isInteger(start) || (end !== undefined && !Number.isInteger(end))) {
    throw new Error(`slice: start and end must be integers, got ${start} and ${end}`);
  }
  const n = x.shape[0]!;
  const clamp = (i: number): number => Math.min(n, Math.max(0, i < 0 ? i + n : i));
  const s = clamp(start);
  const e = Math.max(s, end === undefined ? n : clamp(end));
  return sliceAxis(x, 0, s, e);
}

const CONCAT: Primitive<number> = {
  name: 'concat',
  forward(xs, axis) {
    const shape = xs[0]!.shape.slice();
    let total = 0;
    for (const x of xs) total += x.shape[axis]!;
    shape[axis] = total;
    const [outer, , inner] = axisSplit(shape, axis);
    const out = new Float64Array(shapeSize(shape));
    let at = 0;
    for (const x of xs) {
      const n = x.shape[axis]!;
      copyAxis(x.data, n, 0, out, total, at, n, outer, inner);
      at += n;
    }
    return new Tensor(shape, out);
  },
  rule(g, xs, _y, axis, needs) {
    let at = 0;
    return xs.map((x, i) => {
      const n = x.shape[axis]!;
      const piece = needs[i] ? sliceAxis(g, axis, at, at + n) : null;
      at += n;
      return piece;
    });
  },
};

/** Joins tensors along `axis`; all other dimensions must agree. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new Error('concat: expected a non-empty array of tensors');
  const first = xs[0]!;
  if (first.ndim === 0) throw new ShapeError('concat: cannot concatenate scalars (shape []); reshape them to [1] first');
  const a = normAxis('concat', axis, first.ndim, first.shape);
  for (const x of xs) {
    const ok = x.ndim === first.ndim && x.shape.every((d: number, i: number) => i === a || d === first.shape[i]);
    if (!ok) {
      throw new ShapeError(`concat: shapes ${fmtShape(first.shape)} and ${fmtShape(x.shape)} differ outside axis ${a}`);
    }
  }
  if (xs.length === 1) return first;
  return bind(CONCAT, xs.slice(), a);
}
