/**
 * Data sets by name, for the command line and the experiments: every data set
 * comes back as a seeded train/test pair.
 */
import { datasets, splitDataset, spirals, teacherStudent, twoMoons, type Dataset, type DatasetName } from './datasets.js';
import { loadMnist, type MnistSource } from './mnist.js';
import { loadFashionMnist, type FashionMnistSource } from './fashion.js';

/**
 * Where the data sets that are read rather than generated come from. The core cannot read
 * files, so the caller supplies them: in Node, `nodeDataSources` from `igr/node` (the `mnist`
 * package); in a browser, anything that yields the pixels.
 */
export interface DataSources {
  /** The MNIST digits (e.g. `mnistPackageSource` from `igr/node`). */
  mnist?: () => MnistSource | Promise<MnistSource>;
  /** Fashion-MNIST's four IDX files (e.g. `fashionMnistFileSource` from `igr/node`). */
  fashion?: () => FashionMnistSource | Promise<FashionMnistSource>;
}

/** Options of {@link loadDataset}; each data set reads the ones that concern it. */
export interface LoadDatasetOptions {
  /** Training examples. */
  train: number;
  /** Test examples. */
  test: number;
  seed: number;
  /** Noise of the synthetic sets (default per generator). */
  noise?: number;
  /** spirals: number of arms (default 3). */
  classes?: number;
  /** teacher: input width (default 8) and the teacher's hidden + output widths (default [16, 1]). */
  inputDim?: number;
  teacherSizes?: number[];
  /** mnist, fashion: 2×2 average pooling to 14×14. */
  pool?: boolean;
  /** Sources of the data sets read from files (mnist, fashion); see {@link DataSources}. */
  sources?: DataSources;
}

/** Throws unless `name` is a known data set, listing the valid ones. */
export function checkDatasetName(name: unknown): asserts name is DatasetName {
  if (typeof name !== 'string' || !(datasets as readonly string[]).includes(name)) {
    throw new Error(`unknown dataset '${String(name)}': valid datasets are ${datasets.join(', ')}`);
  }
}

/**
 * A named data set as a seeded train/test pair. Synthetic sets draw
 * `train + test` examples with `seed` and split them with a seed derived from it.
 */
export async function loadDataset(name: string, options: LoadDatasetOptions): Promise<{ train: Dataset; test: Dataset }> {
  checkDatasetName(name);
  const { train, test, seed } = options;
  if (name === 'mnist') {
    const source = await options.sources?.mnist?.();
    if (source === undefined) {
      throw new Error(
        "loadDataset('mnist'): no source for the MNIST digits; in Node pass { sources: nodeDataSources } " +
          "or call loadDataset from 'igr/node', which reads the mnist package",
      );
    }
    return loadMnist({ train, test, seed, pool: options.pool ?? false, source });
  }
  if (name === 'fashion') {
    const source = await options.sources?.fashion?.();
    if (source === undefined) {
      throw new Error(
        "loadDataset('fashion'): no source for the Fashion-MNIST files; in Node pass { sources: nodeDataSources } " +
          "or call loadDataset from 'igr/node', which reads Debian's dataset-fashion-mnist package",
      );
    }
    return loadFashionMnist({ train, test, seed, pool: options.pool ?? false, source });
  }
  for (const [key, v] of [['train', train], ['test', test]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`loadDataset('${name}'): ${key} must be a positive integer, got ${v}`);
  }
  const n = train + test;
  const noise = options.noise;
  const all =
    name === 'moons'
      ? twoMoons({ n, seed, ...(noise === undefined ? {} : { noise }) })
      : name === 'spirals'
        ? spirals({ n, seed, classes: options.classes ?? 3, ...(noise === undefined ? {} : { noise }) })
        : teacherStudent({
            n,
            seed,
            inputDim: options.inputDim ?? 8,
            teacherSizes: options.teacherSizes ?? [16, 1],
            ...(noise === undefined ? {} : { noise }),
          });
  return splitDataset(all, train / n, seed + 1);
}
