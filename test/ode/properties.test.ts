/** Property tests (fast-check) of the fixed-step stepper on linear fields y' = A y. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { integrate, integrateTrajectory, methodNames, type VectorField } from '../../src/ode/index.js';

const EPS = Number.EPSILON;
const n = 3;

const matrixArb = fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: n * n, maxLength: n * n });
const vectorArb = fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: n, maxLength: n });

function linearField(A: number[]): VectorField {
  return (_t, y) => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i]! += A[i * n + j]! * y[j]!;
    return out;
  };
}
const matVec = (A: number[], v: Float64Array): Float64Array => linearField(A)(0, v);
const normInf = (A: number[]): number => Math.max(...[0, 1, 2].map((i) => Math.abs(A[i * n]!) + Math.abs(A[i * n + 1]!) + Math.abs(A[i * n + 2]!)));
const maxAbs = (v: ArrayLike<number>): number => Math.max(0, ...Array.from(v, Math.abs));

describe('properties of one step on a linear field', () => {
  it('linearity: Φ_h(αx + βz) = αΦ_h(x) + βΦ_h(z) for every method, to round-off', () => {
    fc.assert(
      fc.property(
        matrixArb, vectorArb, vectorArb,
        fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true }),
        fc.double({ min: -0.5, max: 0.5, noNaN: true }), fc.constantFrom(...methodNames),
        (A, x, z, alpha, beta, dt, method) => {
          const f = linearField(A);
          const step = (y: Float64Array) => integrate(f, y, { dt, steps: 1, method });
          const X = Float64Array.from(x);
          const Z = Float64Array.from(z);
          const combo = X.map((v, i) => alpha * v + beta * Z[i]!);
          const lhs = step(combo);
          const px = step(X);
          const pz = step(Z);
          // Every quantity in either side is bounded by scale = (|α||x| + |β||z|)·e^{|h|‖A‖} (the
          // stage values are partial sums of the exponential series); each side takes a few dozen
          // roundings of such quantities, so 256 ε·scale bounds their difference. A method that
          // were not linear in y would miss by O(scale).
          const scale = (Math.abs(alpha) * maxAbs(X) + Math.abs(beta) * maxAbs(Z)) * Math.exp(Math.abs(dt) * normInf(A));
          for (let i = 0; i < n; i++) {
            expect(Math.abs(lhs[i]! - (alpha * px[i]! + beta * pz[i]!))).toBeLessThanOrEqual(256 * EPS * scale);
          }
        },
      ),
      { seed: 20260601, numRuns: 300 },
    );
  });

  it('time reversal of RK4: Φ_{-h}(Φ_h(y)) - y equals ((hA)^6/72 + (hA)^8/576) y, the exact defect of a 4th-order method, to round-off', () => {
    // RK4 on y' = Ay is y ↦ R(hA) y with R(z) = 1 + z + z²/2 + z³/6 + z⁴/24, and
    // R(z)R(-z) = (1 + z²/2 + z⁴/24)² - (z + z³/6)² = 1 + z⁶/72 + z⁸/576: RK4 is not symmetric,
    // but going forward and back leaves only an O(h^6) defect (its order p = 4 allows O(h^5)).
    fc.assert(
      fc.property(matrixArb, vectorArb, fc.double({ min: -0.4, max: 0.4, noNaN: true }), (A, y, h) => {
        const f = linearField(A);
        const Y = Float64Array.from(y);
        const forward = integrate(f, Y, { dt: h, steps: 1, method: 'rk4' });
        const back = integrate(f, forward, { t0: h, dt: -h, steps: 1, method: 'rk4' });
        // Defect by repeated multiplication: v_k = (hA)^k y.
        let v = Y;
        const powers: Float64Array[] = [Y];
        for (let k = 1; k <= 8; k++) {
          v = matVec(A, v).map((x) => h * x);
          powers.push(v);
        }
        const rho = Math.abs(h) * normInf(A);
        // Rounding: both steps handle quantities up to e^{2ρ}|y|; 256 ε of that bounds it.
        const roundoff = 256 * EPS * maxAbs(Y) * Math.exp(2 * rho);
        for (let i = 0; i < n; i++) {
          const defect = powers[6]![i]! / 72 + powers[8]![i]! / 576;
          expect(Math.abs(back[i]! - Y[i]! - defect)).toBeLessThanOrEqual(roundoff);
          // And so, within its order: |Φ_{-h}Φ_h y - y| ≤ (ρ^6/72 + ρ^8/576)|y| + round-off.
          expect(Math.abs(back[i]! - Y[i]!)).toBeLessThanOrEqual((rho ** 6 / 72 + rho ** 8 / 576) * maxAbs(Y) + roundoff);
        }
      }),
      { seed: 20260602, numRuns: 300 },
    );
  });

  it('Euler with dt = h is gradient descent bit for bit on random diagonal quadratics', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.01, max: 5, noNaN: true }), { minLength: 1, maxLength: 6 }),
        fc.double({ min: 1e-3, max: 0.39, noNaN: true }),
        (d, h) => {
          const theta0 = Float64Array.from(d, (_, i) => (i % 2 ? -1 : 1) * (i + 1));
          // E = ½ Σ d_i θ_i², ∇E = d ⊙ θ (h·max d < 2, so GD converges and stays finite).
          const traj = integrateTrajectory((_t, th) => th.map((x, i) => -(d[i]! * x)), theta0, { dt: h, steps: 25, method: 'euler' });
          let theta = theta0;
          for (let k = 1; k <= 25; k++) {
            theta = theta.map((x, i) => x - h * (d[i]! * x));
            expect(traj.states[k]).toEqual(theta);
            expect(traj.states[k]!.every((x, i) => Object.is(x, theta[i]))).toBe(true);
          }
        },
      ),
      { seed: 20260603, numRuns: 100 },
    );
  });
});
