import { describe, expect, it } from 'vitest';
import { grad, tensor } from '../../src/autodiff/index.js';
import { PAPER_START, twoParameterExperiment, twoParameterLoss } from '../../src/igr/experiments/twoParameter.js';

describe("the paper's two-parameter model E = ½(1 − ab)²", () => {
  it('loss and gradient match the closed form', () => {
    const [a, b] = [2.8, 3.5];
    const loss = twoParameterLoss();
    const r = a * b - 1;
    expect(loss(tensor([a, b])).item()).toBeCloseTo(0.5 * r * r, 13);
    const g = grad(loss)(tensor([a, b])).data;
    // ∂E/∂a = (ab − 1) b, ∂E/∂b = (ab − 1) a; exact products, so agreement to round-off.
    expect(g[0]).toBeCloseTo(r * b, 12);
    expect(g[1]).toBeCloseTo(r * a, 12);
    expect(() => loss(tensor([1, 2, 3]))).toThrow('twoParameterLoss: θ must have shape [2] (a, b), got [3]');
  });

  // Shared by the tests below: T = 0.5, two small learning rates, RK4 with 200 steps.
  const rows = twoParameterExperiment({ hs: [0.005, 0.01], T: 0.5, rk4Steps: 200 });

  it('GD ends closer to the IGR flow than to the gradient flow, by a factor that grows as h shrinks', () => {
    for (const r of rows) {
      expect(r.distanceToIgrFlow).toBeLessThan(r.distanceToGradientFlow / 5);
      // The reference flows agree with Dormand–Prince far below the distances measured.
      expect(r.referenceError).toBeLessThan(r.distanceToIgrFlow / 1000);
    }
    expect(rows[0]!.distanceToIgrFlow / rows[0]!.distanceToGradientFlow).toBeLessThan(
      rows[1]!.distanceToIgrFlow / rows[1]!.distanceToGradientFlow,
    );
  });

  it('the distances scale like h (gradient flow) and h² (IGR flow): halving h halves / quarters them', () => {
    const [small, large] = rows as [(typeof rows)[0], (typeof rows)[0]];
    // Backward error analysis: global error O(h) for order 1, O(h²) for order 2. At h = 0.01
    // the next-order corrections are a few per cent, hence the ±10% windows.
    expect(large.distanceToGradientFlow / small.distanceToGradientFlow).toBeGreaterThan(1.8);
    expect(large.distanceToGradientFlow / small.distanceToGradientFlow).toBeLessThan(2.2);
    expect(large.distanceToIgrFlow / small.distanceToIgrFlow).toBeGreaterThan(3.6);
    expect(large.distanceToIgrFlow / small.distanceToIgrFlow).toBeLessThan(4.4);
  });

  it('gradient flow conserves a² − b²; GD and the IGR flow end more balanced', () => {
    const c0 = PAPER_START[0] ** 2 - PAPER_START[1] ** 2;
    for (const r of rows) {
      const [a, b] = r.gradientFlow;
      // RK4 does not conserve the quadratic invariant exactly; its error here is ~1e-9 (referenceError).
      expect(Math.abs(a * a - b * b - c0)).toBeLessThan(1e-7);
      expect(r.balance.gd).toBeGreaterThan(r.balance.gradientFlow);
      expect(r.balance.igrFlow).toBeGreaterThan(r.balance.gradientFlow);
      expect(r.sharpness.gd).toBeLessThan(r.sharpness.gradientFlow);
      expect(r.steps * r.h).toBeCloseTo(0.5, 12);
    }
  });

  it('rejects a time that is not a whole number of steps, and bad h', () => {
    expect(() => twoParameterExperiment({ hs: [0.3], T: 1 })).toThrow('T / h = 3.3333333333333335 must be an integer');
    expect(() => twoParameterExperiment({ hs: [0], T: 1 })).toThrow('h must be a positive finite number, got 0');
    expect(() => twoParameterExperiment({ hs: [0.1], T: -1 })).toThrow('T must be a positive finite number, got -1');
  });
});
