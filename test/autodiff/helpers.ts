/**
 * Test oracles independent of the library's own checkGrads: central finite differences
 * with Richardson extrapolation, evaluated in float64.
 */
import { Rng, Tensor, dot, grad, tensor, type ScalarFn } from '../../src/autodiff/index.js';

/**
 * Richardson-extrapolated central difference of a scalar function of a number:
 * (4 D(h/2) - D(h)) / 3 with D(h) = (g(h) - g(-h)) / 2h. Truncation error ≈ h⁴ |g⁽⁵⁾| / 480,
 * rounding error ≈ 2 ε |g| / h (ε = 2.2e-16). With h = 1e-3 and |g|, |g⁽⁵⁾| ≲ 10³ both
 * stay below 1e-9; derivative rule bugs give errors of order 1.
 */
export function richardson(g: (t: number) => number, h = 1e-3): number {
  const central = (s: number): number => (g(s) - g(-s)) / (2 * s);
  return (4 * central(h / 2) - central(h)) / 3;
}

function unit(rng: Rng, n: number): Float64Array {
  const u = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    u[i] = rng.normal();
    s += u[i]! * u[i]!;
  }
  s = Math.sqrt(s);
  for (let i = 0; i < n; i++) u[i]! /= s;
  return u;
}

function shifted(x: Tensor, u: Float64Array, t: number): Tensor {
  const d = new Float64Array(x.size);
  for (let i = 0; i < d.length; i++) d[i] = x.data[i]! + t * u[i]!;
  return tensor(d, x.shape);
}

export interface OrderCheck {
  order: number;
  analytic: number;
  numeric: number;
  error: number;
  tolerance: number;
}

/**
 * For k = 1..order: the analytic k-th directional derivative D^k f[u_1..u_k] (k nested
 * reverse passes) against the finite difference, along u_k, of the analytic (k-1)-th one.
 * Returns every comparison; the caller asserts error <= tolerance.
 */
export function nestedDerivativeChecks(f: ScalarFn, x: Tensor, order: number, seed: number, rtol: number, atol: number): OrderCheck[] {
  const rng = new Rng(seed);
  const out: OrderCheck[] = [];
  let fk: ScalarFn = f;
  for (let k = 1; k <= order; k++) {
    const u = unit(rng, x.size);
    const gk = grad(fk);
    const g = gk(x);
    let analytic = 0;
    for (let i = 0; i < x.size; i++) analytic += g.data[i]! * u[i]!;
    const fkk = fk;
    const numeric = richardson((t) => fkk(shifted(x, u, t)).data[0]!);
    const error = Math.abs(analytic - numeric);
    out.push({ order: k, analytic, numeric, error, tolerance: atol + rtol * Math.abs(numeric) });
    const ut = tensor(u, [x.size]);
    const prev = fk;
    fk = (y) => dot(grad(prev)(y), ut);
  }
  return out;
}
