/**
 * Fashion-MNIST (Xiao, Rasul & Vollgraf 2017): 70,000 grey-scale 28×28 images of ten kinds of
 * clothing (0 T-shirt/top, 1 trouser, 2 pullover, 3 dress, 4 coat, 5 sandal, 6 shirt, 7 sneaker,
 * 8 bag, 9 ankle boot), a drop-in replacement for MNIST: 60,000 training and 10,000 test images
 * in the same IDX files. This module decodes, checks, subsets and pools; the bytes come from a
 * {@link FashionMnistSource}. In Node, `igr/node` reads (and gunzips) the files of Debian's
 * `dataset-fashion-mnist` package; a browser can fetch and decompress them and pass the bytes.
 */
import { Rng, tensor } from '../autodiff/index.js';
import { checkCount, type Dataset } from './datasets.js';
import { parseIdx } from './idx.js';
import { avgPool2x2, MNIST_SIDE } from './mnist.js';

/** Images in the official training and test files. */
export const FASHION_MNIST_TRAIN = 60_000;
export const FASHION_MNIST_TEST = 10_000;

/** The four files of Fashion-MNIST as raw (decompressed) IDX bytes. */
export interface FashionMnistFiles {
  trainImages: Uint8Array;
  trainLabels: Uint8Array;
  testImages: Uint8Array;
  testLabels: Uint8Array;
}

/** Where the IDX bytes come from; injectable for tests. */
export interface FashionMnistSource {
  files(): FashionMnistFiles | Promise<FashionMnistFiles>;
}

/** Options of {@link loadFashionMnist}. */
export interface FashionMnistOptions {
  /** Training images: a seeded random subset of the 60,000 of the official training file. */
  train: number;
  /** Test images: a seeded random subset of the 10,000 of the official test file. */
  test: number;
  /** Seed of the two subsets; same seed, same images in the same order. */
  seed: number;
  /** 2×2 average pooling to 14×14 (196 inputs instead of 784), as for MNIST. */
  pool?: boolean;
  /** Required here; `loadFashionMnist` from `igr/node` defaults it to the Debian package's files. */
  source?: FashionMnistSource;
}

/** One split's images and labels, checked against each other. */
function decodeSplit(imagesBytes: Uint8Array, labelsBytes: Uint8Array, split: string): { images: Uint8Array; labels: Uint8Array; count: number } {
  const images = parseIdx(imagesBytes, `the ${split} images`);
  const labels = parseIdx(labelsBytes, `the ${split} labels`);
  if (images.shape.length !== 3 || images.shape[1] !== MNIST_SIDE || images.shape[2] !== MNIST_SIDE) {
    throw new Error(`loadFashionMnist: the ${split} images have shape [${images.shape.join(', ')}], expected [N, 28, 28]`);
  }
  if (labels.shape.length !== 1 || labels.shape[0] !== images.shape[0]) {
    throw new Error(`loadFashionMnist: the ${split} labels have shape [${labels.shape.join(', ')}], expected [${images.shape[0]}] (one per image)`);
  }
  for (let i = 0; i < labels.data.length; i++) {
    if (labels.data[i]! > 9) throw new Error(`loadFashionMnist: ${split} label ${i} is ${labels.data[i]}, outside the classes 0..9`);
  }
  return { images: images.data, labels: labels.data, count: images.shape[0]! };
}

/**
 * `train` images drawn from the official training file and `test` from the official test file,
 * each by a seeded plain permutation (the test subset from a stream split off the training one),
 * pixels scaled from 0..255 to [0, 1], optionally 2×2-average-pooled to 14×14. Labels 0..9.
 */
export async function loadFashionMnist(options: FashionMnistOptions): Promise<{ train: Dataset; test: Dataset }> {
  const { train, test, seed, pool = false } = options;
  checkCount('loadFashionMnist', 'train', train);
  checkCount('loadFashionMnist', 'test', test);
  if (options.source === undefined) {
    throw new Error(
      "loadFashionMnist: no source of images; in Node, import { loadFashionMnist } from 'igr/node' (it reads Debian's dataset-fashion-mnist files), " +
        'or pass { source } with a files() method returning the four decompressed IDX files',
    );
  }
  const files = await options.source.files();
  const trainSplit = decodeSplit(files.trainImages, files.trainLabels, 'training');
  const testSplit = decodeSplit(files.testImages, files.testLabels, 'test');
  if (train > trainSplit.count) throw new Error(`loadFashionMnist: asked for ${train} training images, but the training file holds ${trainSplit.count}`);
  if (test > testSplit.count) throw new Error(`loadFashionMnist: asked for ${test} test images, but the test file holds ${testSplit.count}`);
  const rng = new Rng(seed);
  const testRng = rng.split();
  const pixels = MNIST_SIDE * MNIST_SIDE;
  const dim = pool ? pixels / 4 : pixels;
  const name = pool ? 'fashion-14x14' : 'fashion';
  const build = (split: typeof trainSplit, count: number, r: Rng): Dataset => {
    const rows = r.shuffle(Array.from({ length: split.count }, (_, i) => i)).slice(0, count);
    const X = new Float64Array(count * dim);
    const labels = new Int32Array(count);
    const img = new Float64Array(pixels);
    rows.forEach((row, i) => {
      for (let p = 0; p < pixels; p++) img[p] = split.images[row * pixels + p]! / 255;
      X.set(pool ? avgPool2x2(img) : img, i * dim);
      labels[i] = split.labels[row]!;
    });
    return { name, X: tensor(X, [count, dim]), y: null, labels, inputDim: dim, outputDim: 10, task: 'classification' };
  };
  return { train: build(trainSplit, train, rng), test: build(testSplit, test, testRng) };
}
