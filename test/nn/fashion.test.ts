import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset as loadDatasetCore, loadFashionMnist as decodeFashion, parseIdx, type FashionMnistFiles, type FashionMnistSource } from '../../src/nn/index.js';
import { FASHION_MNIST_DIR, FASHION_MNIST_FILES, fashionMnistFileSource, loadDataset, loadFashionMnist } from '../../src/node/index.js';

/** An IDX file of unsigned bytes with the given shape and values. */
function idx(shape: number[], values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + values.length);
  out[2] = 0x08;
  out[3] = shape.length;
  const view = new DataView(out.buffer);
  shape.forEach((s, i) => view.setUint32(4 + 4 * i, s, false));
  out.set(Array.from(values), 4 + 4 * shape.length);
  return out;
}

/** Fake files: image i of a split is filled with the value i (mod 256), its label i mod 10. */
function fakeFiles(nTrain: number, nTest: number): FashionMnistFiles {
  const images = (n: number) => idx([n, 28, 28], Uint8Array.from({ length: n * 784 }, (_, p) => Math.floor(p / 784) % 256));
  const labels = (n: number) => idx([n], Uint8Array.from({ length: n }, (_, i) => i % 10));
  return { trainImages: images(nTrain), trainLabels: labels(nTrain), testImages: images(nTest), testLabels: labels(nTest) };
}

const source = (files: FashionMnistFiles): FashionMnistSource => ({ files: () => files });

describe('parseIdx: the IDX format of raw bytes', () => {
  it('reads the shape big-endian and the values after the header', () => {
    const parsed = parseIdx(idx([2, 3], [1, 2, 3, 4, 5, 255]));
    expect(parsed.shape).toEqual([2, 3]);
    expect(Array.from(parsed.data)).toEqual([1, 2, 3, 4, 5, 255]);
    const big = parseIdx(idx([300], new Uint8Array(300)));
    expect(big.shape).toEqual([300]); // 300 = 0x0000012c: the size is read big-endian
  });

  it('names each malformed input', () => {
    expect(() => parseIdx(new Uint8Array([0, 0, 8]), 'x.idx')).toThrow('x.idx has 3 bytes, fewer than the 4 of an IDX magic number');
    expect(() => parseIdx(new Uint8Array([1, 0, 8, 1, 0, 0, 0, 0]), 'x.idx')).toThrow('x.idx does not start with an IDX magic number (first bytes 0x01 0x00');
    expect(() => parseIdx(gzipSync(idx([1], [7])), 'x.gz')).toThrow('(these are gzip bytes: decompress them first)');
    expect(() => parseIdx(new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 0]), 'x.idx')).toThrow('x.idx has IDX type 0x0d; only 0x08 (unsigned byte) is supported');
    expect(() => parseIdx(new Uint8Array([0, 0, 8, 0]), 'x.idx')).toThrow('x.idx declares 0 dimensions');
    expect(() => parseIdx(new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1]), 'x.idx')).toThrow('x.idx is cut short: 8 bytes, its header of 3 dimensions needs 16');
    expect(() => parseIdx(idx([2, 2], [1, 2, 3, 4]).subarray(0, 14), 'x.idx')).toThrow('x.idx has shape [2, 2] = 4 values, but 2 bytes follow its header');
    expect(() => parseIdx([0, 0, 8, 1] as unknown as Uint8Array)).toThrow('must be a Uint8Array of raw (decompressed) bytes');
  });
});

describe('loadFashionMnist with an injected source', () => {
  it('draws seeded subsets of each official split, scales to [0, 1], labels follow the images', async () => {
    const files = fakeFiles(50, 20);
    const { train, test } = await decodeFashion({ train: 30, test: 10, seed: 3, source: source(files) });
    expect(train.X.shape).toEqual([30, 784]);
    expect(test.X.shape).toEqual([10, 784]);
    expect(train.name).toBe('fashion');
    for (const ds of [train, test]) {
      const ids = Array.from({ length: ds.X.shape[0]! }, (_, i) => Math.round(ds.X.data[i * 784]! * 255));
      ids.forEach((id, i) => expect(ds.labels![i]).toBe(id % 10)); // each label is its image's
      expect(new Set(ids).size).toBe(ids.length); // no image twice within a split
    }
    // Test images come from the test file only: its 20 images have ids 0..19.
    expect(Math.max(...Array.from({ length: 10 }, (_, i) => Math.round(test.X.data[i * 784]! * 255)))).toBeLessThan(20);
    const again = await decodeFashion({ train: 30, test: 10, seed: 3, source: source(files) });
    expect(again.train.X.data).toEqual(train.X.data); // same seed, bit-identical
    const other = await decodeFashion({ train: 30, test: 10, seed: 4, source: source(files) });
    expect(other.train.X.data).not.toEqual(train.X.data);
  });

  it('pools to 14×14 like MNIST', async () => {
    const { train } = await decodeFashion({ train: 5, test: 2, seed: 0, pool: true, source: source(fakeFiles(10, 5)) });
    expect(train.X.shape).toEqual([5, 196]);
    expect(train.name).toBe('fashion-14x14');
    expect(train.inputDim).toBe(196);
  });

  it('refuses bad requests and inconsistent files, naming them', async () => {
    const files = fakeFiles(10, 5);
    await expect(decodeFashion({ train: 11, test: 1, seed: 0, source: source(files) })).rejects.toThrow('asked for 11 training images, but the training file holds 10');
    await expect(decodeFashion({ train: 1, test: 6, seed: 0, source: source(files) })).rejects.toThrow('asked for 6 test images, but the test file holds 5');
    await expect(decodeFashion({ train: 0, test: 1, seed: 0, source: source(files) })).rejects.toThrow('train must be an integer ≥ 1, got 0');
    await expect(decodeFashion({ train: 1, test: 1, seed: 0 })).rejects.toThrow("no source of images; in Node, import { loadFashionMnist } from 'igr/node'");
    await expect(decodeFashion({ train: 1, test: 1, seed: 0, source: source({ ...files, trainLabels: idx([9], new Uint8Array(9)) }) })).rejects.toThrow(
      'the training labels have shape [9], expected [10] (one per image)',
    );
    await expect(decodeFashion({ train: 1, test: 1, seed: 0, source: source({ ...files, testLabels: idx([5], [0, 1, 12, 3, 4]) }) })).rejects.toThrow(
      'test label 2 is 12, outside the classes 0..9',
    );
    await expect(decodeFashion({ train: 1, test: 1, seed: 0, source: source({ ...files, testImages: idx([5, 14, 14], new Uint8Array(5 * 196)) }) })).rejects.toThrow(
      'the test images have shape [5, 14, 14], expected [N, 28, 28]',
    );
    await expect(loadDatasetCore('fashion', { train: 1, test: 1, seed: 0 })).rejects.toThrow("loadDataset('fashion'): no source for the Fashion-MNIST files");
  });
});

describe('Fashion-MNIST in Node: the files of Debian’s dataset-fashion-mnist', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'igr-fashion-'));
    dirs.push(d);
    return d;
  };

  it('an absent directory is an error naming the files, the directory and the package', () => {
    const dir = join(tmp(), 'nowhere');
    expect(() => fashionMnistFileSource(dir)).toThrow(
      `the Fashion-MNIST files are not in ${dir} (missing train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz); install Debian's package dataset-fashion-mnist`,
    );
  });

  it('reads gzipped and plain IDX files from a directory; a corrupt .gz is named', async () => {
    const dir = tmp();
    const files = fakeFiles(12, 6);
    for (const [key, name] of Object.entries(FASHION_MNIST_FILES)) {
      const bytes = files[key as keyof FashionMnistFiles];
      if (key === 'testLabels') writeFileSync(join(dir, name.slice(0, -3)), bytes); // uncompressed also works
      else writeFileSync(join(dir, name), gzipSync(bytes));
    }
    const { train, test } = await loadFashionMnist({ train: 12, test: 6, seed: 0, dir });
    expect(train.X.shape).toEqual([12, 784]);
    expect(Array.from(test.labels!).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    writeFileSync(join(dir, FASHION_MNIST_FILES.trainImages), new Uint8Array([0x1f, 0x8b, 1, 2, 3]));
    await expect(loadFashionMnist({ train: 1, test: 1, seed: 0, dir })).rejects.toThrow(/train-images-idx3-ubyte\.gz is not a readable gzip file/);
  });

  const installed = existsSync(join(FASHION_MNIST_DIR, FASHION_MNIST_FILES.trainImages));
  it.skipIf(!installed)('a small slice of the real data set: 60,000 + 10,000 images, ten classes, pixels in [0, 1]', async () => {
    const { train, test } = await loadDataset('fashion', { train: 200, test: 50, seed: 0, pool: true });
    expect(train.X.shape).toEqual([200, 196]);
    expect(test.X.shape).toEqual([50, 196]);
    expect(new Set(train.labels).size).toBe(10);
    let max = 0;
    let min = Infinity;
    for (const v of train.X.data) {
      max = Math.max(max, v);
      min = Math.min(min, v);
    }
    expect(min).toBe(0);
    expect(max).toBeGreaterThan(0.9);
    expect(max).toBeLessThanOrEqual(1);
    const again = await loadDataset('fashion', { train: 200, test: 50, seed: 0, pool: true });
    expect(again.train.X.data).toEqual(train.X.data);
  });
});
