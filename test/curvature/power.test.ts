/**
 * Power iteration with deflation (PyHessian's algorithm): it converges to the eigenvalues of
 * largest magnitude, its stopping rule (relative change < tol) is not a certificate, and the
 * residual it returns is. Oracles: known spectra QΛQᵀ and eigvalsh of dense Hessians.
 */
import { describe, expect, it } from 'vitest';
import { Rng, hessian, tensor } from '../../src/autodiff/index.js';
import { eigvalsh, hessianEigs, hessianPowerIteration, powerIteration } from '../../src/curvature/index.js';
import { problems } from '../../src/igr/problems.js';
import { EPS, matVec, maxAbs, nearest, norm2, randomOrthogonal, withSpectrum } from './helpers.js';

describe('powerIteration', () => {
  const m = 30;
  const lambda = Array.from({ length: m }, (_, i) => (i === 0 ? 10 : i === 1 ? -8 : 4 * Math.cos(i)));
  const a = withSpectrum(randomOrthogonal(m, new Rng(1)), lambda);
  const apply = (v: Float64Array) => matVec(a, v);

  it('finds the two eigenvalues of largest magnitude, 10 and −8, in that order, to 1e-9 at tol 1e-14', () => {
    // |λ₃/λ₂| ≤ 0.5 and |λ₂/λ₁| = 0.8: 1e-14 in the Rayleigh quotient's change is reached within
    // a few hundred HVPs, and the quotient's error is then far below 1e-9
    const r = powerIteration(apply, m, { k: 2, tol: 1e-14, maxIter: 2000 });
    expect(r.converged).toBe(true);
    expect(Math.abs(r.values[0]! - 10)).toBeLessThanOrEqual(1e-9);
    expect(Math.abs(r.values[1]! + 8)).toBeLessThanOrEqual(1e-9);
  });

  it('each residual is ‖Av − θv‖ of the returned pair, and certifies it (an eigenvalue within it)', () => {
    for (const tol of [1e-3, 1e-6, 1e-10]) {
      const r = powerIteration(apply, m, { k: 3, tol, maxIter: 500, seed: 2 });
      r.values.forEach((v, i) => {
        const u = r.vectors[i]!;
        expect(Math.abs(norm2(u) - 1)).toBeLessThanOrEqual(4 * m * EPS);
        const res = norm2(matVec(a, u).map((x, l) => x - v * u[l]!));
        expect(Math.abs(res - r.residuals[i]!)).toBeLessThanOrEqual(10 * m * EPS * 10);
        expect(nearest(lambda, v)).toBeLessThanOrEqual(r.residuals[i]! + 10 * m * EPS * 10);
      });
    }
  });

  it('PyHessian\'s default stopping rule (tol 1e-3) stops early: its value is off by more than the rule suggests, and the residual says so', () => {
    const r = powerIteration(apply, m, { k: 1, seed: 3 });
    expect(r.converged).toBe(true);
    const error = Math.abs(r.values[0]! - 10);
    // the relative change fell below 1e-3 while the value is still ≥ 1e-4 away: λ₂/λ₁ = −0.8
    expect(error).toBeGreaterThan(1e-4 * 10);
    expect(error).toBeLessThanOrEqual(r.residuals[0]!);
    expect(r.hvps).toBeLessThanOrEqual(100);
  });

  it('maxIter runs out: converged false with the last pair and its certificate', () => {
    const slow = withSpectrum(randomOrthogonal(m, new Rng(4)), lambda.map((l, i) => (i === 1 ? 9.99 : l)));
    const r = powerIteration((v) => matVec(slow, v), m, { tol: 1e-12, maxIter: 20 });
    expect(r.converged).toBe(false);
    expect(r.hvps).toBe(20);
    expect(nearest(lambda.map((l, i) => (i === 1 ? 9.99 : l)), r.values[0]!)).toBeLessThanOrEqual(r.residuals[0]! + 1e-12);
  });

  it('the zero operator: (0, v) at the first HVP; the same seed gives bit-identical results', () => {
    const z = powerIteration((v) => new Float64Array(v.length), 10, { k: 2 });
    expect(z.values).toEqual([0, 0]);
    expect(z.residuals).toEqual([0, 0]);
    expect(z.hvps).toBe(2);
    const r1 = powerIteration(apply, m, { k: 2, seed: 9 });
    const r2 = powerIteration(apply, m, { k: 2, seed: 9 });
    expect(r2.values).toEqual(r1.values);
    expect(r2.vectors.map((v) => Array.from(v))).toEqual(r1.vectors.map((v) => Array.from(v)));
  });
});

describe('hessianPowerIteration on the built-in problems', () => {
  it('its top value is certified and, at tol 1e-12, agrees with Lanczos\' largest-magnitude eigenvalue to 1e-8 relative', () => {
    for (const p of problems) {
      const exact = eigvalsh(hessian(p.loss, tensor(p.theta0)));
      const scale = maxAbs(exact);
      const r = hessianPowerIteration(p.loss, p.theta0, { tol: 1e-12, maxIter: 5000 });
      expect(nearest(exact, r.values[0]!), p.name).toBeLessThanOrEqual(r.residuals[0]! + 10 * exact.length * EPS * scale);
      const lanczos = hessianEigs(p.loss, p.theta0, { which: 'magnitude' });
      expect(Math.abs(r.values[0]! - lanczos.values[0]!), p.name).toBeLessThanOrEqual(1e-8 * scale);
    }
  });
});
