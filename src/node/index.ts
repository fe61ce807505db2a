/**
 * `igr/node`: what needs Node.js — reading the data sets that come as files (the MNIST digits of
 * the `mnist` package, Fashion-MNIST from Debian's `dataset-fashion-mnist`), writing reports to disk atomically, running sweeps on worker threads, and
 * serving the explorer — and the experiments of `igr train` / `igr sweep` (src/igr/experiments),
 * which are pure computation but belong with the pool that runs them, not in the browser bundle.
 * Everything else is in the browser-safe `igr` entry.
 */
export * from '../igr/experiments/index.js';
export { runExperiment } from './experiments.js';
export { loadMnist, mnistPackageSource, type NodeMnistOptions } from './mnist.js';
export { loadDataset, nodeDataSources } from './datasets.js';
export {
  loadFashionMnist,
  fashionMnistFileSource,
  fashionMnistDir,
  FASHION_MNIST_DIR,
  FASHION_MNIST_FILES,
  type NodeFashionMnistOptions,
} from './fashion.js';
export { writeFileAtomic, writeVerificationReport, writeSweepReport, ReportError } from '../report/write.js';
export { runPool, defaultWorkers, type PoolOptions } from './pool.js';
export { startExplorerServer, explorerPage, securityHeaders, ExplorerError, DEFAULT_PORT, type ExplorerServer } from './explorer.js';
