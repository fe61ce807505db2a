/**
 * The modified equation of gradient descent for a one-dimensional polynomial loss, to any order,
 * without trees: the closed form that the truncation study (./truncation.ts) checks the B-series
 * terms against, and that carries it to orders (30, 50, …) no tree enumeration reaches.
 *
 * For θ' = f(θ) with f = −E′ a polynomial, explicit Euler's modified field f~ = Σ_j h^{j−1} f_j
 * has polynomial coefficients f_j of degree ≤ (deg f − 1)(j − 1) + deg f. They follow from
 * matching the exact flow of f~, exp(h L) id with L = f~ d/dθ, against θ + h f(θ) order by order in
 * h (Hairer–Lubich–Wanner, Geometric Numerical Integration, IX.1, eq. (1.4)):
 *
 *     f_n = −Σ_{i=2}^{n} R_i^{(n)},   R_1^{(n)} = f_n,
 *     R_{i+1}^{(n)} = (1/(i+1)) Σ_{k=1}^{n−i} (R_i^{(n−k)})′ f_k
 *
 * where R_i^{(n)} = S_i^{(n)}/i! and S_i^{(n)} is the coefficient of h^{n−i} in L^{i−1} f~ (the
 * sum over compositions k_1 + … + k_i = n of D_{k_1}⋯D_{k_{i−1}} f_{k_i}, D_k g = g′ f_k). The
 * recursion costs O(n⁵/60) coefficient operations for orders up to n, so order 50 is well under a
 * second. Its sums cancel (coefficients grow factorially with alternating signs: in plain float64
 * the coefficients of f_50 come out with relative errors up to 4e-8), so it runs in double-double
 * arithmetic (about 32 significant digits) and rounds to float64 at the end: every coefficient is
 * then the nearest double to the exact rational, or within an ulp of it (tested against BigInt
 * rationals).
 */
import { IgrError } from './types.js';

// ---- double-double arithmetic (Dekker 1971; Hida, Li & Bailey's QD library) -----------------

/** An unevaluated sum hi + lo with |lo| ≤ ulp(hi)/2. */
type DD = [number, number];

const SPLITTER = 134217729; // 2^27 + 1: splits a double into two 26-bit halves

function twoSum(a: number, b: number): DD {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}

function quickTwoSum(a: number, b: number): DD {
  const s = a + b;
  return [s, b - (s - a)];
}

function twoProd(a: number, b: number): DD {
  const p = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

function ddAdd(a: DD, b: DD): DD {
  const [s, e] = twoSum(a[0], b[0]);
  const [t, f] = twoSum(a[1], b[1]);
  const [s2, e2] = quickTwoSum(s, e + t);
  return quickTwoSum(s2, e2 + f);
}

function ddMul(a: DD, b: DD): DD {
  const [p, e] = twoProd(a[0], b[0]);
  return quickTwoSum(p, e + (a[0] * b[1] + a[1] * b[0]));
}

function ddScale(a: DD, s: number): DD {
  const [p, e] = twoProd(a[0], s);
  return quickTwoSum(p, e + a[1] * s);
}

function ddDiv(a: DD, d: number): DD {
  const q1 = a[0] / d;
  const [p, e] = twoProd(q1, d);
  const [s, f] = twoSum(a[0], -p);
  const q2 = (s + (f - e + a[1])) / d;
  return quickTwoSum(q1, q2);
}

/** A polynomial with double-double coefficients, ascending powers. */
type DDPoly = DD[];

function polyMulAdd(acc: DDPoly, a: DDPoly, b: DDPoly): void {
  for (let i = 0; i < a.length; i++) {
    const ai = a[i]!;
    if (ai[0] === 0 && ai[1] === 0) continue;
    for (let j = 0; j < b.length; j++) {
      const bj = b[j]!;
      if (bj[0] === 0 && bj[1] === 0) continue;
      const k = i + j;
      while (acc.length <= k) acc.push([0, 0]);
      acc[k] = ddAdd(acc[k]!, ddMul(ai, bj));
    }
  }
}

function derivative(a: DDPoly): DDPoly {
  if (a.length <= 1) return [[0, 0]];
  const out: DDPoly = [];
  for (let k = 1; k < a.length; k++) out.push(ddScale(a[k]!, k));
  return out;
}

// ---- the recursion ------------------------------------------------------------------------

/** Largest order {@link polynomialModifiedEquation} computes (the cost grows like n⁵). */
export const MAX_POLYNOMIAL_ORDER = 120;

/**
 * The coefficient polynomials f_1..f_order of explicit Euler's modified equation for the scalar
 * ODE θ' = f(θ), f(θ) = Σ_k field[k] θ^k, as ascending coefficient arrays (f_1 = f).
 *
 * @example polynomialModifiedEquation([0, 0, -1], 3) // f = −θ²: [[0,0,−1], [0,0,0,−1], [0,0,0,0,−1.5]]
 */
export function polynomialModifiedEquation(field: readonly number[], order: number): Float64Array[] {
  const fn = 'polynomialModifiedEquation';
  if (!Array.isArray(field) || field.length === 0) throw new IgrError(`${fn}: the field needs at least one coefficient, got ${JSON.stringify(field)}`);
  field.forEach((c, k) => {
    if (typeof c !== 'number' || !Number.isFinite(c)) throw new IgrError(`${fn}: coefficient ${k} of the field is ${String(c)}, not a finite number`);
  });
  if (!Number.isInteger(order) || order < 1 || order > MAX_POLYNOMIAL_ORDER) {
    throw new IgrError(`${fn}: order must be an integer in 1..${MAX_POLYNOMIAL_ORDER}, got ${order}`);
  }
  const f: DDPoly[] = [[], field.map((c): DD => [c, 0])]; // f[k], 1-based
  // R[i][n] for i ≥ 1 (R[1][n] = f_n); only n ≤ order is ever read.
  const R: DDPoly[][] = [[], [[], f[1]!]];
  for (let n = 2; n <= order; n++) {
    const fnPoly: DDPoly = [[0, 0]];
    for (let i = 2; i <= n; i++) {
      const s: DDPoly = [[0, 0]];
      for (let k = 1; k <= n - i + 1; k++) {
        const prev = R[i - 1]![n - k];
        if (prev) polyMulAdd(s, derivative(prev), f[k]!);
      }
      const scaled = s.map((c) => ddDiv(c, i));
      (R[i] ??= [])[n] = scaled;
      for (let c = 0; c < scaled.length; c++) {
        while (fnPoly.length <= c) fnPoly.push([0, 0]);
        fnPoly[c] = ddAdd(fnPoly[c]!, [-scaled[c]![0], -scaled[c]![1]]);
      }
    }
    f[n] = fnPoly;
    R[1]![n] = fnPoly;
  }
  return f.slice(1).map((p) => {
    let top = p.length;
    while (top > 1 && p[top - 1]![0] === 0) top--;
    return Float64Array.from(p.slice(0, top), (c) => c[0] + c[1]);
  });
}

/** The value of a polynomial (ascending coefficients) at x, by Horner's rule. */
export function polynomialValue(coefficients: ArrayLike<number>, x: number): number {
  let acc = 0;
  for (let k = coefficients.length - 1; k >= 0; k--) acc = acc * x + coefficients[k]!;
  return acc;
}

/**
 * A closed-form provider of f_1..f_order for the one-dimensional polynomial loss
 * E(θ) = Σ_k loss[k] θ^k (gradient descent on it is explicit Euler on f = −E′): the signature of
 * `VerificationProblem.closedForm` and of the truncation study's `terms`. The polynomials are
 * computed once, for the highest order asked so far.
 */
export function polynomialModifiedTerms(loss: readonly number[]): (theta: Float64Array, order: number) => Float64Array[] {
  if (!Array.isArray(loss) || loss.length < 2) {
    throw new IgrError(`polynomialModifiedTerms: the loss needs coefficients of θ^0 and θ^1 at least (ascending), got ${JSON.stringify(loss)}`);
  }
  const field = loss.slice(1).map((c, k) => -(k + 1) * c); // f = −E′
  let cached: Float64Array[] = [];
  return (theta, order) => {
    if (theta.length !== 1) throw new IgrError(`polynomialModifiedTerms: θ must have one component (a one-dimensional loss), got ${theta.length}`);
    if (order > cached.length) cached = polynomialModifiedEquation(field, order);
    const x = theta[0]!;
    return cached.slice(0, order).map((p) => Float64Array.of(polynomialValue(p, x)));
  };
}
