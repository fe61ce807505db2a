/**
 * The paper's experiments (Barrett & Dherin 2021) as pure computation: run
 * configurations and presets, one training run → one {@link SweepRecord}
 * (loss, accuracy, slope |∇E|, R_IG, R_IG/E, perturbation robustness), tables
 * of means ± sd over seeds, and the two-parameter model against its flows.
 * Printing, files and worker threads live in src/cli (`igr train`, `igr sweep`)
 * and src/node. Exported from `igr/node`, not from the browser entry `igr`
 * (src/node/index.ts says why).
 */
export type {
  DataName,
  OptimizerKind as ExperimentOptimizer,
  StopRule,
  PerturbationSpec,
  RunConfig,
  PerturbationResult,
  RunStatus,
  SweepRecord,
  SolutionMetrics,
} from './types.js';
export {
  dataNames,
  optimizerKinds,
  syntheticData,
  ExperimentConfigError,
  defaultRunConfig,
  makeRunConfig,
  dataShape,
  modelSizes,
  hiddenFromSizes,
  validateRunConfig,
  expandGrid,
  runMemoryEstimate,
  checkRunMemory,
  describeMemory,
  formatBytes,
  DEFAULT_MAX_RUN_BYTES,
  type MemoryEstimate,
  type SweepGrid,
} from './config.js';
export { measureSolution, perturbationRobustness, perturbationSeed } from './measure.js';
export {
  runExperiment,
  trainAndMeasure,
  trainUnderStopRule,
  loadRunData,
  optimizerSpec,
  failedRecord,
  type DataPair,
  type DataCache,
  type RunOptions,
  type StoppedTraining,
} from './run.js';
export { presetNames, presetDescriptions, presetConfigs, type PresetName } from './presets.js';
export { summarize, type MeanSd, type SummaryRow } from './summary.js';
export {
  PAPER_START,
  twoParameterLoss,
  twoParameterExperiment,
  type TwoParameterOptions,
  type TwoParameterRow,
} from './twoParameter.js';
