/**
 * Test oracle, independent of the B-series code: the modified equation of a one-step method on a
 * scalar ODE y' = F(y) with polynomial F, by matching Lie series in h with polynomial coefficients.
 * Polynomials in y are coefficient arrays (index = power).
 */
import type { BSeriesTree } from '../../src/igr/trees.js';

export type Poly = number[];
export const polyAdd = (p: Poly, q: Poly): Poly =>
  Array.from({ length: Math.max(p.length, q.length) }, (_, i) => (p[i] ?? 0) + (q[i] ?? 0));
export const polyScale = (p: Poly, s: number): Poly => p.map((c) => c * s);
export const polyMul = (p: Poly, q: Poly): Poly => {
  if (p.length === 0 || q.length === 0) return [];
  const r = new Array<number>(p.length + q.length - 1).fill(0);
  p.forEach((a, i) => q.forEach((b, j) => (r[i + j]! += a * b)));
  return r;
};
export const polyDiff = (p: Poly): Poly => p.slice(1).map((c, i) => c * (i + 1));

/** F(τ) for scalar f: f^{(m)}(y) Π F(τ_i)(y). */
export function elementaryDifferential(t: BSeriesTree, f: Poly): Poly {
  let d = f;
  for (let i = 0; i < t.children.length; i++) d = polyDiff(d);
  return t.children.reduce((acc, c) => polyMul(acc, elementaryDifferential(c, f)), d);
}

/** A power series in h whose coefficients are polynomials in y, truncated after h^P. */
export type HSeries = Poly[];

/** One step as an h-series: Euler y + hF. */
export const eulerStep = (F: Poly) => (P: number): HSeries => {
  const s: HSeries = Array.from({ length: P + 1 }, () => []);
  s[0] = [0, 1];
  s[1] = F;
  return s;
};
/** Explicit midpoint y + h F(y + (h/2) F(y)) = y + h Σ_k (h/2)^k F^{(k)}(y) F(y)^k / k!. */
export const midpointStep = (F: Poly) => (P: number): HSeries => {
  const s: HSeries = Array.from({ length: P + 1 }, () => []);
  s[0] = [0, 1];
  let deriv = F;
  let power: Poly = [1];
  let fact = 1;
  for (let k = 0; k + 1 <= P; k++) {
    if (k > 0) {
      deriv = polyDiff(deriv);
      power = polyMul(power, F);
      fact *= k;
    }
    s[k + 1] = polyScale(polyMul(deriv, power), 0.5 ** k / fact);
  }
  return s;
};

export function lieSeriesOracle(step: (P: number) => HSeries, P: number): Poly[] {
  const target = step(P);
  const f: Poly[] = [];
  for (let j = 1; j <= P; j++) {
    f.push([]); // f_j = 0 while computing the h^j coefficient of the flow of the lower terms
    const G: HSeries = [[], ...f]; // G as an h-series: coefficient of h^{j−1} is f_j
    // flow − y = Σ_k h^k/k! L^{k−1} G, where L acts coefficientwise in h with G's own series.
    const flow: HSeries = Array.from({ length: P + 1 }, () => []);
    let term: HSeries = G.map((g) => g.slice()); // L^{k−1} G, as an h-series shifted by h^{-1}
    let fact = 1;
    for (let k = 1; k <= j; k++) {
      fact *= k;
      for (let i = 0; i + k - 1 <= P && i < term.length; i++) {
        const power = i + k - 1; // index i of an h-series holds the coefficient of h^{i−1}
        if (power >= 0) flow[power] = polyAdd(flow[power]!, polyScale(term[i]!, 1 / fact));
      }
      // L term = Σ_{a,b} h^{a−1} f_a · h^{b−1} (term_b)' : multiply series, adding exponents.
      const next: HSeries = Array.from({ length: P + 2 }, () => []);
      for (let a = 1; a < G.length; a++) {
        for (let b = 0; b < term.length; b++) {
          const idx = a + b - 1; // h^{a−1} h^{b−1} = h^{(a+b−1)−1}
          if (idx <= P + 1) next[idx] = polyAdd(next[idx]!, polyMul(G[a]!, polyDiff(term[b]!)));
        }
      }
      term = next;
    }
    f[j - 1] = polyAdd(target[j]!, polyScale(flow[j]!, -1));
  }
  return f;
}

/** Evaluates a polynomial at y (Horner). */
export const polyEval = (p: Poly, y: number): number => p.reduceRight((acc, c) => acc * y + c, 0);

/** Product of two h-series (natural indexing: entry k is the coefficient of h^k), truncated after h^P. */
function seriesMul(x: HSeries, y: HSeries, P: number): HSeries {
  const out: HSeries = Array.from({ length: P + 1 }, () => []);
  for (let i = 0; i <= P; i++) for (let j = 0; i + j <= P; j++) out[i + j] = polyAdd(out[i + j]!, polyMul(x[i] ?? [], y[j] ?? []));
  return out;
}

/**
 * One step of any explicit Runge–Kutta method (weights a, b) on y' = F(y) as an h-series:
 * K_i = F(y + h Σ_{j<i} a_ij K_j), step = y + h Σ_i b_i K_i, with F(Y) = Σ_k c_k Y^k by Horner.
 */
export const rungeKuttaStep = (F: Poly, a: readonly (readonly number[])[], b: readonly number[]) => (P: number): HSeries => {
  const K: HSeries[] = [];
  const shiftSum = (coeffs: readonly number[], upto: number): HSeries => {
    const s: HSeries = Array.from({ length: P + 1 }, () => []);
    for (let j = 0; j < upto; j++) {
      for (let k = 0; k < P; k++) s[k + 1] = polyAdd(s[k + 1]!, polyScale(K[j]![k] ?? [], coeffs[j] ?? 0));
    }
    return s;
  };
  for (let i = 0; i < b.length; i++) {
    const Y = shiftSum(a[i]!, i);
    Y[0] = polyAdd(Y[0]!, [0, 1]);
    let value: HSeries = Array.from({ length: P + 1 }, () => []);
    for (let k = F.length - 1; k >= 0; k--) {
      value = seriesMul(value, Y, P);
      value[0] = polyAdd(value[0]!, [F[k]!]);
    }
    K.push(value);
  }
  const step = shiftSum(b, b.length);
  step[0] = polyAdd(step[0]!, [0, 1]);
  return step;
};
