import { describe, expect, it } from 'vitest';
import { dot, hvp, matmul, mul, sqrt, sum, tensor, valueAndGrad, withFiniteCheck, type ScalarFn } from '../../src/autodiff/index.js';
import {
  batchLossFunction,
  egrGradient,
  lossFunction,
  mlp,
  optimizers,
  train,
  twoMoons,
  type OptimizerSpec,
} from '../../src/nn/index.js';

// E(θ) = ½ θᵀAθ with A symmetric positive definite (eigenvalues ≈ 0.38, 2, 2.6).
const A = [
  [2, 0.5, 0],
  [0.5, 1, 0.3],
  [0, 0.3, 2],
];
const At = tensor(A);
const quadratic: ScalarFn = (x) => mul(dot(x, matmul(At, x)), 0.5);
const Av = (v: ArrayLike<number>) => A.map((row) => row.reduce((s, a, j) => s + a * v[j]!, 0));
const theta0 = Float64Array.from([1, -2, 0.5]);

/** Max relative difference, scaled by the larger magnitude (≥ 1). */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0;
  let s = 1;
  for (let i = 0; i < a.length; i++) {
    e = Math.max(e, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return e / s;
}

// Float64 arithmetic on a 3×3 problem: 1e-13 leaves ~100 ulps for accumulated rounding over a few dozen steps.
const TIGHT = 1e-13;

describe('full-batch gradient descent and momentum follow their recurrences', () => {
  it('gd: θ_{n+1} = θ_n − h A θ_n', () => {
    const h = 0.1;
    const res = train({ loss: quadratic, params0: theta0, optimizer: { kind: 'gd', lr: h }, steps: 25 });
    let th = Array.from(theta0);
    for (let n = 0; n < 25; n++) th = th.map((v, i) => v - h * Av(th)[i]!);
    expect(relErr(res.params, th)).toBeLessThan(TIGHT);
    expect(res.steps).toBe(25);
    expect(res.diverged).toBeNull();
    expect(res.gradientEvaluations).toBe(25);
    expect(res.losses.length).toBe(26); // E(θ_0..θ_25)
    expect(res.finalLoss).toBe(res.losses[25]);
  });

  it('momentum: θ_{n+1} = θ_n − h ∇E(θ_n) + β(θ_n − θ_{n−1}), θ_{−1} = θ_0; β = 0 is gd', () => {
    const h = 0.1;
    const beta = 0.8;
    const res = train({ loss: quadratic, params0: theta0, optimizer: { kind: 'momentum', lr: h, beta }, steps: 30 });
    let prev = Array.from(theta0);
    let th = Array.from(theta0);
    for (let n = 0; n < 30; n++) {
      const g = Av(th);
      const next = th.map((v, i) => v - h * g[i]! + beta * (v - prev[i]!));
      prev = th;
      th = next;
    }
    expect(relErr(res.params, th)).toBeLessThan(TIGHT);
    const m0 = train({ loss: quadratic, params0: theta0, optimizer: { kind: 'momentum', lr: h, beta: 0 }, steps: 10 });
    const gd = train({ loss: quadratic, params0: theta0, optimizer: { kind: 'gd', lr: h }, steps: 10 });
    expect(Array.from(m0.params)).toEqual(Array.from(gd.params));
  });

  it('records every k-th loss and always the last; onStep sees every step', () => {
    const seen: number[] = [];
    const res = train({ loss: quadratic, params0: theta0, optimizer: { kind: 'gd', lr: 0.1 }, steps: 10, record: 4, onStep: (s) => seen.push(s) });
    expect(res.lossSteps).toEqual([0, 4, 8, 10]);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});

describe('stop rule and explosion reference', () => {
  it('until stops at the first θ_n with E(θ_n) ≤ target, before its update', () => {
    const full = train({ loss: quadratic, params0: theta0, optimizer: { kind: 'gd', lr: 0.1 }, steps: 200 });
    const target = 0.05;
    const first = full.losses.findIndex((e) => e <= target);
    expect(first).toBeGreaterThan(0);
    const res = train({ loss: quadratic, params0: theta0, optimizer: { kind: 'gd', lr: 0.1 }, steps: 200, until: (_, e) => e <= target });
    expect(res.stopped).toBe(true);
    expect(res.steps).toBe(first);
    expect(res.finalLoss).toBe(full.losses[first]);
    expect(res.lossSteps.at(-1)).toBe(first);
    const exact = train({ loss: quadratic, params0: theta0, optimizer: { kind: 'gd', lr: 0.1 }, steps: first });
    expect(Array.from(res.params)).toEqual(Array.from(exact.params));
    expect(exact.stopped).toBe(false);
  });

  it('explodeReference replaces E(θ₀) in the threshold', () => {
    // E(θ₀) = 1.95 here; with factor 1 the threshold is 1.95 by default but 1 with reference 1.
    const spec: OptimizerSpec = { kind: 'gd', lr: 0.1 };
    expect(train({ loss: quadratic, params0: theta0, optimizer: spec, steps: 3, explodeFactor: 1 }).diverged).toBeNull();
    const res = train({ loss: quadratic, params0: theta0, optimizer: spec, steps: 3, explodeFactor: 1, explodeReference: 1 });
    expect(res.diverged).toMatchObject({ step: 0, reason: 'exploded' });
    expect(res.diverged!.loss).toBeCloseTo(1.95, 14);
  });
});

describe('EGR: gradient of E + μ|∇E|² is g + 2μHg', () => {
  it('exact mode equals g + 2μ A² θ on a quadratic', () => {
    const mu = 0.3;
    const { value, gradient, gradNormSquared } = egrGradient(quadratic, theta0, mu, 'exact');
    const g = Av(theta0);
    const expected = g.map((v, i) => v + 2 * mu * Av(g)[i]!);
    expect(relErr(gradient, expected)).toBeLessThan(TIGHT);
    expect(value).toBeCloseTo(0.5 * g.reduce((s, v, i) => s + v * theta0[i]!, 0), 14);
    expect(gradNormSquared).toBeCloseTo(g.reduce((s, v) => s + v * v, 0), 13);
  });

  it('finite-difference mode is exact up to round-off on a quadratic (no third derivative)', () => {
    const mu = 0.3;
    const exact = egrGradient(quadratic, theta0, mu, 'exact').gradient;
    // Round-off of the difference quotient: ≈ ε |∇E| / r · 2μ|g| ≈ 2e-16·5/1e-4·2·0.3·5 ≈ 3e-10.
    expect(relErr(egrGradient(quadratic, theta0, mu, 'finite-difference').gradient, exact)).toBeLessThan(3e-9);
  });

  it('on an MLP loss, exact mode equals g + 2μ·hvp(E, θ, g), and the finite difference converges at first order in r', () => {
    const data = twoMoons({ n: 20, noise: 0.1, seed: 2 });
    const model = mlp({ sizes: [2, 6, 2], activation: 'tanh' });
    const loss = lossFunction(model, data);
    const theta = model.init(3);
    const mu = 0.05;
    const g = valueAndGrad(loss)(tensor(theta)).grad;
    const Hg = hvp(loss, tensor(theta), g).data;
    const reference = Array.from(g.data, (v, i) => v + 2 * mu * Hg[i]!);
    const exact = egrGradient(loss, theta, mu, 'exact').gradient;
    expect(relErr(exact, reference)).toBeLessThan(1e-12);
    const e3 = relErr(egrGradient(loss, theta, mu, 'finite-difference', 1e-3).gradient, reference);
    const e4 = relErr(egrGradient(loss, theta, mu, 'finite-difference', 1e-4).gradient, reference);
    // Forward difference: error ∝ r while truncation dominates round-off, so 10× smaller r gives ≈ 10× smaller error.
    expect(e4).toBeLessThan(1e-4);
    expect(e3 / e4).toBeGreaterThan(7);
    expect(e3 / e4).toBeLessThan(13);
  });

  it('train counts one gradient and one HVP per exact step, two gradients per finite-difference step', () => {
    const exact = train({ loss: quadratic, params0: theta0, optimizer: { kind: 'egr', lr: 0.1, mu: 0.1, hvp: 'exact' }, steps: 7 });
    expect([exact.gradientEvaluations, exact.hvpEvaluations]).toEqual([7, 7]);
    const fd = train({ loss: quadratic, params0: theta0, optimizer: { kind: 'egr', lr: 0.1, mu: 0.1, hvp: 'finite-difference' }, steps: 7 });
    expect([fd.gradientEvaluations, fd.hvpEvaluations]).toEqual([14, 0]);
    expect(relErr(fd.params, exact.params)).toBeLessThan(1e-9);
    // And the iterates are θ ← θ − h (I + 2μA) A θ.
    let th = Array.from(theta0);
    for (let n = 0; n < 7; n++) {
      const g = Av(th);
      const d = g.map((v, i) => v + 0.2 * Av(g)[i]!);
      th = th.map((v, i) => v - 0.1 * d[i]!);
    }
    expect(relErr(exact.params, th)).toBeLessThan(TIGHT);
  });
});

describe('minibatch SGD with random reshuffling', () => {
  const data = twoMoons({ n: 10, noise: 0.1, seed: 1 });
  const model = mlp({ sizes: [2, 3, 2], activation: 'tanh' });
  const loss = lossFunction(model, data);
  const batchLoss = batchLossFunction(model, data);
  const params0 = model.init(2);

  it('visits every example once per epoch, in a seeded order; a full batch is gd', () => {
    const batches: number[][] = [];
    const spy = (p: Parameters<typeof batchLoss>[0], idx: ArrayLike<number>) => {
      batches.push(Array.from(idx));
      return batchLoss(p, idx);
    };
    const spec: OptimizerSpec = { kind: 'sgd', lr: 0.1, batchSize: 4, seed: 5 };
    const res = train({ loss, batchLoss: spy, numExamples: 10, params0, optimizer: spec, steps: 6 });
    expect(batches.map((b) => b.length)).toEqual([4, 4, 2, 4, 4, 2]);
    const epoch1 = batches.slice(0, 3).flat().sort((a, b) => a - b);
    const epoch2 = batches.slice(3).flat().sort((a, b) => a - b);
    expect(epoch1).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(epoch2).toEqual(epoch1);
    expect(batches.slice(0, 3).flat()).not.toEqual(batches.slice(3).flat()); // reshuffled
    const again = train({ loss, batchLoss, numExamples: 10, params0, optimizer: spec, steps: 6 });
    expect(Array.from(again.params)).toEqual(Array.from(res.params));

    const full = train({ loss, batchLoss, numExamples: 10, params0, optimizer: { kind: 'sgd', lr: 0.1, batchSize: 10, seed: 1 }, steps: 5 });
    const gd = train({ loss, params0, optimizer: { kind: 'gd', lr: 0.1 }, steps: 5 });
    // Same examples in another order: sums differ only by rounding.
    expect(relErr(full.params, gd.params)).toBeLessThan(TIGHT);
  });

  it('trains: the full-batch loss on two moons falls to under half its start in 200 steps', () => {
    const moons = twoMoons({ n: 40, noise: 0.1, seed: 1 });
    const net = mlp({ sizes: [2, 8, 2], activation: 'tanh' });
    const full = lossFunction(net, moons);
    const p0 = net.init(2);
    const spec: OptimizerSpec = { kind: 'sgd', lr: 1, batchSize: 8, seed: 3 };
    const res = train({ loss: full, batchLoss: batchLossFunction(net, moons), numExamples: 40, params0: p0, optimizer: spec, steps: 200 });
    expect(res.diverged).toBeNull();
    expect(res.finalLoss).toBeLessThan(0.5 * full(tensor(p0)).item());
  });
});

describe('divergence is reported with its step, never thrown', () => {
  it('gd past its stability limit 2/λ_max explodes; the step is where the loss first passed the threshold', () => {
    const h = 1.5; // λ_max ≈ 2.6: |1 − hλ| ≈ 2.9 per step, the loss grows ≈ 8.4× per step
    const res = train({ loss: quadratic, params0: theta0, optimizer: { kind: 'gd', lr: h }, steps: 1000 });
    expect(res.diverged?.reason).toBe('exploded');
    const e0 = quadratic(tensor(theta0)).item();
    const step = res.diverged!.step;
    expect(res.diverged!.loss).toBeGreaterThan(1e6 * Math.max(e0, 1));
    expect(res.losses[step - 1]!).toBeLessThanOrEqual(1e6 * Math.max(e0, 1));
    expect(res.steps).toBe(step);
    expect(Number.isNaN(res.finalLoss)).toBe(true);
  });

  it('a loss that becomes NaN is reported as non-finite at that step (sqrt of a negative parameter)', () => {
    // E = Σ √θ from θ = 1 with h = 1: θ_1 = 0.5, θ_2 = 0.5 − 1/(2√0.5) < 0, so E(θ_2) is NaN.
    const res = train({ loss: (x) => sum(sqrt(x)), params0: Float64Array.of(1), optimizer: { kind: 'gd', lr: 1 }, steps: 10 });
    expect(res.diverged).toEqual({ step: 2, loss: NaN, reason: 'nonfinite' });
    expect(res.losses.length).toBe(2);
    // With the autodiff's finite check on, the NaN throws inside the loss; train still reports, not throws.
    const checked = withFiniteCheck(() =>
      train({ loss: (x) => sum(sqrt(x)), params0: Float64Array.of(1), optimizer: { kind: 'gd', lr: 1 }, steps: 10 }),
    );
    expect(checked.diverged).toEqual({ step: 2, loss: NaN, reason: 'nonfinite' });
  });

  it.each<OptimizerSpec>([
    { kind: 'momentum', lr: 1.5, beta: 0.5 },
    { kind: 'egr', lr: 1.5, mu: 0.1, hvp: 'exact' },
    { kind: 'egr', lr: 1.5, mu: 0.1, hvp: 'finite-difference' },
    { kind: 'sgd', lr: 1.5, batchSize: 1, seed: 0 },
  ])('$kind diverges without throwing', (optimizer) => {
    // SGD's "minibatch" loss here is the whole quadratic, whatever the indices.
    const res = train({ loss: quadratic, batchLoss: (p) => quadratic(p), numExamples: 3, params0: theta0, optimizer, steps: 1000 });
    expect(res.diverged?.reason).toBe('exploded');
    expect(res.steps).toBe(res.diverged!.step);
    expect(res.steps).toBeLessThan(1000);
  });

  it('EGR at a stationary point (g = 0) takes no step in either mode', () => {
    const zero = new Float64Array(3);
    for (const hvp of ['exact', 'finite-difference'] as const) {
      expect(Array.from(egrGradient(quadratic, zero, 0.5, hvp).gradient)).toEqual([0, 0, 0]);
    }
  });
});

describe('bad optimiser input gets a clear error', () => {
  const base = { loss: quadratic, params0: theta0, steps: 1 };
  it('unknown optimiser lists the valid ones', () => {
    expect(() => train({ ...base, optimizer: { kind: 'adam', lr: 1 } as unknown as OptimizerSpec })).toThrow(
      new RegExp(`unknown optimizer 'adam': valid optimizers are ${optimizers.join(', ')}`),
    );
  });
  it.each([0, -0.1, NaN, Infinity])('learning rate %s', (lr) => {
    expect(() => train({ ...base, optimizer: { kind: 'gd', lr } })).toThrow(/learning rate lr must be a positive finite number/);
  });
  it.each([0, -1])('EGR μ = %s', (mu) => {
    expect(() => train({ ...base, optimizer: { kind: 'egr', lr: 0.1, mu, hvp: 'exact' } })).toThrow(/mu must be a positive finite number, got/);
  });
  it('EGR hvp mode and step r', () => {
    expect(() => train({ ...base, optimizer: { kind: 'egr', lr: 0.1, mu: 1, hvp: 'fd' as 'exact' } })).toThrow(/unknown hvp mode 'fd': valid modes are exact, finite-difference/);
    expect(() => train({ ...base, optimizer: { kind: 'egr', lr: 0.1, mu: 1, hvp: 'finite-difference', r: 0 } })).toThrow(/step r must be a positive/);
  });
  it.each([1, -0.1, 1.5])('momentum β = %s outside [0, 1)', (beta) => {
    expect(() => train({ ...base, optimizer: { kind: 'momentum', lr: 0.1, beta } })).toThrow(/beta must lie in \[0, 1\)/);
  });
  it('sgd without a batch loss, or with a batch larger than the data', () => {
    expect(() => train({ ...base, optimizer: { kind: 'sgd', lr: 0.1, batchSize: 2, seed: 0 } })).toThrow(/needs batchLoss and numExamples/);
    expect(() =>
      train({ ...base, batchLoss: quadratic, numExamples: 3, optimizer: { kind: 'sgd', lr: 0.1, batchSize: 4, seed: 0 } }),
    ).toThrow(/batchSize 4 exceeds the 3 examples/);
  });
  it('non-finite starting parameters', () => {
    expect(() => train({ ...base, params0: Float64Array.of(1, NaN, 0), optimizer: { kind: 'gd', lr: 0.1 } })).toThrow(/params0\[1\] = NaN/);
  });
});
