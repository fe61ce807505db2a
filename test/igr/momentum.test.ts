/**
 * Heavy-ball momentum: the first-order modified flow −∇Ẽ/(1 − β), Ẽ = E + h(1 + β)/(4(1 − β)²)|∇E|²,
 * and the shifted start θ_0 + hβ/(1 − β)² ∇E(θ_0), checked against the exact solution of the
 * two-step recurrence on a quadratic, then measured (global and local slopes) on nonconvex and
 * logistic losses (src/igr/optimizers/momentum.ts).
 */
import { describe, expect, it } from 'vitest';
import { grad, mul, square, sum, tensor, type Tensor } from '../../src/autodiff/index.js';
import { DivergenceError, findProblem, gradientDescent, IgrError } from '../../src/igr/index.js';
import { train } from '../../src/nn/index.js';
import { heavyBall, momentumField, momentumModifiedLoss, momentumStart, verifyMomentum } from '../../src/igr/optimizers/index.js';

/**
 * On E = λθ²/2 the recurrence θ_{n+1} = (1 + β − hλ)θ_n − βθ_{n−1} is solved exactly by
 * θ_n = A r₁^n + B r₂^n, r₁ the root near 1: the slow part is the exact flow θ' = (ln r₁/h) θ from A.
 */
function exactSlowMode(lambda: number, beta: number, h: number): { rate: number; start: number } {
  const s = 1 + beta - h * lambda;
  const root = Math.sqrt(s * s - 4 * beta);
  // r₁ − 1 and r₂ without cancellation: r₁ r₂ = β, (r₁ − 1)(r₂ − 1) = hλ.
  const r2 = (s - root) / 2;
  const r1m1 = (h * lambda) / (r2 - 1);
  const r1 = 1 + r1m1;
  // θ_{−1} = θ_0 = 1: A + B = 1, A/r₁ + B/r₂ = 1  ⇒  A = (1 − 1/r₂)/(1/r₁ − 1/r₂).
  const start = (1 - 1 / r2) / (1 / r1 - 1 / r2);
  return { rate: Math.log1p(r1m1) / h, start };
}

describe('the modified flow against the exact solution of heavy ball on a quadratic', () => {
  it('rate: ln r₁/h = −λ/(1 − β) − h λ²(1 + β)/(2(1 − β)³) + O(h²), i.e. the (1 + β)/(1 − β) factor of Ghosh et al.', () => {
    const lambda = 1.7;
    for (const beta of [0, 0.3, 0.5, 0.7, 0.9]) {
      // c(h) = (rate + λ/(1 − β))/h = c + O(h); Richardson 2c(h/2) − c(h) removes the O(h) term.
      const c = (h: number): number => (exactSlowMode(lambda, beta, h).rate + lambda / (1 - beta)) / h;
      const h = 1e-4 * (1 - beta) ** 2; // the expansion is in hλ/(1 − β)²: keep it ~2e-4 for every β
      const measured = 2 * c(h / 2) - c(h);
      const predicted = -(lambda ** 2 * (1 + beta)) / (2 * (1 - beta) ** 3);
      // Left after Richardson: O((hλ/(1 − β)²)²) ~ 1e-7 relative; rounding (r₁ − 1 is formed
      // without cancellation) divided by h stays below 1e-9 relative.
      expect(Math.abs(measured / predicted - 1), `β = ${beta}`).toBeLessThan(1e-5);
    }
  });

  it('start: the iterates from θ_{−1} = θ_0 follow the flow from θ_0 (1 + hβλ/(1 − β)²) + O(h²)', () => {
    const lambda = 1.7;
    for (const beta of [0.3, 0.5, 0.9]) {
      const d = (h: number): number => (exactSlowMode(lambda, beta, h).start - 1) / h;
      const h = 1e-4 * (1 - beta) ** 2; // as above
      const measured = 2 * d(h / 2) - d(h);
      const predicted = (beta * lambda) / (1 - beta) ** 2;
      expect(Math.abs(measured / predicted - 1), `β = ${beta}`).toBeLessThan(1e-5);
      // momentumStart is the same formula through autodiff.
      const loss = (x: Tensor) => mul(lambda / 2, sum(square(x)));
      expect(momentumStart(loss, [1], h, beta)[0]).toBeCloseTo(1 + (h * beta * lambda) / (1 - beta) ** 2, 15);
    }
  });
});

describe('heavy ball and its fields', () => {
  const p = findProblem('double-well');

  it('β = 0 is gradient descent, bit for bit', () => {
    const hb = heavyBall(p.loss, p.theta0, 0.05, 0, 20);
    const gd = gradientDescent(p.loss, p.theta0, 0.05, 20);
    hb.forEach((x, n) => expect(Array.from(x)).toEqual(Array.from(gd[n]!)));
  });

  it('one convention in the codebase: heavyBall equals the nn layer\'s momentum optimiser bit for bit (θ_{−1} = θ_0)', () => {
    const r = train({ loss: p.loss, params0: Float64Array.from(p.theta0), optimizer: { kind: 'momentum', lr: 0.05, beta: 0.7 }, steps: 30 });
    expect(Array.from(r.params)).toEqual(Array.from(heavyBall(p.loss, p.theta0, 0.05, 0.7, 30)[30]!));
  });

  it('the order-2 field is −∇Ẽ/(1 − β) of the modified loss, the order-1 field −∇E/(1 − β)', () => {
    const y = Float64Array.of(0.4, -0.3);
    for (const beta of [0.2, 0.6]) {
      const h = 0.03;
      const g2 = grad(momentumModifiedLoss(p.loss, h, beta))(tensor(Array.from(y), [2])).data;
      const g1 = grad(p.loss)(tensor(Array.from(y), [2])).data;
      const f2 = momentumField(p.loss, h, beta, 2)(0, y);
      const f1 = momentumField(p.loss, h, beta, 1)(0, y);
      // Two autodiff routes to the same Hessian-vector product: agreement to rounding (values O(1)).
      for (let i = 0; i < 2; i++) {
        expect(Math.abs(f2[i]! + g2[i]! / (1 - beta))).toBeLessThan(1e-14);
        expect(Math.abs(f1[i]! + g1[i]! / (1 - beta))).toBeLessThan(1e-15);
      }
    }
  });

  it('bad input: β outside [0, 1), wrong θ_{−1} length, divergence reported with its step', () => {
    expect(() => heavyBall(p.loss, p.theta0, 0.1, 1, 3)).toThrow(/momentum β must be in \[0, 1\), got 1/);
    expect(() => heavyBall(p.loss, p.theta0, 0.1, -0.2, 3)).toThrow(IgrError);
    expect(() => verifyMomentum(p.loss, p.theta0, { beta: Number.NaN, hs: [0.1], T: 1 })).toThrow(/got NaN/);
    expect(() => heavyBall(p.loss, p.theta0, 0.1, 0.5, 3, Float64Array.of(1))).toThrow(/θ_\{−1\} has length 1 but θ0 has length 2/);
    expect(() => heavyBall(p.loss, p.theta0, 10, 0.9, 200)).toThrow(/diverged at step \d+/);
  });

  it('a divergence carries the finite iterates, equal to a run that stops just before it', () => {
    let error: DivergenceError | null = null;
    try {
      heavyBall(p.loss, p.theta0, 10, 0.9, 200);
    } catch (e) {
      error = e as DivergenceError;
    }
    expect(error).toBeInstanceOf(DivergenceError);
    const finite = heavyBall(p.loss, p.theta0, 10, 0.9, error!.step - 1);
    expect(error!.iterates!.map((v) => Array.from(v))).toEqual(finite.map((v) => Array.from(v)));
  });
});

describe('verifyMomentum: measured slopes (±0.1)', () => {
  it('double-well, β = 0.3 and 0.5: plain rescaled flow global 1 / local 2, modified flow global 2 / local 3', () => {
    const p = findProblem('double-well');
    for (const beta of [0.3, 0.5]) {
      const r = verifyMomentum(p.loss, p.theta0, { beta, hs: [0.05, 0.025, 0.0125], T: 1 });
      expect(r.optimizer).toEqual({ name: 'momentum', beta, start: 'shifted' });
      expect([1, 2].map((o) => [r.globalSlope[o]!.expected, r.localSlope[o]!.expected])).toEqual([[1, 2], [2, 3]]);
      expect(r.pass, `β = ${beta}`).toBe(true);
    }
  });

  it('logistic, β = 0.5: started at θ_0 instead of the shifted point, the modified flow is only O(h) accurate', () => {
    const p = findProblem('logistic');
    const opts = { beta: 0.5, hs: [0.05, 0.025, 0.0125], T: 1.6 };
    const shifted = verifyMomentum(p.loss, p.theta0, opts);
    const plain = verifyMomentum(p.loss, p.theta0, { ...opts, shiftedStart: false });
    expect(Math.abs(shifted.globalSlope[2]!.slope - 2)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(plain.globalSlope[2]!.slope - 1)).toBeLessThanOrEqual(0.1);
    // The offset dominates: at the smallest h the unshifted error is over 100 times the shifted one.
    expect(plain.globalError[2]![2]! / shifted.globalError[2]![2]!).toBeGreaterThan(100);
  });
});
