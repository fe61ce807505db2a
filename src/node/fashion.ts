/**
 * Fashion-MNIST read in Node: the four gzipped IDX files that Debian's `dataset-fashion-mnist`
 * package installs under /usr/share/datasets/fashion-mnist, gunzipped with node:zlib and handed
 * to the core's decoder (`src/nn/fashion.ts`), which parses the IDX bytes and stays free of
 * `node:` imports.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  loadFashionMnist as decodeFashionMnist,
  type Dataset,
  type FashionMnistFiles,
  type FashionMnistOptions,
  type FashionMnistSource,
} from '../nn/index.js';

/** Where Debian's `dataset-fashion-mnist` puts the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** The file names of the four IDX files (as Zalando publishes them and Debian installs them). */
export const FASHION_MNIST_FILES: Readonly<Record<keyof FashionMnistFiles, string>> = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
};

/**
 * The directory to read: `dir` if given, else the environment variable `IGR_FASHION_MNIST_DIR`,
 * else {@link FASHION_MNIST_DIR}.
 */
export function fashionMnistDir(dir?: string): string {
  return dir ?? process.env.IGR_FASHION_MNIST_DIR ?? FASHION_MNIST_DIR;
}

/**
 * A source reading the four files from `dir` (default {@link fashionMnistDir}()); `.gz` files are
 * gunzipped, uncompressed ones (the same names without `.gz`) read as they are. When a file is
 * absent the error names it, the directory, and the Debian package that installs them.
 */
export function fashionMnistFileSource(dir?: string): FashionMnistSource {
  const root = fashionMnistDir(dir);
  const files = Object.fromEntries(
    Object.entries(FASHION_MNIST_FILES).map(([key, name]) => {
      const gz = join(root, name);
      const raw = join(root, name.slice(0, -'.gz'.length));
      return [key, existsSync(gz) ? gz : existsSync(raw) ? raw : null];
    }),
  ) as Record<keyof FashionMnistFiles, string | null>;
  const missing = Object.entries(files).filter(([, path]) => path === null).map(([key]) => FASHION_MNIST_FILES[key as keyof FashionMnistFiles]);
  if (missing.length > 0) {
    throw new Error(
      `loadFashionMnist: the Fashion-MNIST files are not in ${root} (missing ${missing.join(', ')}); ` +
        "install Debian's package dataset-fashion-mnist (apt-get install dataset-fashion-mnist), " +
        'or set IGR_FASHION_MNIST_DIR to a directory holding the four IDX files',
    );
  }
  return {
    files(): FashionMnistFiles {
      const read = (key: keyof FashionMnistFiles): Uint8Array => {
        const path = files[key]!;
        const bytes = readFileSync(path);
        try {
          const data = path.endsWith('.gz') ? gunzipSync(bytes) : bytes;
          return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        } catch (cause) {
          throw new Error(`loadFashionMnist: ${path} is not a readable gzip file (${(cause as Error).message})`, { cause });
        }
      };
      return { trainImages: read('trainImages'), trainLabels: read('trainLabels'), testImages: read('testImages'), testLabels: read('testLabels') };
    },
  };
}

/** Options of the Node {@link loadFashionMnist}: the core's, plus the directory of the files. */
export interface NodeFashionMnistOptions extends FashionMnistOptions {
  /** Directory of the four files when no `source` is given (default {@link fashionMnistDir}()). */
  dir?: string;
}

/** Fashion-MNIST subsets (the core's `loadFashionMnist`), read from Debian's files unless a `source` is given. */
export async function loadFashionMnist(options: NodeFashionMnistOptions): Promise<{ train: Dataset; test: Dataset }> {
  const { dir, ...rest } = options;
  return decodeFashionMnist({ ...rest, source: options.source ?? fashionMnistFileSource(dir) });
}
