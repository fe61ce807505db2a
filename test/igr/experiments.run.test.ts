import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/autodiff/index.js';
import { lossFunction, mlp, train } from '../../src/nn/index.js';
import { igrRegularizer } from '../../src/igr/modified.js';
import { makeRunConfig, modelSizes } from '../../src/igr/experiments/config.js';
import { meanAndSd, perturbationRobustness } from '../../src/igr/experiments/measure.js';
import { loadRunData, runExperiment, trainAndMeasure, trainUnderStopRule } from '../../src/igr/experiments/run.js';
import { summarize } from '../../src/igr/experiments/summary.js';
import type { RunConfig, SweepRecord } from '../../src/igr/experiments/types.js';

// Small synthetic problems keep these tests at a fraction of a second each.
const moons = (overrides: Partial<RunConfig> = {}) =>
  makeRunConfig({ data: 'moons', train: 120, test: 80, hidden: [8], lr: 0.5, perturb: { sigmas: [0.01, 0.1], draws: 3 }, ...overrides });

function withoutTiming(r: SweepRecord): SweepRecord {
  return { ...r, seconds: 0 };
}

describe('runExperiment', () => {
  it('is deterministic: the same config gives a bit-identical record', async () => {
    const c = moons({ stop: { kind: 'steps', steps: 30 } });
    const a = await runExperiment(c);
    const b = await runExperiment(c);
    expect(withoutTiming(a)).toEqual(withoutTiming(b));
    const other = await runExperiment({ ...c, seed: 1 });
    expect(other.trainLoss).not.toBe(a.trainLoss);
  });

  it('stops at the first step whose training loss is at most the target', async () => {
    const target = 0.32;
    const c = moons({ stop: { kind: 'loss', target, maxSteps: 500 } });
    const r = await runExperiment(c);
    expect(r.status).toBe('ok');
    expect(r.reachedTarget).toBe(true);
    expect(r.trainLoss!).toBeLessThanOrEqual(target);
    // Independent check with a single long nn.train call: E(θ_{n-1}) > target ≥ E(θ_n), n = r.steps.
    const data = await loadRunData(c);
    const model = mlp({ sizes: modelSizes(c), activation: c.activation, init: c.init });
    const losses: number[] = [];
    train({
      loss: lossFunction(model, data.train),
      params0: model.init(c.seed),
      optimizer: { kind: 'gd', lr: c.lr },
      steps: r.steps,
      onStep: (k, v) => (losses[k] = v),
    });
    expect(losses[r.steps - 1]!).toBeGreaterThan(target);
    expect(losses[r.steps]).toBe(r.trainLoss);
    expect(r.time).toBe(c.lr * r.steps);
  });

  it('training under a stop rule gives the iterates of one plain train call, bit for bit (GD and EGR)', async () => {
    for (const extra of [{}, { optimizer: 'egr' as const, mu: 0.05, hvp: 'exact' as const }]) {
      const c = moons({ stop: { kind: 'steps', steps: 57 }, recordEvery: 10, ...extra });
      const data = await loadRunData(c);
      const model = mlp({ sizes: modelSizes(c), activation: c.activation, init: c.init });
      const loss = lossFunction(model, data.train);
      const chunked = trainUnderStopRule(loss, model.init(0), c);
      const optimizer = c.optimizer === 'egr' ? { kind: 'egr' as const, lr: c.lr, mu: 0.05, hvp: 'exact' as const } : { kind: 'gd' as const, lr: c.lr };
      const single = train({ loss, params0: model.init(0), optimizer, steps: 57 });
      expect(chunked.steps).toBe(57);
      expect(Array.from(chunked.params)).toEqual(Array.from(single.params));
      expect(chunked.lossCurve!.step).toEqual([0, 10, 20, 30, 40, 50, 57]);
    }
  });

  it('measures R_IG = |∇E|²/m as the igr core defines it, and R_IG/E', async () => {
    const c = moons({ stop: { kind: 'steps', steps: 20 } });
    const data = await loadRunData(c);
    const r = trainAndMeasure(0, c, data);
    const model = mlp({ sizes: modelSizes(c), activation: c.activation, init: c.init });
    const stopped = trainUnderStopRule(lossFunction(model, data.train), model.init(c.seed), c);
    const rIG = igrRegularizer(lossFunction(model, data.train))(tensor(stopped.params)).item();
    // Same quantity by two summation orders: agreement to a few ulps of R_IG.
    expect(Math.abs(r.rIG! - rIG)).toBeLessThanOrEqual(1e-14 * rIG);
    expect(r.gradNorm! ** 2 / r.params).toBeCloseTo(r.rIG!, 15);
    expect(r.rIGOverE).toBeCloseTo(r.rIG! / r.trainLoss!, 15);
    expect(r.lambda).toBe((c.lr * r.params) / 4);
    expect(r.params).toBe(model.numParams);
    expect(r.testAccuracy!).toBeGreaterThan(0.5);
  });

  it('reports a diverged run with its step and no metrics, without throwing', async () => {
    const r = await runExperiment(makeRunConfig({ data: 'teacher', train: 60, test: 20, hidden: [8], lr: 100, stop: { kind: 'steps', steps: 50 } }));
    expect(r.status).toBe('diverged');
    expect(r.diverged!.step).toBeGreaterThanOrEqual(1);
    expect(r.diverged!.step).toBeLessThan(50);
    expect(r.steps).toBe(r.diverged!.step);
    expect(r.trainLoss).toBeNull();
    expect(r.testAccuracy).toBeNull();
    expect(JSON.stringify(r)).not.toMatch(/NaN|Infinity/);
  });

  it('the time rule takes T / h steps, so every h stops at the same training time', async () => {
    for (const lr of [0.25, 0.5, 2]) {
      const r = await runExperiment(moons({ lr, stop: { kind: 'time', T: 4, maxSteps: 100 } }));
      expect(r.steps).toBe(4 / lr);
      expect(r.time).toBe(4);
      expect(r.reachedTarget).toBeNull();
    }
  });

  it('SGD and momentum run in one call (their state spans steps) and record their loss curve', async () => {
    const sgd = await runExperiment(moons({ optimizer: 'sgd', batchSize: 20, stop: { kind: 'steps', steps: 12 }, recordEvery: 6 }));
    expect(sgd).toMatchObject({ status: 'ok', steps: 12, gradientEvaluations: 12 });
    expect(sgd.lossCurve!.step).toEqual([0, 6, 12]);
    const again = await runExperiment(moons({ optimizer: 'sgd', batchSize: 20, stop: { kind: 'steps', steps: 12 }, recordEvery: 6 }));
    expect(again.trainLoss).toBe(sgd.trainLoss);
    // Heavy ball with β = 0 is plain GD: the same iterates, so the same final loss to the last bit.
    const ball = await runExperiment(moons({ optimizer: 'momentum', beta: 0, stop: { kind: 'steps', steps: 12 } }));
    const gd = await runExperiment(moons({ stop: { kind: 'steps', steps: 12 } }));
    expect(ball.trainLoss).toBe(gd.trainLoss);
    const heavy = await runExperiment(moons({ optimizer: 'momentum', beta: 0.9, stop: { kind: 'steps', steps: 12 } }));
    expect(heavy.trainLoss).not.toBe(gd.trainLoss);
  });

  it('a loss target never reached within the cap is reported as such', async () => {
    const r = await runExperiment(moons({ lr: 0.01, stop: { kind: 'loss', target: 0.01, maxSteps: 30 } }));
    expect(r.status).toBe('ok');
    expect(r.reachedTarget).toBe(false);
    expect(r.steps).toBe(30);
  });

  it('a data set that cannot be loaded becomes an error record, not an exception', async () => {
    const failing = new Map();
    const c = moons();
    const key = JSON.stringify([c.data, c.train, c.test, c.dataSeed, null]);
    failing.set(key, Promise.reject(new Error('disk on fire')));
    const e = await runExperiment(c, { cache: failing, id: 7 });
    expect(e).toMatchObject({ status: 'error', id: 7, error: "could not load data set 'moons': disk on fire", trainLoss: null });
  });
});

describe('perturbation robustness', () => {
  it('uses the same directions for every σ, so the loss increase grows like σ² near a minimum', async () => {
    const c = moons({ stop: { kind: 'loss', target: 0.3, maxSteps: 400 } });
    const data = await loadRunData(c);
    const model = mlp({ sizes: modelSizes(c), activation: c.activation, init: c.init });
    const theta = trainUnderStopRule(lossFunction(model, data.train), model.init(0), c).params;
    const [small, double] = perturbationRobustness(model, data.train, data.test, theta, { sigmas: [1e-4, 2e-4], draws: 4 }, 0);
    // E(θ+σε) − E(θ) = σ gᵀε + σ²/2 εᵀHε + O(σ³): with common ε, the ratio at 2σ vs σ lies
    // between 2 (gradient term dominant) and 4 (curvature dominant), up to the O(σ) remainder.
    const ratio = double!.trainLossIncrease! / small!.trainLossIncrease!;
    expect(ratio).toBeGreaterThan(1.9);
    expect(ratio).toBeLessThan(4.1);
    const again = perturbationRobustness(model, data.train, data.test, theta, { sigmas: [1e-4, 2e-4], draws: 4 }, 0);
    expect(again).toEqual([small, double]);
  });

  it('meanAndSd: sample standard deviation, null on a missing value', () => {
    expect(meanAndSd([1, 2, 3, 4])).toEqual({ mean: 2.5, sd: Math.sqrt(5 / 3) });
    expect(meanAndSd([2])).toEqual({ mean: 2, sd: 0 });
    expect(meanAndSd([1, null])).toEqual({ mean: null, sd: null });
  });
});

describe('summarize', () => {
  it('groups seeds, averages only runs that trained and counts the rest', async () => {
    const ok = await Promise.all([0, 1, 2].map((seed) => runExperiment(moons({ seed, stop: { kind: 'steps', steps: 10 } }))));
    const diverged = await runExperiment(moons({ lr: 1e6, stop: { kind: 'steps', steps: 10 } }));
    const rows = summarize([...ok, diverged]);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ runs: 3, ok: 3, diverged: 0, lr: 0.5 });
    expect(rows[0]!.trainLoss.mean).toBeCloseTo(ok.reduce((s, r) => s + r.trainLoss!, 0) / 3, 14);
    expect(rows[0]!.trainLoss.n).toBe(3);
    expect(rows[1]).toMatchObject({ runs: 1, ok: 0, diverged: 1, divergedAt: [diverged.diverged!.step] });
    expect(rows[1]!.trainLoss.mean).toBeNull();
  });
});
