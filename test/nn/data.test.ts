import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/autodiff/index.js';
import {
  accuracy,
  datasets,
  loadDataset,
  lossFunction,
  meanSquaredError,
  mlp,
  spirals,
  splitDataset,
  teacherStudent,
  twoMoons,
} from '../../src/nn/index.js';

describe('losses and accuracy', () => {
  it('meanSquaredError is the mean of squared differences over all entries', () => {
    const v = meanSquaredError(tensor([[1, 2], [3, 4]]), tensor([[0, 2], [5, 4]])).item();
    expect(v).toBe((1 + 0 + 4 + 0) / 4);
  });
  it('meanSquaredError names both shapes on mismatch', () => {
    expect(() => meanSquaredError(tensor([[1, 2]]), tensor([[1], [2]]))).toThrow(/\[1, 2\].*\[2, 1\]/);
  });
  it('accuracy takes the first maximum of each row, from a tensor or a flat array', () => {
    const logits = [[0.1, 0.9, 0.0], [2, 2, 1], [0, 0, 3], [5, 1, 0]];
    const labels = [1, 0, 2, 1];
    expect(accuracy(tensor(logits), labels)).toBe(0.75);
    expect(accuracy(Float64Array.from(logits.flat()), Int32Array.from(labels))).toBe(0.75);
    expect(() => accuracy(tensor(logits), [0, 1])).toThrow(/shape \[2, K\]/);
  });
});

const bits = (a: ArrayLike<number>) => Array.from(a);

describe('synthetic data sets', () => {
  it('two moons: shapes, balanced labels, exact moons at zero noise, seeded', () => {
    const ds = twoMoons({ n: 101, noise: 0, seed: 1 });
    expect(ds.X.shape).toEqual([101, 2]);
    expect(ds.task).toBe('classification');
    expect(ds.labels!.reduce((s, l) => s + l, 0)).toBe(50); // 51 upper (0), 50 lower (1)
    for (let i = 0; i < 101; i++) {
      const [x, y] = [ds.X.data[2 * i]!, ds.X.data[2 * i + 1]!];
      // Upper moon: unit circle at (0, 0); lower: unit circle at (1, 1/2), rounding only.
      const r = ds.labels![i] === 0 ? Math.hypot(x, y) : Math.hypot(x - 1, y - 0.5);
      expect(Math.abs(r - 1)).toBeLessThan(1e-15);
    }
    const a = twoMoons({ n: 50, noise: 0.2, seed: 9 });
    const b = twoMoons({ n: 50, noise: 0.2, seed: 9 });
    expect(bits(a.X.data)).toEqual(bits(b.X.data));
    expect(bits(a.labels!)).toEqual(bits(b.labels!));
    expect(bits(twoMoons({ n: 50, noise: 0.2, seed: 10 }).X.data)).not.toEqual(bits(a.X.data));
  });

  it('spirals: every class present with n/classes points, radius in (0, 1)', () => {
    const ds = spirals({ n: 100, classes: 4, noise: 0.1, seed: 2 });
    expect(ds.outputDim).toBe(4);
    const counts = [0, 0, 0, 0];
    ds.labels!.forEach((l) => counts[l]!++);
    expect(counts).toEqual([25, 25, 25, 25]);
    for (let i = 0; i < 100; i++) {
      const r = Math.hypot(ds.X.data[2 * i]!, ds.X.data[2 * i + 1]!);
      expect(r).toBeGreaterThan(0);
      expect(r).toBeLessThan(1);
    }
    expect(bits(spirals({ n: 100, classes: 4, noise: 0.1, seed: 2 }).X.data)).toEqual(bits(ds.X.data));
  });

  it('teacher-student: shapes, and with the same seed the noise moves only the targets', () => {
    const ds = teacherStudent({ n: 30, inputDim: 3, teacherSizes: [5, 2], noise: 0, seed: 4 });
    expect(ds.X.shape).toEqual([30, 3]);
    expect(ds.y!.shape).toEqual([30, 2]);
    expect(ds.task).toBe('regression');
    const noisy = teacherStudent({ n: 30, inputDim: 3, teacherSizes: [5, 2], noise: 0.5, seed: 4 });
    // Same seed: same inputs; the noise only moves the targets.
    expect(bits(noisy.X.data)).toEqual(bits(ds.X.data));
    expect(bits(noisy.y!.data)).not.toEqual(bits(ds.y!.data));
  });

  it('splitDataset: disjoint, complete, seeded', () => {
    const ds = twoMoons({ n: 40, noise: 0.1, seed: 5 });
    const { train, test } = splitDataset(ds, 0.75, 3);
    expect(train.X.shape).toEqual([30, 2]);
    expect(test.X.shape).toEqual([10, 2]);
    const rows = (d: typeof ds) => Array.from({ length: d.X.shape[0]! }, (_, i) => `${d.X.data[2 * i]},${d.X.data[2 * i + 1]}`);
    const all = new Set(rows(ds));
    const seen = [...rows(train), ...rows(test)];
    expect(new Set(seen).size).toBe(40);
    seen.forEach((r) => expect(all.has(r)).toBe(true));
    expect(bits(splitDataset(ds, 0.75, 3).test.X.data)).toEqual(bits(test.X.data));
    expect(() => splitDataset(ds, 1, 3)).toThrow(/fraction must lie in \(0, 1\)/);
  });

  it('loadDataset gives seeded train/test pairs and rejects an unknown name, listing the valid ones', async () => {
    const { train, test } = await loadDataset('spirals', { train: 60, test: 30, seed: 1 });
    expect(train.X.shape).toEqual([60, 2]);
    expect(test.X.shape).toEqual([30, 2]);
    await expect(loadDataset('cifar', { train: 1, test: 1, seed: 0 })).rejects.toThrow(
      new RegExp(`unknown dataset 'cifar': valid datasets are ${datasets.join(', ')}`),
    );
  });

  it('bad sizes and counts are named', () => {
    expect(() => twoMoons({ n: 0, seed: 1 })).toThrow(/n must be an integer ≥ 2, got 0/);
    expect(() => twoMoons({ n: 10, noise: -1, seed: 1 })).toThrow(/noise must be finite and ≥ 0/);
    expect(() => spirals({ n: 10, classes: 1, seed: 1 })).toThrow(/classes must be an integer ≥ 2/);
  });
});

describe('lossFunction', () => {
  it('names both the model sizes and the data set dimension when they do not match', () => {
    const data = twoMoons({ n: 10, seed: 1 });
    expect(() => lossFunction(mlp({ sizes: [3, 4, 2], activation: 'tanh' }), data)).toThrow(
      /model sizes \[3,4,2\] take 3 inputs, but data set 'moons' has inputDim 2/,
    );
    expect(() => lossFunction(mlp({ sizes: [2, 4, 3], activation: 'tanh' }), data)).toThrow(
      /give 3 outputs, but data set 'moons' has outputDim 2 \(2 classes\)/,
    );
  });
  it('is cross-entropy for classification: log K at zero parameters', () => {
    const data = spirals({ n: 30, classes: 3, seed: 1 });
    const model = mlp({ sizes: [2, 4, 3], activation: 'tanh' });
    expect(lossFunction(model, data)(tensor(new Float64Array(model.numParams))).item()).toBeCloseTo(Math.log(3), 14);
  });
});
