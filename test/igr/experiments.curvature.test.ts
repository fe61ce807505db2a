import { describe, expect, it } from 'vitest';
import { hessian, tensor } from '../../src/autodiff/index.js';
import { eigvalsh } from '../../src/curvature/index.js';
import { lossFunction, mlp, train, twoMoons } from '../../src/nn/index.js';
import { SharpnessTracker, endCurvature, sharpnessLanczosCap } from '../../src/igr/experiments/curvature.js';
import { makeRunConfig, validateRunConfig } from '../../src/igr/experiments/config.js';

const data = twoMoons({ n: 40, seed: 5 });
const model = mlp({ sizes: [2, 5, 2], activation: 'tanh' });
const loss = lossFunction(model, data, { loss: 'mse' });

describe('SharpnessTracker: λ_max along training', () => {
  it('agrees with the dense Hessian at every measured step, within its certificate', () => {
    const tracker = new SharpnessTracker(loss, { every: 5, k: 2 }, 7);
    const thetas = new Map<number, Float64Array>();
    train({ loss, params0: model.init(3), optimizer: { kind: 'gd', lr: 0.5 }, steps: 20, onStep: (n, e, theta) => {
      if (tracker.due(n)) {
        tracker.measure(n, e, theta);
        thetas.set(n, Float64Array.from(theta));
      }
    } });
    expect(tracker.points.map((p) => p.step)).toEqual([0, 5, 10, 15, 20]);
    for (const p of tracker.points) {
      const exact = eigvalsh(hessian(loss, tensor(thetas.get(p.step)!)));
      const top = [exact.at(-1)!, exact.at(-2)!];
      // Lanczos at tol 1e-6: each value within its residual certificate of an eigenvalue, and in
      // fact within residual²/gap, far below 1e-8 relative here.
      p.values!.forEach((v, i) => {
        expect(Math.abs(v! - top[i]!)).toBeLessThanOrEqual(p.residuals![i]! + 1e-12);
        expect(Math.abs(v! - top[i]!)).toBeLessThan(1e-8 * Math.abs(top[0]!));
      });
      expect(p.lambdaMax).toBe(p.values![0]);
      expect(p.hvps).toBeLessThanOrEqual(sharpnessLanczosCap(2) + 2);
    }
    expect(tracker.hvps).toBe(tracker.points.reduce((s, p) => s + p.hvps, 0));
  });

  it('is seeded: the same seed gives the same series bit for bit', () => {
    const run = () => {
      const tracker = new SharpnessTracker(loss, { every: 4, k: 1 }, 11);
      train({ loss, params0: model.init(1), optimizer: { kind: 'gd', lr: 0.3 }, steps: 8, onStep: (n, e, th) => void (tracker.due(n) && tracker.measure(n, e, th)) });
      return tracker.points;
    };
    expect(run()).toEqual(run());
  });
});

describe('endCurvature: λ_max and the Hutchinson trace at the end point', () => {
  it('λ_max matches the dense Hessian and the trace lies within 4 standard errors of the exact one', () => {
    const theta = model.init(2);
    const H = hessian(loss, tensor(theta));
    const exact = eigvalsh(H);
    let trace = 0;
    for (let i = 0; i < theta.length; i++) trace += H.data[i * theta.length + i]!;
    const c = endCurvature(loss, theta, { traceSamples: 200 }, 0);
    expect(Math.abs(c.lambdaMax! - exact.at(-1)!)).toBeLessThan(1e-8 * exact.at(-1)!);
    // 4 standard errors: a two-sided normal tail of 6e-5, so this fails on a wrong trace, not by chance.
    expect(Math.abs(c.trace! - trace)).toBeLessThan(4 * c.traceStderr!);
    expect(c.traceSamples).toBe(200);
    expect(c.hvps).toBeGreaterThan(200);
    const noTrace = endCurvature(loss, theta, { traceSamples: 0 }, 0);
    expect(noTrace.trace).toBeNull();
    expect(noTrace.lambdaMax).toBe(c.lambdaMax);
  });

  it('config validation names bad curvature fields', () => {
    const bad = (o: object) => () => validateRunConfig(makeRunConfig(o));
    expect(bad({ sharpness: { every: 0, k: 1, maxHvps: 10 } })).toThrow('sharpness.every (steps between measurements) must be an integer in 1..∞, got 0');
    expect(bad({ sharpness: { every: 10, k: 21, maxHvps: 1e6 } })).toThrow('sharpness.k (top eigenvalues per measurement) must be an integer in 1..20, got 21');
    expect(bad({ sharpness: { every: 10, k: 1, maxHvps: 0 } })).toThrow('sharpness.maxHvps (bound on the HVPs of the measurements) must be an integer in 1..∞, got 0');
    expect(bad({ endCurvature: { traceSamples: 1 } })).toThrow('endCurvature.traceSamples must be 0 (no trace) or an integer in 2..10000, got 1');
    expect(bad({ loss: 'hinge' })).toThrow("unknown loss 'hinge': valid losses are cross-entropy, mse");
  });
});
