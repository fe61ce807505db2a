/**
 * The principal flow (src/igr/principal.ts): its coefficient log|1 − x|/x (limit, series, both
 * branches), gradient descent reproduced on quadratics to round-off (diagonal and rotated, and at
 * even steps where hλ > 1 with the real part), its small-h expansion on a non-quadratic, and every
 * bad input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dot, grad, hvp, matmul, mul, tensor, type Tensor } from '../../src/autodiff/index.js';
import { findProblem, gradientDescent, IgrError, PRINCIPAL_FLOW_MAX_DIMENSION, principalCoefficient, principalDecomposition, principalFlow, sharpness } from '../../src/igr/index.js';
import { integrateTrajectory } from '../../src/ode/index.js';

const quadraticLoss = (A: number[][]) => {
  const At = tensor(A);
  return (x: Tensor): Tensor => mul(0.5, dot(x, matmul(At, x)));
};

/** Q diag(λ) Qᵀ with Q a product of plane rotations: a symmetric matrix with known eigenvalues, far from diagonal. */
function rotated(lambdas: number[], angles: number[]): number[][] {
  const m = lambdas.length;
  let Q: number[][] = Array.from({ length: m }, (_, i) => Array.from({ length: m }, (_, j) => (i === j ? 1 : 0)));
  angles.forEach((a, k) => {
    const i = k % m;
    const j = (k + 1) % m;
    const G: number[][] = Array.from({ length: m }, (_, r) => Array.from({ length: m }, (_, c) => (r === c ? 1 : 0)));
    G[i]![i] = Math.cos(a);
    G[j]![j] = Math.cos(a);
    G[i]![j] = -Math.sin(a);
    G[j]![i] = Math.sin(a);
    Q = Q.map((row) => row.map((_, c) => row.reduce((s, v, r) => s + v * G[r]![c]!, 0)));
  });
  return Q.map((qi) => Q.map((qj) => lambdas.reduce((s, l, k) => s + qi[k]! * l * qj[k]!, 0)));
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe('principalCoefficient: log|1 − x| / x', () => {
  it('is −1 at x = 0, and just inside the series cutoff (|x| < 1e-3) the series agrees with log1p(−x)/x to 2 ulp', () => {
    expect(principalCoefficient(0)).toBe(-1);
    expect(principalCoefficient(-0)).toBe(-1);
    expect(principalCoefficient(1e-300)).toBe(-1);
    // Both formulas are accurate to ~1 ulp there (log1p has no cancellation, the series' remainder
    // is x⁶/7 < 2e-19), so they must agree: the coefficient is continuous across the switch.
    for (const x of [0.999999e-3, -0.999999e-3, 5e-4]) {
      expect(Math.abs(principalCoefficient(x) - Math.log1p(-x) / x)).toBeLessThanOrEqual(2 * Number.EPSILON);
    }
  });

  it('property: equals log|1 − x|/x computed independently (log1p or log of |1 − x|) to 4 ulp off the cutoff', () => {
    fc.assert(
      fc.property(fc.double({ min: -50, max: 50, noNaN: true }), (x) => {
        if (Math.abs(x) < 2e-3 || Math.abs(x - 1) < 1e-9) return;
        const want = (x < 1 ? Math.log(1 - x) : Math.log(x - 1)) / x;
        // Math.log(1 − x) rounds 1 − x first: for |x| ≥ 2e-3 that costs < 1e-13 relative of the log.
        expect(Math.abs(principalCoefficient(x) - want)).toBeLessThanOrEqual(1e-12 * Math.abs(want) + 4 * Number.EPSILON);
      }),
      { numRuns: 300, seed: 14 },
    );
  });

  it('matches its Taylor series −Σ x^k/(k+1) for tiny |x| to 2 ulp', () => {
    for (const x of [1e-4, -3e-4, 7e-4, -9.9e-4]) {
      let series = 0;
      for (let k = 0; k < 30; k++) series -= x ** k / (k + 1);
      expect(Math.abs(principalCoefficient(x) - series)).toBeLessThanOrEqual(2 * Number.EPSILON);
    }
  });

  it('is −∞ at x = 1, negative on (1, 2) (the flow still contracts), 0 at 2 and positive beyond (it grows, as GD diverges)', () => {
    expect(principalCoefficient(1)).toBe(-Infinity);
    expect(principalCoefficient(1.5)).toBeCloseTo(Math.log(0.5) / 1.5, 15);
    expect(principalCoefficient(1.5)).toBeLessThan(0);
    expect(principalCoefficient(2)).toBe(0);
    expect(principalCoefficient(3)).toBeGreaterThan(0);
    expect(principalCoefficient(-1)).toBeCloseTo(-Math.log(2), 15); // negative curvature: faster than the gradient flow
    expect(principalCoefficient(NaN)).toBeNaN();
  });
});

/**
 * The principal flow from θ0 at t = h, 2h, …, nh by DOP853 at 24 steps per GD step, with the
 * largest difference from 48 steps per GD step: an upper estimate of its integration error.
 */
function principalPath(loss: (x: Tensor) => Tensor, theta0: number[], h: number, n: number): { states: Float64Array[]; integration: number } {
  const field = principalFlow(loss, h);
  const run = (S: number) => integrateTrajectory(field, theta0, { t1: n * h, steps: S * n, every: S, method: 'dop853' }).states;
  const coarse = run(24);
  const fine = run(48);
  return { states: fine, integration: Math.max(...fine.map((y, k) => maxAbsDiff(y, coarse[k]!))) };
}

/**
 * Round-off after k GD steps against 48k DOP853 steps: each step rounds the state once (and the
 * eigendecomposition a few ulp of the field), so (48k + k + 10) ε max(1, |θ0|∞) bounds it for
 * these contractions (|I − hA| ≤ 1 in the directions that are kept).
 */
const roundoff = (k: number, theta0: number[]): number => (49 * k + 10) * Number.EPSILON * Math.max(1, ...theta0.map(Math.abs));

describe('principalFlow reproduces gradient descent on quadratics', () => {
  // On a quadratic the flow at t = kh is (I − hA)^k θ0 exactly, so what separates it from GD is
  // the integrator (bounded by the 24- against 48-step difference, ~2^8 times the 48-step error
  // of an order-8 method) and rounding ({@link roundoff}); measured: 2e-16 to 4e-16.
  it('diagonal: θ(kh) = (I − hA)^k θ0 to round-off for h λ_max = 0.9', () => {
    const A = [
      [3, 0, 0],
      [0, 1, 0],
      [0, 0, 0.01],
    ];
    const h = 0.3;
    const theta0 = [1, -2, 0.5];
    const gd = gradientDescent(quadraticLoss(A), theta0, h, 6);
    const { states, integration } = principalPath(quadraticLoss(A), theta0, h, 6);
    expect(integration).toBeLessThan(1e-13);
    states.forEach((y, k) => expect(maxAbsDiff(y, gd[k]!), `k = ${k}`).toBeLessThanOrEqual(roundoff(k, theta0) + integration));
  });

  it('rotated (non-diagonal, eigenvalues 2, 0.5, −0.4, 1e-6): the same to round-off at every step', () => {
    const A = rotated([2, 0.5, -0.4, 1e-6], [0.7, -1.1, 0.4, 2.2, -0.3]);
    expect(Math.abs(A[0]![1]!)).toBeGreaterThan(0.1); // genuinely non-diagonal
    const h = 0.45; // hλ_max = 0.9
    const theta0 = [0.3, -1, 2, 0.7];
    const loss = quadraticLoss(A);
    const gd = gradientDescent(loss, theta0, h, 5);
    const { states, integration } = principalPath(loss, theta0, h, 5);
    expect(integration).toBeLessThan(1e-13);
    states.forEach((y, k) => expect(maxAbsDiff(y, gd[k]!), `k = ${k}`).toBeLessThanOrEqual(roundoff(k, theta0) + integration));
  });

  it('where 1 < hλ < 2 (real part): exact at even n; at odd n GD is the flow reflected in that eigendirection', () => {
    // λ = 3 with h = 0.5: hλ = 1.5, GD multiplies that component by −0.5 per step; the real-part
    // flow by |−0.5| per unit h. The other eigenvalue (0.4, hλ = 0.2) is reproduced exactly.
    const A = rotated([3, 0.4], [0.6]);
    const loss = quadraticLoss(A);
    const h = 0.5;
    const theta0 = [1, 0.5];
    const gd = gradientDescent(loss, theta0, h, 4);
    const u = [Math.cos(0.6), Math.sin(0.6)]; // the eigenvector of λ = 3 (first column of the rotation)
    const { states, integration } = principalPath(loss, theta0, h, 4);
    states.forEach((pf, n) => {
      if (n % 2 === 0) {
        expect(maxAbsDiff(pf, gd[n]!), `n = ${n}`).toBeLessThanOrEqual(roundoff(n, theta0) + integration);
      } else {
        const c = pf[0]! * u[0]! + pf[1]! * u[1]!;
        const reflected = [pf[0]! - 2 * c * u[0]!, pf[1]! - 2 * c * u[1]!];
        expect(maxAbsDiff(reflected, gd[n]!), `n = ${n}`).toBeLessThanOrEqual(roundoff(n, theta0) + integration);
      }
    });
  });
});

describe('principalFlow on a non-quadratic', () => {
  it('is −(g + (h/2)Hg + (h²/3)H²g + (h³/4)H³g + …): to O(h⁴) on the two-parameter model', () => {
    // The coefficient's series −Σ (hλ)^k/(k+1) applied to g: the Hessian part of the modified equation.
    const { loss } = findProblem('two-parameter');
    const theta = Float64Array.of(0.9, 1.3);
    const x = tensor(theta);
    const g = grad(loss)(x);
    const Hg = hvp(loss, x, g);
    const H2g = hvp(loss, x, Hg);
    const H3g = hvp(loss, x, H2g);
    for (const h of [1e-2, 1e-3]) {
      const field = principalFlow(loss, h)(0, theta);
      const series = [0, 1].map((i) => -(g.data[i]! + (h / 2) * Hg.data[i]! + ((h * h) / 3) * H2g.data[i]! + (h ** 3 / 4) * H3g.data[i]!));
      // Remainder (h⁴/5) H⁴g with |H| ≈ 4 here: < 60 h⁴; plus rounding of the eigendecomposition.
      expect(maxAbsDiff(field, series)).toBeLessThan(60 * h ** 4 + 1e-13);
    }
  });

  it('principalDecomposition returns the eigenvalues, coefficients and the field it sums; sharpness is λ_max', () => {
    const { loss, theta0 } = findProblem('two-parameter');
    const d = principalDecomposition(loss, 0.01)(Float64Array.from(theta0));
    expect(d.eigenvalues[1]).toBeCloseTo(28.77524359158204, 10);
    expect(sharpness(loss, theta0)).toBeCloseTo(d.eigenvalues[1]!, 12);
    expect(d.coefficients[1]).toBeCloseTo(principalCoefficient(0.01 * d.eigenvalues[1]!), 15);
    expect(Array.from(d.field)).toEqual(Array.from(principalFlow(loss, 0.01)(0, Float64Array.from(theta0))));
  });
});

describe('principalFlow: bad input', () => {
  const loss = quadraticLoss([
    [3, 0],
    [0, 1],
  ]);
  it('rejects h ≤ 0, a non-number h and an unknown unstable mode', () => {
    expect(() => principalFlow(loss, 0)).toThrow(IgrError);
    expect(() => principalFlow(loss, 0)).toThrow('principalFlow: h must be a finite number > 0, got 0');
    expect(() => principalFlow(loss, Infinity)).toThrow('got Infinity');
    expect(() => principalFlow(loss, '0.1' as unknown as number)).toThrow('got 0.1');
    expect(() => principalFlow(loss, 0.1, { unstable: 'imaginary' as never })).toThrow("principalFlow: unstable must be 'real-part' or 'refuse', got 'imaginary'");
    expect(() => principalFlow(loss, 0.1, { maxDimension: 0 })).toThrow('principalFlow: maxDimension must be ≥ 1, got 0');
  });

  it("with unstable: 'refuse', an evaluation where hλ ≥ 1 throws naming hλ, λ, h and θ", () => {
    const field = principalFlow(loss, 0.5, { unstable: 'refuse' });
    expect(() => field(0, Float64Array.of(1, 1))).toThrow(IgrError);
    expect(() => field(0, Float64Array.of(1, 1))).toThrow("principalFlow: hλ = 1.500 ≥ 1 (λ = 3.000, h = 0.5) at θ = [1.000, 1.000]: log(1 − hλ) is complex there; use unstable: 'real-part' for its real part log|1 − hλ|");
    expect(() => principalFlow(loss, 0.2, { unstable: 'refuse' })(0, Float64Array.of(1, 1))).not.toThrow();
  });

  it(`refuses a model larger than the bound (${PRINCIPAL_FLOW_MAX_DIMENSION}), naming the bound and the size, before any Hessian`, () => {
    const big = (x: Tensor): Tensor => mul(0.5, dot(x, x));
    const field = principalFlow(big, 0.1);
    const m = PRINCIPAL_FLOW_MAX_DIMENSION + 1;
    expect(() => field(0, new Float64Array(m))).toThrow(
      `principalFlow: the model has ${m} parameters, more than the bound ${PRINCIPAL_FLOW_MAX_DIMENSION}: the principal flow takes the dense ${m} × ${m} Hessian and its eigendecomposition at every evaluation (raise maxDimension to accept it anyway)`,
    );
    expect(() => principalFlow(big, 0.1, { maxDimension: 3 })(0, new Float64Array(4))).toThrow('more than the bound 3');
  });

  it('a field that hits hλ = 1 exactly is not finite (GD annihilates that component in one step)', () => {
    const field = principalFlow(loss, 1 / 3);
    expect(field(0, Float64Array.of(1, 1)).some((v) => !Number.isFinite(v))).toBe(true);
  });
});
