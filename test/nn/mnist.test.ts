import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/autodiff/index.js';
import { accuracy, avgPool2x2, loadDataset as loadDatasetCore, loadMnist as decodeMnist, lossFunction, mlp, train as trainModel, type MnistSource } from '../../src/nn/index.js';
import { loadDataset, loadMnist } from '../../src/node/index.js';

/** A fake package: digit d has `counts[d]` images, image k of digit d filled with (100 d + k) / 10000. */
function fakeSource(counts: number[]): MnistSource {
  return {
    digit(d) {
      const data = new Float64Array(counts[d]! * 784);
      for (let k = 0; k < counts[d]!; k++) data.fill((100 * d + k) / 10000, k * 784, (k + 1) * 784);
      return data;
    },
  };
}

describe('avgPool2x2', () => {
  it('averages each 2×2 block of a hand-made image', () => {
    // 4×4 image, row-major:
    //  1  2 | 3  4
    //  5  6 | 7  8
    //  ----------
    //  9 10 |11 12
    // 13 14 |15 16
    const img = Array.from({ length: 16 }, (_, i) => i + 1);
    expect(Array.from(avgPool2x2(img, 4, 4))).toEqual([(1 + 2 + 5 + 6) / 4, (3 + 4 + 7 + 8) / 4, (9 + 10 + 13 + 14) / 4, (11 + 12 + 15 + 16) / 4]);
    expect(() => avgPool2x2(img, 5, 4)).toThrow(/16 pixels, expected 4×5 = 20/);
  });
});

describe('loadMnist with an injected source', () => {
  const counts = [3, 4, 5, 3, 4, 5, 3, 4, 5, 6];
  it('splits disjointly by a seeded permutation, labels follow the images', async () => {
    const { train, test } = await loadMnist({ train: 20, test: 10, seed: 1, source: fakeSource(counts) });
    expect(train.X.shape).toEqual([20, 784]);
    expect(test.X.shape).toEqual([10, 784]);
    const ids = [train, test].flatMap((ds) =>
      Array.from({ length: ds.X.shape[0]! }, (_, i) => {
        const id = Math.round(ds.X.data[i * 784]! * 10000);
        expect(Math.floor(id / 100)).toBe(ds.labels![i]); // label is the digit the image came from
        return id;
      }),
    );
    expect(new Set(ids).size).toBe(30);
    const again = await loadMnist({ train: 20, test: 10, seed: 1, source: fakeSource(counts) });
    expect(Array.from(again.train.X.data)).toEqual(Array.from(train.X.data));
  });
  it('pools to 14×14', async () => {
    const { train } = await loadMnist({ train: 5, test: 1, seed: 2, pool: true, source: fakeSource(counts) });
    expect(train.X.shape).toEqual([5, 196]);
    expect(train.inputDim).toBe(196);
  });
  it('scales raw 8-bit intensities to [0, 1]', async () => {
    const raw: MnistSource = { digit: (d) => new Float64Array(2 * 784).fill(d === 3 ? 255 : 51) };
    const { train } = await loadMnist({ train: 19, test: 1, seed: 1, source: raw });
    train.X.data.forEach((v, k) => expect(v).toBe(train.labels![Math.floor(k / 784)] === 3 ? 1 : 51 / 255));
  });
  it('refuses more images than exist, and pixel values that are neither [0, 1] nor 8-bit', async () => {
    await expect(loadMnist({ train: 40, test: 10, seed: 1, source: fakeSource(counts) })).rejects.toThrow(/only 42 are available/);
    const bad: MnistSource = { digit: (d) => new Float64Array(784).fill(d === 4 ? -0.5 : 0) };
    await expect(loadMnist({ train: 1, test: 1, seed: 1, source: bad })).rejects.toThrow(/digit 4 has pixel value -0.5 at index 0/);
  });
  it('a missing package says how to install it', async () => {
    await expect(loadMnist({ train: 1, test: 1, seed: 1, packageName: 'igr-no-such-mnist-package' })).rejects.toThrow(
      /not installed; run `npm install igr-no-such-mnist-package`/,
    );
  });
});

describe('the core loadMnist reads no files', () => {
  it('without a source it says where the Node loader is, instead of reaching for node:', async () => {
    await expect(decodeMnist({ train: 1, test: 1, seed: 1 })).rejects.toThrow(
      "loadMnist: no source of digits; in Node, import { loadMnist } from 'igr/node'",
    );
    await expect(loadDatasetCore('mnist', { train: 1, test: 1, seed: 1 })).rejects.toThrow(
      "loadDataset('mnist'): no source for the MNIST digits",
    );
  });
  it('with an injected source the core and the Node loader give the same digits', async () => {
    const source = fakeSource([3, 3, 3, 3, 3, 3, 3, 3, 3, 3]);
    const core = await decodeMnist({ train: 6, test: 2, seed: 4, source });
    const node = await loadMnist({ train: 6, test: 2, seed: 4, source });
    expect(Array.from(node.train.X.data)).toEqual(Array.from(core.train.X.data));
    const viaRegistry = await loadDatasetCore('mnist', { train: 6, test: 2, seed: 4, sources: { mnist: () => source } });
    expect(Array.from(viaRegistry.test.labels!)).toEqual(Array.from(core.test.labels!));
  });
});

describe('loadMnist from the mnist package (10,000 real digits)', () => {
  it('has the right shapes, labels 0..9, pixels in [0, 1], is seeded, and a small MLP learns it', async () => {
    const { train, test } = await loadMnist({ train: 500, test: 200, seed: 7 });
    expect(train.X.shape).toEqual([500, 784]);
    expect(test.X.shape).toEqual([200, 784]);
    expect(train.outputDim).toBe(10);
    const seen = new Set(train.labels!);
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    let max = 0;
    for (const v of train.X.data) {
      expect(v >= 0 && v <= 1).toBe(true);
      max = Math.max(max, v);
    }
    expect(max).toBe(1);
    const again = await loadMnist({ train: 500, test: 200, seed: 7, pool: true });
    expect(again.train.X.shape).toEqual([500, 196]);
    expect(Array.from(again.train.labels!)).toEqual(Array.from(train.labels!));
    // Pooling the same seeded image by hand gives the loader's pooled row.
    expect(Array.from(again.train.X.data.subarray(0, 196))).toEqual(Array.from(avgPool2x2(train.X.data.subarray(0, 784))));
    const other = await loadMnist({ train: 500, test: 200, seed: 8 });
    const viaDataset = await loadDataset('mnist', { train: 500, test: 200, seed: 8 });
    expect(Array.from(viaDataset.train.labels!)).toEqual(Array.from(other.train.labels!));
    expect(Array.from(other.train.labels!)).not.toEqual(Array.from(train.labels!));

    // The digits are learnable as loaded: 60 GD steps of a 196-32-10 tanh MLP on the
    // 500 pooled digits reach 83% on the 200 held-out ones (seeds fixed, so deterministic);
    // 70% leaves room for rounding-level changes of the kernels, and is 7× chance.
    const model = mlp({ sizes: [196, 32, 10], activation: 'tanh' });
    const run = trainModel({ loss: lossFunction(model, again.train), params0: model.init(1), optimizer: { kind: 'gd', lr: 0.5 }, steps: 60 });
    expect(run.finalLoss).toBeLessThan(0.25 * run.losses[0]!);
    expect(accuracy(model.apply(tensor(run.params), again.test.X), again.test.labels!)).toBeGreaterThan(0.7);
  });
});
