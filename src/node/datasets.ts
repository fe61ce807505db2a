/**
 * The data sets that are read from files, for Node: the sources the core's loaders are given
 * (`DataSources`, `src/nn/registry.ts`), and `loadDataset` defaulting to them.
 */
import { loadDataset as loadDatasetFrom, type DataSources, type Dataset, type LoadDatasetOptions } from '../nn/index.js';
import { mnistPackageSource } from './mnist.js';
import { fashionMnistFileSource } from './fashion.js';

/** Every file-backed data set igr knows, read in Node. */
export const nodeDataSources: DataSources = {
  mnist: () => mnistPackageSource(),
  fashion: () => fashionMnistFileSource(),
};

/** `loadDataset` of the core with {@link nodeDataSources} as the default sources. */
export function loadDataset(name: string, options: LoadDatasetOptions): Promise<{ train: Dataset; test: Dataset }> {
  return loadDatasetFrom(name, { ...options, sources: options.sources ?? nodeDataSources });
}
