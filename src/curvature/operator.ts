/**
 * Linear operators: a symmetric linear map on R^dim given as a function, the Hessian of a
 * `ScalarFn` at a point as such a map (one exact HVP per application), and the checks every
 * algorithm of the layer applies to what an operator returns. Also the small vector kernels
 * and option checks the algorithms share.
 */
import { Rng, Tensor, hvp, type ScalarFn } from '../autodiff/index.js';
import { CurvatureError } from './errors.js';

/**
 * A symmetric linear map v ↦ A v on R^dim. It must return an array of length dim (a new one
 * or its own buffer: the algorithms copy what they keep) and must not modify its argument.
 */
export type LinearOperator = (v: Float64Array) => Float64Array;

/** The Hessian of a loss at a point as a {@link LinearOperator}, with a count of the HVPs it has computed. */
export interface HessianOperator {
  /** The number of parameters m (the operator acts on R^m). */
  readonly dim: number;
  /** H(x) v by one exact Hessian-vector product (reverse-over-reverse autodiff). */
  readonly apply: LinearOperator;
  /** Hessian-vector products computed so far through {@link apply}. */
  readonly hvps: number;
}

/**
 * The Hessian H(x) of `f` at `x` as a linear operator, v ↦ H(x) v by `hvp` (exact, about 2–3
 * gradients each). `x` is copied; a counter records the HVPs. Throws {@link CurvatureError}
 * for a non-function `f`, an `x` that is not a 1-D tensor or array, empty, or not finite.
 */
export function hessianOperator(f: ScalarFn, x: Tensor | Float64Array | readonly number[]): HessianOperator {
  return namedHessianOperator('hessianOperator', f, x);
}

function namedHessianOperator(fn: string, f: ScalarFn, x: Tensor | Float64Array | readonly number[]): HessianOperator {
  if (typeof f !== 'function') throw new CurvatureError('bad-input', fn, `expected a loss function f(x: Tensor) => Tensor, got ${f === null ? 'null' : typeof f}`);
  const point = pointTensor(fn, x);
  let count = 0;
  return {
    dim: point.size,
    apply: (v) => {
      count++;
      return hvp(f, point, new Tensor([point.size], Float64Array.from(v))).data;
    },
    get hvps() {
      return count;
    },
  };
}

/** `x` as a plain 1-D tensor (a copy), validated. */
function pointTensor(fn: string, x: Tensor | Float64Array | readonly number[]): Tensor {
  let data: Float64Array;
  if (x instanceof Tensor) {
    if (x.ndim !== 1) throw new CurvatureError('shape', fn, `x must be a 1-D tensor of shape [m], got shape [${x.shape.join(', ')}]`);
    data = Float64Array.from(x.data);
  } else if (x instanceof Float64Array || Array.isArray(x)) {
    data = Float64Array.from(x as ArrayLike<number>);
  } else {
    throw new CurvatureError('bad-input', fn, `x must be a Tensor, a Float64Array or an array of numbers, got ${x === null ? 'null' : typeof x}`);
  }
  if (data.length === 0) throw new CurvatureError('shape', fn, 'x is empty: the Hessian of a function of no parameters has no eigenvalues');
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new CurvatureError('nonfinite', fn, `x[${i}] is ${data[i]}`);
  }
  return new Tensor([data.length], data);
}

/** An operator wrapped with the checks of {@link checkedOperator}. */
export interface CheckedOperator {
  readonly dim: number;
  /** A v as a fresh array the caller owns, after checking its length and finiteness. */
  apply(v: Float64Array): Float64Array;
  /** Applications so far. */
  readonly count: number;
}

/**
 * Wraps `apply` so that each result is checked (an array of length `dim`, every entry finite)
 * and copied, and counted. A failure throws naming the function, what was applied ("the
 * operator" or "the Hessian-vector product"), the component and the application number.
 */
export function checkedOperator(fn: string, apply: LinearOperator, dim: number, what = 'the operator'): CheckedOperator {
  if (typeof apply !== 'function') throw new CurvatureError('bad-input', fn, `expected the operator as a function (v: Float64Array) => Float64Array, got ${apply === null ? 'null' : typeof apply}`);
  checkDim(fn, dim);
  const unit = what === 'the operator' ? 'application' : 'HVP';
  let count = 0;
  return {
    dim,
    apply(v) {
      count++;
      const r: unknown = apply(Float64Array.from(v));
      if (r === null || typeof r !== 'object' || typeof (r as ArrayLike<number>).length !== 'number') {
        throw new CurvatureError('bad-input', fn, `${what} returned ${r === null ? 'null' : typeof r}, expected an array of length ${dim} (${unit} ${count})`);
      }
      const arr = r as ArrayLike<number>;
      if (arr.length !== dim) throw new CurvatureError('shape', fn, `${what} returned an array of length ${arr.length}, expected ${dim} (${unit} ${count})`);
      const out = Float64Array.from(arr);
      for (let i = 0; i < dim; i++) {
        if (!Number.isFinite(out[i])) throw new CurvatureError('nonfinite', fn, `${what} returned ${out[i]} at component ${i} (${unit} ${count})`);
      }
      return out;
    },
    get count() {
      return count;
    },
  };
}

/** The operator a public `hessian*` function works on: the HVP of `f` at `x`, checked and named after `fn`. */
export function hessianCheckedOperator(fn: string, f: ScalarFn, x: Tensor | Float64Array | readonly number[]): CheckedOperator {
  const h = namedHessianOperator(fn, f, x);
  return checkedOperator(fn, h.apply, h.dim, 'the Hessian-vector product');
}

// ---- option checks ------------------------------------------------------------------------

export function checkDim(fn: string, dim: number): void {
  if (!Number.isInteger(dim) || dim < 1) throw new CurvatureError('bad-input', fn, `dim must be a positive integer, got ${dim}`);
}

/** An integer option in [min, max]; the message says the valid range. */
export function checkInteger(fn: string, name: string, value: unknown, min: number, max = Infinity, why = ''): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `an integer ≥ ${min}` : min === max ? `${min}` : `an integer in ${min}..${max}`;
    throw new CurvatureError('bad-input', fn, `${name} must be ${range}${why}, got ${String(value)}`);
  }
  return value;
}

export function checkSeed(fn: string, seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new CurvatureError('bad-input', fn, `seed must be a finite number, got ${String(seed)}`);
  return seed;
}

/** A positive finite number option (tol, sigma). */
export function checkPositive(fn: string, name: string, value: unknown, below = Infinity): number {
  if (typeof value !== 'number' || !(value > 0) || !(value < below) || !Number.isFinite(value)) {
    throw new CurvatureError('bad-input', fn, `${name} must be a number in (0, ${below === Infinity ? '∞' : below}), got ${String(value)}`);
  }
  return value;
}

export function checkSymmetryTolerance(fn: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw new CurvatureError('bad-input', fn, `symmetryTolerance must be a finite number ≥ 0, got ${String(value)}`);
  }
  return value;
}

/** A start vector option: length dim, finite, not zero; returned as a unit vector. */
export function checkStart(fn: string, start: ArrayLike<number>, dim: number): Float64Array {
  if (start === null || typeof start !== 'object' || typeof start.length !== 'number') {
    throw new CurvatureError('bad-input', fn, `start must be an array of ${dim} numbers, got ${start === null ? 'null' : typeof start}`);
  }
  if (start.length !== dim) throw new CurvatureError('shape', fn, `start has length ${start.length}, expected ${dim}`);
  const v = Float64Array.from(start);
  for (let i = 0; i < dim; i++) if (!Number.isFinite(v[i])) throw new CurvatureError('nonfinite', fn, `start[${i}] is ${v[i]}`);
  const n = norm(v);
  if (n === 0) throw new CurvatureError('bad-input', fn, 'start is the zero vector');
  scaleInPlace(v, 1 / n);
  return v;
}

// ---- vector kernels -----------------------------------------------------------------------

export function dot(a: Float64Array, b: Float64Array, offA = 0, offB = 0, n = a.length - offA): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[offA + i]! * b[offB + i]!;
  return s;
}

export function norm(v: Float64Array): number {
  // scaled to avoid overflow and underflow of the squares
  let big = 0;
  for (let i = 0; i < v.length; i++) big = Math.max(big, Math.abs(v[i]!));
  if (big === 0 || !Number.isFinite(big)) return big;
  let s = 0;
  const inv = 1 / big;
  for (let i = 0; i < v.length; i++) {
    const t = v[i]! * inv;
    s += t * t;
  }
  return big * Math.sqrt(s);
}

/**
 * +1 or −1: the sign that makes the entry of largest magnitude (the first such) positive. The
 * sign convention of every eigenvector the layer returns, so results are deterministic
 * functions of their input rather than of the start vector's sign.
 */
export function signOfLargest(v: ArrayLike<number>): number {
  let big = 0;
  for (let i = 1; i < v.length; i++) if (Math.abs(v[i]!) > Math.abs(v[big]!)) big = i;
  return v[big]! < 0 ? -1 : 1;
}

export function scaleInPlace(v: Float64Array, c: number): void {
  for (let i = 0; i < v.length; i++) v[i]! *= c;
}

/** A vector of independent standard normal entries. */
export function gaussianVector(rng: Rng, dim: number): Float64Array {
  const v = new Float64Array(dim);
  for (let i = 0; i < dim; i++) v[i] = rng.normal();
  return v;
}

/** A vector of independent Rademacher (±1, each with probability 1/2) entries, 32 per random word. */
export function rademacherVector(rng: Rng, dim: number): Float64Array {
  const v = new Float64Array(dim);
  let bits = 0;
  for (let i = 0; i < dim; i++) {
    if ((i & 31) === 0) bits = rng.nextUint32();
    v[i] = (bits >>> (i & 31)) & 1 ? 1 : -1;
  }
  return v;
}
