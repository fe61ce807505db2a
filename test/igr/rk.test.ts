/**
 * Backward error analysis of explicit Runge–Kutta methods on gradient flows: the modified
 * equation's coefficients against published values, the vanishing of f_2..f_q for a method of
 * order q, and the measured slopes of its truncations (src/igr/optimizers/rk.ts).
 */
import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/autodiff/index.js';
import {
  elementaryDifferentials,
  findProblem,
  ladderFor,
  modifiedSeries,
  problems,
  treesOfOrder,
  elementaryWeight,
  exactCoefficient,
  IgrError,
} from '../../src/igr/index.js';
import { findTableau, modifiedTermNorms, rungeKuttaNames, rungeKuttaOrder, rungeKuttaDescent, verifyRungeKutta } from '../../src/igr/optimizers/index.js';
import { gradientDescent } from '../../src/igr/index.js';
import { tableaus } from '../../src/ode/index.js';

/** The weights b(τ)/σ(τ) of f_j keyed by tree, zeros included. */
function weights(method: keyof typeof tableaus, order: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of treesOfOrder(order)) out.set(t.key, 0);
  for (const { tree, weight } of modifiedSeries(order, method)[order - 1]!) out.set(tree.key, weight);
  return out;
}

// Coefficients are sums of products of small rationals computed in float64: a few ulps of 1.
const COEFF = 1e-14;

describe('modified-equation coefficients over trees against published values', () => {
  it('explicit Euler: f_2 = −½ f′f, f_3 = (1/12) f″(f,f) + (1/3) f′f′f (HLW IX.1, eq. (1.6))', () => {
    expect(weights('euler', 1).get('•')).toBe(1);
    expect(weights('euler', 2).get('[•]')).toBeCloseTo(-1 / 2, 15);
    const w3 = weights('euler', 3);
    expect(Math.abs(w3.get('[•,•]')! - 1 / 12)).toBeLessThan(COEFF);
    expect(Math.abs(w3.get('[[•]]')! - 1 / 3)).toBeLessThan(COEFF);
  });

  it('explicit midpoint: f_2 = 0, f_3 = −(1/24) f″(f,f) − (1/6) f′f′f (linear check: log(1 + z + z²/2) = z − z³/6 + …)', () => {
    expect([...weights('midpoint', 2).values()]).toEqual([0]);
    const w3 = weights('midpoint', 3);
    expect(Math.abs(w3.get('[•,•]')! + 1 / 24)).toBeLessThan(COEFF);
    expect(Math.abs(w3.get('[[•]]')! + 1 / 6)).toBeLessThan(COEFF);
  });

  it('every built-in method of order q: f_2..f_q have zero weights and f_{q+1} is the principal error Σ (Φ(τ) − 1/γ(τ))/σ(τ) F(τ) (HLW IX.1, Thm 1.2)', () => {
    for (const name of rungeKuttaNames) {
      const tableau = tableaus[name];
      const q = rungeKuttaOrder(tableau);
      expect(q, name).toBe(tableau.order); // the order recomputed from the coefficients matches the declared one
      for (let j = 2; j <= q; j++) for (const [key, w] of weights(name, j)) expect(Math.abs(w), `${name} f_${j} ${key}`).toBeLessThan(COEFF);
      const principal = weights(name, q + 1);
      for (const t of treesOfOrder(q + 1)) {
        const want = (elementaryWeight(t, tableau) - exactCoefficient(t)) / t.symmetry;
        expect(Math.abs(principal.get(t.key)! - want), `${name} f_${q + 1} ${t.key}`).toBeLessThan(COEFF);
      }
      // At least one principal coefficient is far from zero: the method is not of order q + 1.
      expect(Math.max(...[...principal.values()].map(Math.abs)), name).toBeGreaterThan(1e-3);
    }
  });
});

describe('measured terms on a nonconvex loss: the first non-zero correction appears at the method’s order', () => {
  const p = findProblem('double-well');
  it('|f_2|..|f_q| are at rounding level relative to the elementary differentials, |f_{q+1}| is not', () => {
    const y = tensor([...p.theta0], [p.dimension]);
    const F = elementaryDifferentials(p.loss, y);
    for (const name of ['midpoint', 'heun', 'kutta3', 'rk4', 'rk38'] as const) {
      const q = tableaus[name].order;
      const norms = modifiedTermNorms(p.loss, p.theta0, q + 1, name);
      for (let j = 2; j <= q + 1; j++) {
        // Scale of f_j: Σ_{|τ|=j} |F(τ)|/σ(τ). A vanishing term is a sum of weights that are zero up
        // to ~1e-16 times these differentials; 1e-13 of the scale leaves room for a few hundred ulps.
        const scale = treesOfOrder(j).reduce((s, t) => s + Math.hypot(...F(t).data) / t.symmetry, 0);
        if (j <= q) expect(norms[j - 1]!, `${name} |f_${j}|`).toBeLessThan(1e-13 * scale);
        else expect(norms[j - 1]!, `${name} |f_${j}|`).toBeGreaterThan(1e-3 * scale);
      }
    }
  });
});

describe('verifyRungeKutta: measured slopes of the truncated modified flows', () => {
  const p = findProblem('double-well');

  it('midpoint (order 2): truncations after f_1 and f_2 are the gradient flow (slope 2), after f_3 slope 3; local one more', () => {
    const r = verifyRungeKutta(p.loss, p.theta0, { method: 'midpoint', hs: [0.1, 0.05, 0.025], T: 1, orders: [1, 2, 3] });
    expect(r.optimizer).toMatchObject({ name: 'rk', tableau: 'midpoint', order: 2, stages: 2 });
    // Reported sizes: f_2 vanishes (exactly: its only tree has weight 0), f_3 does not.
    expect(r.optimizer.termNorms[1]).toBe(0);
    expect(r.optimizer.relativeTermNorms[2]).toBeGreaterThan(1e-3);
    expect(r.orders.map((o) => [r.globalSlope[o]!.expected, r.localSlope[o]!.expected])).toEqual([[2, 3], [2, 3], [3, 4]]);
    // The plain flow's errors are the same for p = 1 and 2 (f_2 = 0 exactly in the field).
    expect(r.globalError[1]).toEqual(r.globalError[2]);
    expect(r.pass).toBe(true);
  });

  it('heun (order 2) and rk4 (order 4): the plain flow at slope q, the flow through f_{q+1} at slope q + 1', () => {
    const heun = verifyRungeKutta(p.loss, p.theta0, { method: 'heun', hs: [0.05, 0.025, 0.0125], T: 0.5, orders: [2, 3] });
    expect(heun.pass).toBe(true);
    const rk4 = verifyRungeKutta(p.loss, p.theta0, { method: 'rk4', hs: [0.05, 0.025, 0.0125], T: 0.4, orders: [4, 5] });
    expect([rk4.globalSlope[4]!.expected, rk4.globalSlope[5]!.expected]).toEqual([4, 5]);
    for (const o of [4, 5]) {
      expect(Math.abs(rk4.globalSlope[o]!.slope - o), `rk4 global p=${o}`).toBeLessThanOrEqual(0.1);
      expect(Math.abs(rk4.localSlope[o]!.slope - o - 1), `rk4 local p=${o}`).toBeLessThanOrEqual(0.1);
    }
  }, 60_000);

  it('explicit Euler through verifyRungeKutta is gradient descent, bit for bit', () => {
    const euler = rungeKuttaDescent(p.loss, p.theta0, 0.05, 20, findTableau('euler'));
    expect(Array.from(euler)).toEqual(Array.from(gradientDescent(p.loss, p.theta0, 0.05, 20)[20]!));
  });

  it('bad input: unknown tableau lists the valid ones; T/h not whole; order outside 1..8', () => {
    expect(() => findTableau('dopri')).toThrow(/unknown Runge–Kutta tableau 'dopri'; valid tableaus are euler, midpoint, heun, kutta3, rk4, rk38/);
    expect(() => verifyRungeKutta(p.loss, p.theta0, { method: 'rk4', hs: [0.3], T: 1, orders: [4] })).toThrow(IgrError);
    expect(() => verifyRungeKutta(p.loss, p.theta0, { method: 'rk4', hs: [0.1], T: 1, orders: [9] })).toThrow(/order 9 is outside 1..8/);
  });
});

describe('default ladders of higher-order methods (ladderFor)', () => {
  it('picks the entry with the largest fromOrder ≤ q, else the GD ladder, and every ladder has whole T/h', () => {
    const mlp = findProblem('mlp');
    expect(ladderFor(mlp, 1)).toEqual({ hs: mlp.hs, T: mlp.T, reason: null });
    expect(ladderFor(mlp, 2).hs).toBe(mlp.hs);
    expect(ladderFor(mlp, 3)).toMatchObject({ hs: [0.025, 0.0125, 0.00625], T: 0.4 });
    expect(ladderFor(mlp, 4)).toMatchObject({ hs: [0.04, 0.02, 0.01], T: 0.4 });
    expect(ladderFor(mlp, 5)).toMatchObject({ hs: [0.04, 0.02, 0.01], T: 0.4 });
    expect(ladderFor(findProblem('quadratic'), 4).reason).toBeNull();
    for (const p of problems) {
      for (const l of p.higherOrder ?? []) {
        expect(l.reason.length).toBeGreaterThan(20);
        // The verification itself rejects T/h further than 1e-9 from a whole number.
        for (const h of l.hs) expect(Math.abs(l.T / h - Math.round(l.T / h))).toBeLessThan(1e-9);
      }
    }
  });
});
