/**
 * SGD with random reshuffling: the modified loss of Smith, Dherin, Barrett & De (ICLR 2021), the
 * mean iterate over minibatch orders (exact and sampled), and the measured slopes against ε of
 * its distance to the flows of C, of the full-batch modified loss and of the SGD modified loss
 * (src/igr/optimizers/sgd.ts).
 */
import { describe, expect, it } from 'vitest';
import { grad, tensor } from '../../src/autodiff/index.js';
import { IgrError, modifiedLoss } from '../../src/igr/index.js';
import { findSgdProblem, minibatches, permutations, sgdMeanIterate, sgdModifiedLoss, sgdProblems, verifySgd } from '../../src/igr/optimizers/index.js';

const ls = findSgdProblem('least-squares');

describe('the SGD modified loss and the mean iterate', () => {
  it('permutations(m) lists each of the m! orders once', () => {
    for (const m of [1, 2, 3, 4, 5]) {
      const ps = permutations(m);
      expect(new Set(ps.map((p) => p.join(','))).size).toBe([1, 1, 2, 6, 24, 120][m]);
      for (const p of ps) expect([...p].sort()).toEqual(Array.from({ length: m }, (_, i) => i));
    }
  });

  it('C + (ε/4m) Σ|∇Ĉ_k|² = C + (ε/4)|∇C|² + (ε/4m) Σ|∇Ĉ_k − ∇C|² (Smith et al., eq. 1); with one batch it is the GD modified loss', () => {
    const data = minibatches(ls, 4);
    const x = tensor([0.3, -0.7, 1.1], [3]);
    const eps = 0.05;
    const gC = grad(data.loss)(x).data;
    const variance = data.batchLosses.reduce((s, l) => s + grad(l)(x).data.reduce((a, v, i) => a + (v - gC[i]!) ** 2, 0), 0);
    const want = data.loss(x).item() + (eps / 4) * gC.reduce((a, v) => a + v * v, 0) + (eps / 16) * variance;
    // O(1) values summed in two different orders: agreement to a few ulps.
    expect(Math.abs(sgdModifiedLoss(data, eps)(x).item() - want)).toBeLessThan(1e-14 * Math.abs(want));
    const one = minibatches(ls, 1);
    expect(Math.abs(sgdModifiedLoss(one, eps)(x).item() - modifiedLoss(one.loss, eps)(x).item())).toBeLessThan(1e-15);
  });

  it('the exact mean over orders of two minibatches is the average of the two epochs written out by hand', () => {
    const data = minibatches(ls, 2);
    const [g0, g1] = data.batchLosses.map((l) => grad(l));
    const step = (theta: number[], g: typeof g0): number[] => {
      const d = g!(tensor(theta, [3])).data;
      return theta.map((v, i) => v - 0.1 * d[i]!);
    };
    const a = step(step([...ls.theta0], g0), g1);
    const b = step(step([...ls.theta0], g1), g0);
    const mean = sgdMeanIterate(data, ls.theta0, 0.1, 1);
    expect(mean.averaging).toBe('exact');
    expect(mean.sequences).toBe(2);
    // The same arithmetic in the same order, except the final halving of the sum: exact to an ulp.
    mean.mean.forEach((v, i) => expect(Math.abs(v - (a[i]! + b[i]!) / 2)).toBeLessThan(1e-16 * 4));
  });

  it('sampled means are seeded (same seed, same bits) and state a standard error', () => {
    const data = minibatches(ls, 6);
    const opts = { exactLimit: 10, pairs: 50, seed: 3 };
    const a = sgdMeanIterate(data, ls.theta0, 0.01, 1, opts);
    const b = sgdMeanIterate(data, ls.theta0, 0.01, 1, opts);
    expect(a.averaging).toBe('sampled');
    expect(a.sequences).toBe(100);
    expect(Array.from(a.mean)).toEqual(Array.from(b.mean));
    expect(a.standardError).toBeGreaterThan(0);
    expect(Array.from(sgdMeanIterate(data, ls.theta0, 0.01, 1, { ...opts, seed: 4 }).mean)).not.toEqual(Array.from(a.mean));
  });
});

describe('verifySgd: which flow the mean iterate follows (slopes against ε, ±0.1)', () => {
  it('least squares, 4 minibatches, exact over all 24 orders (1 epoch) and 576 (2 epochs): C and full-batch flows O(ε²), SGD modified flow O(ε³)', () => {
    const r = verifySgd(ls, { hs: ls.hs, batches: 4, epochs: 2 });
    expect(r.optimizer).toMatchObject({ name: 'sgd', batches: 4, batchSize: 3, epochs: 2, averaging: 'exact', sequences: 576 });
    expect(r.orders.map((o) => [r.localSlope[o]!.expected, r.globalSlope[o]!.expected])).toEqual([[2, 2], [2, 2], [3, 3]]);
    expect(r.pass).toBe(true);
    // The SGD modified flow is the closest at every ε; the full-batch flow is closer than the plain one.
    r.hs.forEach((_, i) => {
      expect(r.localError[3]![i]!).toBeLessThan(r.localError[2]![i]!);
      expect(r.localError[2]![i]!).toBeLessThan(r.localError[1]![i]!);
    });
  });

  it('the small MLP, 4 minibatches of 2 points, 2 epochs exact: the same three slopes', () => {
    const mlp = findSgdProblem('mlp');
    const r = verifySgd(mlp, { hs: mlp.hs, batches: 4, epochs: 2 });
    expect(r.pass).toBe(true);
  }, 30_000);

  it('sampled orders (6 minibatches: 720 orders per epoch, antithetic pairs): the SGD flow still measured at slope 3 above 10 standard errors', () => {
    const r = verifySgd(ls, { hs: ls.hs, batches: 6, epochs: 1, exactLimit: 100, pairs: 200 });
    expect(r.optimizer.averaging).toBe('sampled');
    expect(r.optimizer.standardError.every((s) => s > 0)).toBe(true);
    r.hs.forEach((_, i) => {
      if (!r.roundoff.global[3]![i]) expect(r.globalError[3]![i]!).toBeGreaterThanOrEqual(10 * r.optimizer.standardError[i]!);
    });
    expect(r.globalSlope[3]!.used).toBeGreaterThanOrEqual(3);
    expect(r.pass).toBe(true);
  });

  it('bad input: minibatches that do not divide the data (valid counts listed), unknown problem, bad ε', () => {
    expect(() => minibatches(ls, 5)).toThrow(/must divide the 12 data points of 'least-squares', got 5; valid: 1, 2, 3, 4, 6, 12/);
    expect(() => findSgdProblem('quadratic')).toThrow(new RegExp(`valid problems for --optimizer sgd are ${sgdProblems.map((p) => p.name).join(', ')}`));
    expect(() => verifySgd(ls, { hs: [0], batches: 4 })).toThrow(IgrError);
    expect(() => sgdMeanIterate(minibatches(ls, 4), ls.theta0, 0.1, 0)).toThrow(/epochs must be an integer ≥ 1, got 0/);
    // Far past the stability limit the iterate explodes: reported with the step, never as a number.
    expect(() => sgdMeanIterate(minibatches(ls, 4), ls.theta0, 50, 2)).toThrow(/diverged at step \d+/);
    const r = verifySgd(ls, { hs: [50, 0.01, 0.005], batches: 4, epochs: 1 });
    expect(r.diverged.map((d) => d.h)).toEqual([50]);
    expect(r.globalError[3]![0]).toBeNull();
    expect(r.globalError[3]![1]).toBeGreaterThan(0);
  });
});
