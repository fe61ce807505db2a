/**
 * The paper's experiments for Node: the runner of `igr train` / `igr sweep` with the MNIST digits
 * read from the `mnist` package by default. The experiments themselves are pure computation
 * (src/igr/experiments); they are exported from `igr/node` rather than `igr` because what runs
 * them — files of digits, worker threads, the command line — is here, and the browser entry
 * stays small.
 */
import { runExperiment as runWith, type RunOptions } from '../igr/experiments/run.js';
import type { RunConfig, SweepRecord } from '../igr/experiments/types.js';
import { nodeDataSources } from './datasets.js';

/** `runExperiment` of src/igr/experiments with {@link nodeDataSources} as the default sources. */
export function runExperiment(config: RunConfig, options: RunOptions = {}): Promise<SweepRecord> {
  return runWith(config, { ...options, sources: options.sources ?? nodeDataSources });
}
