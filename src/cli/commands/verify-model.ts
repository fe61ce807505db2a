/**
 * `igr verify --model`: the backward-error verification of a network on its data, described by
 * `igr train`'s options (src/cli/sweep/options.ts, reused, not copied), from the seeded
 * initialisation or from θ_K of K full-batch GD steps (`--after-steps K --lr H`), so the expansion
 * is checked mid-training. Its (h, order) jobs run on `--workers` threads like any problem's
 * (each worker builds the loss from the config once, src/cli/verify/model.ts); its ladder is
 * chosen for the network (chooseLadder) unless `--h` is given.
 */
import { MAX_OPTIMIZER_STEPS, verificationJson } from '../../igr/index.js';
import { lossKinds } from '../../nn/index.js';
import { type CliIO, UsageError } from '../command.js';
import { clip } from '../format.js';
import { checkMemory, configFromOptions, givenRunOptions, integer, positiveNumber, runOptionSpecs } from '../sweep/options.js';
import { ProgressLine } from '../sweep/progress.js';
import { describeModel, MODEL_MAX_WORK, modelLoss, modelWork, pretrain, type ModelConfig } from '../verify/model.js';
import {
  automaticLadder,
  DEFAULT_CUSTOM_T,
  DEFAULT_ORDERS,
  formatReport,
  ladderNote,
  parseLadder,
  parseLadderOption,
  parseOrders,
  parsePositive,
  parseWorkers,
  runJobs,
  UNSETTLED_LADDER_HINT,
  type Job,
} from './verify.js';

/** The options of `--model` beside `igr train`'s run options (parsed by `igr verify` with its own). */
export const modelOptionSpecs = {
  model: { type: 'boolean', default: false },
  'after-steps': { type: 'string' },
} as const;

/**
 * `igr train` options that describe a training run rather than the network and its data:
 * `igr verify --model` starts from θ_K of plain full-batch GD, so these have nothing to say.
 */
const TRAINING_ONLY = ['mu', 'hvp', 'batch-size', 'beta', 'target-loss', 'max-steps', 'steps', 'time', 'sigmas', 'draws', 'record'] as const;

/** Help lines of `--model`, in `igr verify --help`. */
export const MODEL_HELP = `  --model          verify a network on its data instead of a problem or --loss: described by
                   igr train's options --data, --train, --test, --data-seed, --full-res,
                   --hidden | --sizes, --activation, --init, --seed, --max-memory and
                   --loss cross-entropy|mse (under --model the network's loss, not an
                   expression; see igr train --help); the training loss at the start point
  --after-steps K  with --model: start from θ_K of K full-batch GD steps at --lr H from the
                   seeded initialisation (default 0: at initialisation); a pre-training run that
                   diverges is said with its step (exit 1)
  --lr H           with --after-steps: the learning rate of those K steps
  --max-work W     with --model: the bound on parameters × training examples × trees of the
                   modified equation up to the highest order (default ${MODEL_MAX_WORK}), checked first
`;

type Values = Record<string, string | boolean | string[] | undefined>;

/**
 * Refuses the model options without `--model` (a usage error naming the option), so that
 * `igr verify --data moons` does not silently verify the built-in problems.
 */
export function checkNoModelOptions(values: Values, verifyOptions: readonly string[]): void {
  if (values['after-steps'] !== undefined) throw new UsageError('--after-steps applies to --model (it starts the verification from θ_K of a GD run of the network); give --model');
  // igr verify's own options of the same name (--optimizer: the optimiser verified, --beta: momentum's β,
  // --steps: the truncation study's) mean what verify says.
  const own = new Set(verifyOptions.map((o) => `--${o}`));
  const given = givenRunOptions(values as Record<string, string | boolean | undefined>).filter((o) => !own.has(o));
  if (values['max-memory'] !== undefined) given.push('--max-memory');
  if (given.length > 0) throw new UsageError(`${given[0]} describes the network of --model; give --model to verify a network (or leave ${given[0]} out)`);
}

/** Runs `igr verify --model …`; returns the exit code (usage errors throw UsageError: 2). */
export async function runModelCommand(values: Values, argv: readonly string[], io: CliIO, verifyOptions: readonly string[]): Promise<number> {
  if (values.problem !== undefined) {
    throw new UsageError(`use either --model or --problem, not both: --model verifies a network described by igr train's options`);
  }
  // With --model, --loss is the network's loss, as in igr train (cross-entropy | mse), not an expression.
  if (values.loss !== undefined && !(lossKinds as readonly string[]).includes(String(values.loss))) {
    throw new UsageError(`with --model, --loss is the network's loss: ${lossKinds.join(' or ')}, got ${clip(String(values.loss), 40)} (a loss typed as text goes without --model)`);
  }
  for (const o of ['at', 'vars'] as const) if (values[o] !== undefined) throw new UsageError(`--${o} applies only to a loss typed with --loss EXPR, not to --model`);
  if (values.truncation || values.principal) throw new UsageError(`--model is verified order by order; --${values.truncation ? 'truncation' : 'principal'} takes --problem or --loss`);
  if (values.optimizer !== undefined && values.optimizer !== 'gd') {
    throw new UsageError(`--model verifies gradient descent (its pre-training is full-batch GD too), not --optimizer ${clip(String(values.optimizer), 40)}`);
  }
  for (const o of TRAINING_ONLY) {
    if (values[o] !== undefined) {
      throw new UsageError(`--${o} is an igr train option for a training run; igr verify --model starts from θ_K of full-batch GD (--after-steps K --lr H) and does not use it`);
    }
  }
  for (const o of ['h-lambda', 'threshold', 'max-order'] as const) if (values[o] !== undefined) throw new UsageError(`--${o} applies to --truncation or --principal`);
  const afterSteps = values['after-steps'] === undefined ? 0 : integer('after-steps', String(values['after-steps']), 0);
  if (afterSteps > MAX_OPTIMIZER_STEPS) throw new UsageError(`--after-steps ${afterSteps} is more than ${MAX_OPTIMIZER_STEPS} pre-training steps`);
  if (afterSteps > 0 && values.lr === undefined) throw new UsageError(`--after-steps ${afterSteps} needs --lr H, the learning rate of those ${afterSteps} GD steps`);
  if (afterSteps === 0 && values.lr !== undefined) throw new UsageError('--lr is the learning rate of the pre-training: it goes with --after-steps K (K ≥ 1)');
  // Options of verify's own that share a name with a run option (--optimizer, --beta, --steps) are verify's, not the network's.
  const runValues: Record<string, string | boolean | undefined> = { ...(values as Record<string, string | boolean | undefined>) };
  for (const o of verifyOptions) if (o in runOptionSpecs && o !== 'loss') runValues[o] = undefined;
  const run = configFromOptions(runValues, 'verify');
  checkMemory([run], runValues); // before any data is loaded or parameter allocated
  const config: ModelConfig = { run, afterSteps };

  const orders = values.orders === undefined ? [...DEFAULT_ORDERS] : parseOrders(String(values.orders));
  const hs = values.h === undefined ? undefined : parseLadder(String(values.h));
  const T = values.T === undefined ? undefined : parsePositive('--T', String(values.T));
  parseLadderOption(values.ladder as string | undefined, hs, T);
  if (hs === undefined && T !== undefined) throw new UsageError('--T goes with --h: without --h the ladder and T of --model are chosen for the network (T = 16·h0; see --ladder auto)');
  const workers = parseWorkers(values.workers as string | undefined); // checked before any work
  const maxWork = values['max-work'] === undefined ? MODEL_MAX_WORK : positiveNumber('max-work', String(values['max-work']));
  const work = modelWork(config, orders);
  if (work.work > maxWork) {
    throw new UsageError(
      `--model: ${work.params} parameters × ${work.examples} training examples × ${work.trees} trees (orders ≤ ${Math.max(...orders)}) = ${work.work.toExponential(2)} ` +
        `is more than the work bound ${maxWork.toExponential(2)}; use fewer examples (--train), narrower layers (--hidden), lower --orders, or raise --max-work`,
    );
  }

  let model;
  try {
    model = await modelLoss(config);
  } catch (error) {
    io.err(`igr verify: --model: could not load data set '${run.data}': ${(error as Error).message.split('\n')[0]}\n`);
    return 1;
  }
  const progress = new ProgressLine(io.err, io.isTTY);
  let start;
  try {
    start = pretrain(model, config, (step) => progress.update({ finished: step, total: afterSteps, diverged: 0, failed: 0 }, 'pre-training GD steps'));
  } finally {
    progress.finish();
  }
  const name = describeModel(config, model.numParams);
  if ('diverged' in start) {
    io.err(
      `igr verify: ${name}: the pre-training diverged at step ${start.diverged.step} (${start.diverged.reason}) with --lr ${run.lr}; ` +
        `θ_${afterSteps} does not exist: use a smaller --lr or fewer --after-steps\n`,
    );
    return 1;
  }
  const theta0 = Array.from(start.theta);
  const common = { optimizer: 'gd' as const, name, loss: { kind: 'model' as const, config }, theta0, orders };
  let job: Job;
  if (hs !== undefined) job = { spec: { ...common, hs, T: T ?? DEFAULT_CUSTOM_T } };
  else {
    const ladder = await automaticLadder(name, model.loss, theta0, orders, io, { workers, lossSpec: common.loss });
    job = { spec: { ...common, hs: ladder.hs, T: ladder.T }, ladder, note: ladderNote(ladder), ...(!ladder.settled && { failHint: UNSETTLED_LADDER_HINT }) };
  }
  return runJobs([job], { format: formatReport, json: verificationJson }, values as Record<string, string | undefined>, argv, io);
}
