import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/autodiff/index.js';
import { activations, mlp, splitDataset, twoMoons } from '../../src/nn/index.js';

// Few runs each: every run builds and applies a small network, and the suite must stay fast on a shared machine.
const runs = { numRuns: 25, seed: 20211 };

describe('mlp properties', () => {
  it('rows are independent: applying to a batch equals applying to each row alone', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 2, maxLength: 4 }),
        fc.constantFrom(...activations),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 1000 }),
        (sizes, activation, n, seed) => {
          const model = mlp({ sizes, activation });
          const theta = tensor(model.init(seed));
          const X = Array.from({ length: n }, (_, i) => Array.from({ length: sizes[0]! }, (_, j) => Math.sin(1 + i * 7 + j * 3)));
          const batch = model.apply(theta, tensor(X)).data;
          const out = sizes[sizes.length - 1]!;
          X.forEach((row, i) => {
            const alone = model.apply(theta, tensor(row)).data;
            // Same arithmetic per row up to the kernel's summation order: 1e-14 is ~50 ulps at these O(1) magnitudes.
            alone.forEach((v, k) => expect(Math.abs(v - batch[i * out + k]!)).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(v))));
          });
        },
      ),
      runs,
    );
  });

  it('init is a pure function of the seed, and the layout covers the flat vector exactly once', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 2, maxLength: 5 }), fc.integer(), (sizes, seed) => {
        const model = mlp({ sizes, activation: 'tanh' });
        expect(Array.from(model.init(seed))).toEqual(Array.from(model.init(seed)));
        let next = 0;
        for (const l of model.layout) {
          expect(l.weightOffset).toBe(next);
          expect(l.biasOffset).toBe(next + l.inDim * l.outDim);
          next = l.biasOffset + l.outDim;
        }
        expect(next).toBe(model.numParams);
      }),
      runs,
    );
  });
});

describe('splitDataset property', () => {
  it('is a partition of the rows for any fraction and seed', () => {
    const ds = twoMoons({ n: 23, noise: 0.3, seed: 4 });
    const key = (x: Float64Array, i: number) => `${x[2 * i]},${x[2 * i + 1]}`;
    const all = Array.from({ length: 23 }, (_, i) => key(ds.X.data, i)).sort();
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 0.99, noNaN: true }), fc.integer(), (fraction, seed) => {
        const { train, test } = splitDataset(ds, fraction, seed);
        const rows = [
          ...Array.from({ length: train.X.shape[0]! }, (_, i) => key(train.X.data, i)),
          ...Array.from({ length: test.X.shape[0]! }, (_, i) => key(test.X.data, i)),
        ].sort();
        expect(rows).toEqual(all);
        expect(train.X.shape[0]).toBeGreaterThanOrEqual(1);
        expect(test.X.shape[0]).toBeGreaterThanOrEqual(1);
      }),
      runs,
    );
  });
});
