/**
 * `checkGrads`: analytic derivatives against finite differences, recursing in order
 * (after HIPS/autograd's `check_grads`). At order k it checks the directional derivative
 * of `f_{k-1}(x) = ⟨∇f_{k-2}(x), u_{k-1}⟩` (with `f_0 = f`) along fresh random unit
 * directions, so order k exercises k nested reverse passes.
 */
import { Rng } from './rng.js';
import { add, mul } from './ops/elementwise.js';
import { dot } from './ops/linalg.js';
import { reshape } from './ops/shape.js';
import { grad, type ScalarFn } from './transforms.js';
import { Tensor, fmtShape, tensor } from './tensor.js';

export interface GradCheckOptions {
  /** Highest derivative order to check (default 2). */
  order?: number;
  /** Finite-difference step along a unit direction (default 1e-3; Richardson-extrapolated, error O(eps⁴)). */
  eps?: number;
  /** Relative tolerance (default 1e-6). */
  rtol?: number;
  /** Absolute tolerance (default 1e-8). */
  atol?: number;
  /** Seed of the random directions (default 0). */
  seed?: number;
  /** Random directions per order (default 2). */
  directions?: number;
}

export interface GradCheckEntry {
  order: number;
  /** Index of the direction within its order. */
  direction: number;
  analytic: number;
  numeric: number;
  /** |analytic - numeric|. */
  error: number;
  /** atol + rtol · max(|analytic|, |numeric|). */
  tolerance: number;
}

export interface GradCheckReport {
  order: number;
  checks: GradCheckEntry[];
  /** Largest error / tolerance over all checks (≤ 1 passes). */
  worstRatio: number;
}

/** Thrown by {@link checkGrads} on a mismatch; carries the failing entry and direction. */
export class GradCheckError extends Error {
  override name = 'GradCheckError';
  constructor(
    message: string,
    readonly entry: GradCheckEntry,
    readonly directionVector: Float64Array,
  ) {
    super(message);
  }
}

function unitDirection(rng: Rng, shape: readonly number[], size: number): Tensor {
  const d = new Float64Array(size);
  let norm = 0;
  while (norm === 0) {
    norm = 0;
    for (let i = 0; i < size; i++) {
      d[i] = rng.normal();
      norm += d[i]! * d[i]!;
    }
    norm = Math.sqrt(norm);
  }
  for (let i = 0; i < size; i++) d[i]! /= norm;
  return new Tensor(shape.slice(), d);
}

/**
 * Checks the derivatives of `f` at `x` up to `opts.order` against central finite
 * differences along random directions; returns a report, or throws a
 * {@link GradCheckError} naming the order, the direction and both values.
 */
export function checkGrads(f: ScalarFn, point: Tensor | readonly number[], opts: GradCheckOptions = {}): GradCheckReport {
  const order = opts.order ?? 2;
  const eps = opts.eps ?? 1e-3;
  const rtol = opts.rtol ?? 1e-6;
  const atol = opts.atol ?? 1e-8;
  const directions = opts.directions ?? 2;
  if (!Number.isInteger(order) || order < 1) throw new Error(`checkGrads: order must be a positive integer, got ${order}`);
  if (!(eps > 0)) throw new Error(`checkGrads: eps must be positive, got ${eps}`);
  if (!(point instanceof Tensor) && !Array.isArray(point)) throw new Error('checkGrads: x must be a Tensor or an array of numbers');
  const x = point instanceof Tensor ? point : tensor(point);
  const at = `x = [${Array.from(x.data.slice(0, 8), (v) => String(v)).join(', ')}${x.size > 8 ? ', ...' : ''}]`;
  const rng = new Rng(opts.seed ?? 0);
  const checks: GradCheckEntry[] = [];
  let worstRatio = 0;
  let fk: ScalarFn = f;
  const value = (g: ScalarFn, y: Tensor): number => {
    const r = g(y);
    if (r.size !== 1) throw new Error(`checkGrads: the function must return a scalar, got shape ${fmtShape(r.shape)}`);
    return r.data[0]!;
  };
  for (let k = 1; k <= order; k++) {
    const gk = grad(fk);
    let next: Tensor | null = null;
    for (let d = 0; d < Math.max(1, directions); d++) {
      const u = unitDirection(rng, x.shape, x.size);
      next ??= u;
      const analytic = dot(reshape(gk(x), [x.size]), reshape(u, [x.size])).data[0]!;
      const fk_ = fk;
      const central = (h: number): number => (value(fk_, add(x, mul(u, h))) - value(fk_, add(x, mul(u, -h)))) / (2 * h);
      // Richardson: (4 D(h/2) - D(h)) / 3 cancels the h² error term of the central difference
      const numeric = (4 * central(eps / 2) - central(eps)) / 3;
      const error = Math.abs(analytic - numeric);
      const tolerance = atol + rtol * Math.max(Math.abs(analytic), Math.abs(numeric));
      const entry = { order: k, direction: d, analytic, numeric, error, tolerance };
      checks.push(entry);
      // A comparison with NaN or ∞ says nothing ("error NaN > tolerance NaN"): name what is not finite.
      if (!Number.isFinite(analytic)) {
        throw new GradCheckError(
          `checkGrads: the order ${k} derivative is not finite at ${at} (along direction ${d}: ${analytic}); f is not differentiable there, or its derivative overflows`,
          entry,
          u.data,
        );
      }
      if (!Number.isFinite(numeric)) {
        throw new GradCheckError(
          `checkGrads: the finite difference of order ${k} at ${at} along direction ${d} is ${numeric}: f is not finite within eps = ${eps} of x (x is at or near the edge of its domain); the analytic value is ${analytic}`,
          entry,
          u.data,
        );
      }
      const ratio = error / tolerance;
      if (!(ratio <= 1)) {
        throw new GradCheckError(
          `checkGrads: order ${k} derivative mismatch along direction ${d} ` +
            `[${Array.from(u.data.slice(0, 8), (v) => v.toPrecision(4)).join(', ')}${u.size > 8 ? ', ...' : ''}]: ` +
            `analytic ${analytic} vs finite difference ${numeric} (error ${error.toExponential(3)} > tolerance ${tolerance.toExponential(3)})`,
          entry,
          u.data,
        );
      }
      worstRatio = Math.max(worstRatio, ratio);
    }
    const uk = next!;
    const prev = fk;
    fk = (y: Tensor) => dot(reshape(grad(prev)(y), [y.size]), reshape(uk, [y.size]));
  }
  return { order, checks, worstRatio };
}
