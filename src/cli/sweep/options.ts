/**
 * Command-line options shared by `igr train` and `igr sweep`: their parseArgs
 * definitions, their help text, and the translation of parsed values into a
 * validated {@link RunConfig}. Every bad value becomes a {@link UsageError}
 * naming the option and what is valid (exit code 2).
 */
import { UsageError } from '../command.js';
import {
  DEFAULT_MAX_RUN_BYTES,
  DEFAULT_MAX_SHARPNESS_HVPS,
  MAX_SHARPNESS_K,
  MAX_TRACE_SAMPLES,
  ExperimentConfigError,
  describeMemory,
  formatBytes,
  runMemoryEstimate,
  hiddenFromSizes,
  makeRunConfig,
  validateRunConfig,
} from '../../igr/experiments/config.js';
import type { EndCurvatureSpec, RunConfig, StopRule } from '../../igr/experiments/types.js';

/** parseArgs definitions of the options that describe one run. */
export const runOptionSpecs = {
  data: { type: 'string' },
  train: { type: 'string' },
  test: { type: 'string' },
  'data-seed': { type: 'string' },
  'full-res': { type: 'boolean' },
  hidden: { type: 'string' },
  sizes: { type: 'string' },
  activation: { type: 'string' },
  init: { type: 'string' },
  loss: { type: 'string' },
  optimizer: { type: 'string' },
  lr: { type: 'string' },
  mu: { type: 'string' },
  hvp: { type: 'string' },
  'batch-size': { type: 'string' },
  beta: { type: 'string' },
  seed: { type: 'string' },
  'target-loss': { type: 'string' },
  'max-steps': { type: 'string' },
  steps: { type: 'string' },
  time: { type: 'string' },
  sigmas: { type: 'string' },
  draws: { type: 'string' },
  record: { type: 'string' },
  'sharpness-every': { type: 'string' },
  'sharpness-k': { type: 'string' },
  'max-hvps': { type: 'string' },
} as const;

/**
 * `--trace-samples N`: the curvature measured at the end point (λ_max, and the Hutchinson trace
 * with N ≥ 2 probes). A measurement, not a property of the runs, so a preset takes it too.
 */
export const traceSamplesSpec = { 'trace-samples': { type: 'string' } } as const;

/** `--max-memory SIZE`: not a property of a run (nor of a preset's grid), a bound on what this machine may spend. */
export const maxMemorySpec = { 'max-memory': { type: 'string' } } as const;

const DEFAULT_MAX_MEMORY_TEXT = formatBytes(DEFAULT_MAX_RUN_BYTES);

/** Names of the run options, for "cannot be combined" messages. */
export const runOptionNames = Object.keys(runOptionSpecs);

/** Help lines of the run options, one per option (a line may describe two), in the order shown. */
const RUN_OPTION_HELP: readonly (readonly [options: readonly string[], line: string])[] = [
  [['data'], '  --data NAME            mnist | fashion | moons | spirals | teacher (default mnist; fashion: Fashion-MNIST, Debian package dataset-fashion-mnist)'],
  [['train', 'test'], '  --train N --test N     training / test examples (default 1000 / 2000; MNIST: disjoint seeded subsets of 10,000 digits; fashion: of its 60,000 / 10,000)'],
  [['data-seed'], '  --data-seed N          seed of the data split (default 0)'],
  [['full-res'], '  --full-res             MNIST and fashion at 28×28 instead of 2×2-average-pooled 14×14'],
  [['hidden', 'sizes'], '  --hidden W[,W...]      hidden widths (default 64)   | --sizes IN,W...,OUT  full widths, checked against the data'],
  [['activation'], '  --activation NAME      tanh | relu | softplus | gelu (default tanh)'],
  [['init'], '  --init NAME            lecun | glorot | he (default lecun)'],
  [['loss'], '  --loss NAME            cross-entropy | mse (default: cross-entropy for classification, mse for regression; mse on classes: (1/2N)Σ|f − e_y|², one-hot)'],
  [['optimizer'], '  --optimizer NAME       gd | sgd | momentum | egr (default gd)'],
  [['lr'], '  --lr H                 learning rate h > 0 (default 0.1)'],
  [['mu', 'hvp'], '  --mu M --hvp MODE      EGR: weight μ > 0 of μ|∇E|², and exact | finite-difference (default exact)'],
  [['batch-size', 'beta'], '  --batch-size B         SGD minibatch size (default 100)    --beta B   momentum β in [0, 1) (default 0.9)'],
  [['seed'], '  --seed N               initialisation seed (default 0)'],
  [['target-loss', 'max-steps', 'steps', 'time'], `  stopping (one of):     --target-loss L [--max-steps N]  train until E ≤ L (default 0.1, at most 5000 steps)
                         --steps N                        exactly N steps
                         --time T [--max-steps N]         the same training time T = h·steps at every h`],
  [['sigmas', 'draws'], '  --sigmas S[,S...]      perturbation sizes σ of θ + σε (default 0.01,0.03,0.1)   --draws N  draws per σ (default 5)'],
  [['record'], '  --record N             record the training loss every N steps in the JSON line (default 0: off)'],
  [['sharpness-every', 'sharpness-k', 'max-hvps'], `  --sharpness-every N    λ_max of the Hessian by Lanczos every N steps and at the end, printed as h·λ_max/2 (1 = GD's stability limit)
  --sharpness-k K        the top K eigenvalues per measurement (default 1, at most ${MAX_SHARPNESS_K})
  --max-hvps N           refuse a run whose measurements may take more than N HVPs (default ${DEFAULT_MAX_SHARPNESS_HVPS})`],
  [['max-memory'], `  --max-memory SIZE      refuse a run whose estimated memory exceeds SIZE (e.g. 512M, 8G; default ${DEFAULT_MAX_MEMORY_TEXT})`],
];

/**
 * Help text of the run options. `replaced` (igr sweep's grid) swaps the lines of options it
 * describes itself for `instead` lines, so no option is listed twice with two meanings.
 */
export function runOptionsHelpText(replaced: Readonly<Record<string, string>> = {}): string {
  return RUN_OPTION_HELP.map(([options, line]) => {
    const hit = options.find((o) => o in replaced);
    return hit === undefined ? line : replaced[hit]!;
  })
    .filter((line) => line !== '')
    .join('\n');
}

/** Help lines of the run options (igr train). */
export const runOptionsHelp = runOptionsHelpText();

type Values = Record<string, string | boolean | undefined>;

function number(option: string, text: string): number {
  const v = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--${option}: '${text}' is not a number`);
  return v;
}

/** A positive finite number, else a UsageError naming the option. */
export function positiveNumber(option: string, text: string): number {
  const v = number(option, text);
  if (!(v > 0)) throw new UsageError(`--${option} must be positive, got ${text}`);
  return v;
}

/** An integer ≥ min, else a UsageError naming the option. */
export function integer(option: string, text: string, min: number): number {
  const v = number(option, text);
  if (!Number.isInteger(v) || v < min) throw new UsageError(`--${option} must be an integer ≥ ${min}, got ${text}`);
  return v;
}

/** A comma-separated list, each item parsed by `item`. */
export function list<T>(option: string, text: string, item: (option: string, text: string) => T): T[] {
  const parts = text.split(',');
  if (parts.some((p) => p.trim() === '')) throw new UsageError(`--${option}: '${text}' is not a comma-separated list`);
  return parts.map((p) => item(option, p));
}

const positiveInteger = (option: string, text: string) => integer(option, text, 1);
const nonNegativeInteger = (option: string, text: string) => integer(option, text, 0);

/** The run options that were given, as `--name` strings. */
export function givenRunOptions(values: Values): string[] {
  return runOptionNames.filter((name) => values[name] !== undefined).map((n) => `--${n}`);
}

/**
 * A validated run config from parsed options (defaults: {@link makeRunConfig}),
 * with `experiment` as its experiment label.
 */
export function configFromOptions(values: Values, experiment: string): RunConfig {
  const s = (name: string) => values[name] as string | undefined;
  const overrides: Partial<RunConfig> = { experiment };
  if (s('data') !== undefined) overrides.data = s('data') as RunConfig['data'];
  if (s('train') !== undefined) overrides.train = positiveInteger('train', s('train')!);
  if (s('test') !== undefined) overrides.test = positiveInteger('test', s('test')!);
  if (s('data-seed') !== undefined) overrides.dataSeed = nonNegativeInteger('data-seed', s('data-seed')!);
  if (values['full-res'] === true) overrides.pool = false;
  if (s('activation') !== undefined) overrides.activation = s('activation') as RunConfig['activation'];
  if (s('init') !== undefined) overrides.init = s('init') as RunConfig['init'];
  if (s('optimizer') !== undefined) overrides.optimizer = s('optimizer') as RunConfig['optimizer'];
  if (s('lr') !== undefined) overrides.lr = positiveNumber('lr', s('lr')!);
  if (s('mu') !== undefined) overrides.mu = positiveNumber('mu', s('mu')!);
  if (s('hvp') !== undefined) overrides.hvp = s('hvp') as RunConfig['hvp'];
  if (s('batch-size') !== undefined) overrides.batchSize = positiveInteger('batch-size', s('batch-size')!);
  if (s('beta') !== undefined) overrides.beta = number('beta', s('beta')!);
  if (s('seed') !== undefined) overrides.seed = nonNegativeInteger('seed', s('seed')!);
  if (s('record') !== undefined) overrides.recordEvery = nonNegativeInteger('record', s('record')!);
  if (s('loss') !== undefined) overrides.loss = s('loss') as RunConfig['loss'];
  if (s('sharpness-every') !== undefined) {
    const k = s('sharpness-k') !== undefined ? integer('sharpness-k', s('sharpness-k')!, 1) : 1;
    if (k > MAX_SHARPNESS_K) throw new UsageError(`--sharpness-k must be at most ${MAX_SHARPNESS_K}, got ${s('sharpness-k')}`);
    overrides.sharpness = {
      every: positiveInteger('sharpness-every', s('sharpness-every')!),
      k,
      maxHvps: s('max-hvps') !== undefined ? positiveInteger('max-hvps', s('max-hvps')!) : DEFAULT_MAX_SHARPNESS_HVPS,
    };
  } else {
    for (const o of ['sharpness-k', 'max-hvps']) if (s(o) !== undefined) throw new UsageError(`--${o} goes with --sharpness-every N`);
  }

  const stops = ['target-loss', 'steps', 'time'].filter((n) => s(n) !== undefined);
  if (stops.length > 1) throw new UsageError(`give at most one stopping rule, got ${stops.map((n) => `--${n}`).join(' and ')}`);
  const maxSteps = s('max-steps') !== undefined ? positiveInteger('max-steps', s('max-steps')!) : 5000;
  if (s('steps') !== undefined && s('max-steps') !== undefined) throw new UsageError('--max-steps goes with --target-loss or --time, not --steps');
  let stop: StopRule | undefined;
  if (s('steps') !== undefined) stop = { kind: 'steps', steps: positiveInteger('steps', s('steps')!) };
  else if (s('time') !== undefined) stop = { kind: 'time', T: positiveNumber('time', s('time')!), maxSteps };
  else if (s('target-loss') !== undefined || s('max-steps') !== undefined) {
    stop = { kind: 'loss', target: s('target-loss') !== undefined ? positiveNumber('target-loss', s('target-loss')!) : 0.1, maxSteps };
  }
  if (stop) overrides.stop = stop;

  if (s('sigmas') !== undefined || s('draws') !== undefined) {
    const defaults = makeRunConfig().perturb;
    overrides.perturb = {
      sigmas: s('sigmas') !== undefined ? list('sigmas', s('sigmas')!, positiveNumber) : defaults.sigmas,
      draws: s('draws') !== undefined ? positiveInteger('draws', s('draws')!) : defaults.draws,
    };
  }

  if (s('hidden') !== undefined && s('sizes') !== undefined) throw new UsageError('give --hidden or --sizes, not both');
  try {
    if (s('hidden') !== undefined) overrides.hidden = list('hidden', s('hidden')!, positiveInteger);
    const config = makeRunConfig(overrides);
    if (s('sizes') !== undefined) {
      config.hidden = hiddenFromSizes(list('sizes', s('sizes')!, positiveInteger), config);
    }
    if (config.optimizer !== 'egr' && (config.mu !== null || s('hvp') !== undefined)) {
      throw new UsageError(`--mu and --hvp belong to --optimizer egr, not '${config.optimizer}'`);
    }
    if (config.optimizer === 'egr' && config.mu === null) throw new UsageError('--optimizer egr needs --mu (the weight μ of μ|∇E|², > 0)');
    return validateRunConfig(config);
  } catch (error) {
    if (error instanceof ExperimentConfigError) throw new UsageError(error.message);
    throw error;
  }
}

/**
 * The end-point curvature `--trace-samples N` asks for: λ_max, and the Hutchinson trace with N ≥ 2
 * probes (0: λ_max only). Absent: `fallback` probes (igr sweep's default), or nothing when null.
 */
export function endCurvatureFromOptions(values: Values, fallback: number | null): EndCurvatureSpec | null {
  const text = values['trace-samples'];
  if (typeof text !== 'string') return fallback === null ? null : { traceSamples: fallback };
  const n = integer('trace-samples', text, 0);
  if (n === 1 || n > MAX_TRACE_SAMPLES) {
    throw new UsageError(`--trace-samples must be 0 (λ_max only) or an integer in 2..${MAX_TRACE_SAMPLES}, got ${text}`);
  }
  return { traceSamples: n };
}

/** `512M`, `8G`, `2.5GiB`, `1073741824`: a byte count (binary units), else a UsageError. */
export function parseByteSize(option: string, text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  const bytes = m ? Number(m[1]) * 1024 ** 'bkmgt'.indexOf((m[2] || 'b').toLowerCase()) : NaN;
  if (!(bytes > 0) || !Number.isFinite(bytes)) {
    throw new UsageError(`--${option}: '${text}' is not a memory size (a positive number of bytes, or with K, M, G or T: e.g. 512M, 8G)`);
  }
  return bytes;
}

/** The bound of `--max-memory` (default 2 GiB). */
export function maxMemory(values: Values): number {
  const text = values['max-memory'];
  return typeof text === 'string' ? parseByteSize('max-memory', text) : DEFAULT_MAX_RUN_BYTES;
}

/**
 * Refuses, before anything is allocated, runs whose estimated memory exceeds the `--max-memory`
 * bound; with `concurrent` runs at once (igr sweep's workers) each gets that share of it.
 */
export function checkMemory(configs: readonly RunConfig[], values: Values, concurrent = 1): void {
  const bound = maxMemory(values);
  const share = bound / Math.max(1, concurrent);
  for (const config of configs) {
    const e = runMemoryEstimate(config);
    if (e.bytes <= share) continue;
    const shared = concurrent > 1 ? ` (${formatBytes(bound)} shared by the ${concurrent} runs at once; fewer --workers also helps)` : '';
    throw new UsageError(
      `the run needs ${describeMemory(e)}, more than the bound of ${formatBytes(share)}${shared}; ` +
        `use fewer examples (--train, --test) or narrower layers (--hidden), or raise the bound: --max-memory ${Math.ceil((e.bytes * concurrent) / 1024 ** 3)}G`,
    );
  }
}
