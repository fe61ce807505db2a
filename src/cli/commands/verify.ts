/**
 * `igr verify`: measures, order by order, how closely gradient descent follows the truncations of
 * its modified equation (README.md, "The mathematics"), on the built-in problems or on a loss
 * typed as text, and prints the error tables and fitted slopes (or one JSON object per problem).
 */
import { checkReportDir, parseOptions } from '../args.js';
import { tensor, valueAndGrad, type ScalarFn } from '../../autodiff/index.js';
import {
  chooseLadder,
  chooseLadderWith,
  findProblem,
  IgrError,
  type LadderChoice,
  LADDER_CURVATURE_FACTOR,
  LADDER_MOVE_FRACTION,
  LADDER_TOP_STEPS,
  MAX_ORDER,
  MAX_OPTIMIZER_STEPS,
  problems,
  verificationJson,
  type ReferenceSummary,
  type SlopeFit,
  type VerificationReport,
} from '../../igr/index.js';
import { type CliIO, type Command, UsageError } from '../command.js';
import type { CompiledLoss } from '../../expression/index.js';
import { defaultWorkers } from '../../node/tasks.js';
import { integer, maxMemorySpec, runOptionSpecs } from '../sweep/options.js';
import { ProgressLine } from '../sweep/progress.js';
import { measureProbePoints, runVerifications } from '../verify/parallel.js';
import type { LossSpec, VerificationSpec } from '../verify/spec.js';
import { rungeKuttaNames as tableauNames, sgdProblems } from '../../igr/optimizers/index.js';
import { parseOptimizer, runOptimizerVerification } from './verify-optimizer.js';
import { runTruncationCommand, TRUNCATION_HELP } from './verify-truncation.js';
import { checkNoModelOptions, MODEL_HELP, modelOptionSpecs, runModelCommand } from './verify-model.js';
import { clip, formatFixed, formatScientific, formatShort, formatTable, formatVector, toJsonLine } from '../format.js';

/** Orders verified when `--orders` is not given. */
export const DEFAULT_ORDERS = [1, 2, 3] as const;

/**
 * Step-size ladder and final time for a `--loss` of the other optimisers (`--optimizer momentum`,
 * `rk:…`) without `--h`/`--T`, and the T of a GD `--loss` run given `--h` without `--T`: halving
 * steps, errors at h = 0.1 in the asymptotic regime for O(1) curvature. Gradient descent's own
 * `--loss` runs choose their ladder instead (`chooseLadder`).
 */
export const DEFAULT_CUSTOM_HS = [0.1, 0.05, 0.025, 0.0125] as const;
export const DEFAULT_CUSTOM_T = 1;

/**
 * Why an automatic ladder may not pass, and what to try: the probe found no ladder of its family
 * between the pre-asymptotic range and the round-off floor within its moves (the note before the
 * table says what it saw last).
 */
export const UNSETTLED_LADDER_HINT =
  'the automatic ladder did not settle (see the ladder line above the table): the slopes may miss; give a ladder with --h LIST --T T';

/** Width of the problem-name column in --help. */
const NAME_WIDTH = Math.max(...problems.map((p) => p.name.length));

const sgdProblemNames = sgdProblems.map((p) => p.name);

const HELP = `usage: igr verify [--problem NAME]... [--orders 1,2,3] [--h 0.1,0.05,...] [--T 1] [--json] [--workers N]
       igr verify --loss EXPR --at x0,y0,... [--vars a,b,...] [--orders ...] [--h ...] [--T ...] [--json] [--workers N]
       igr verify --truncation [--problem NAME]... [--max-order P] [--h ...] [--steps N | --T T] [--max-work W] [--json] [--report DIR]
       igr verify --principal [--problem NAME]... [--h-lambda ... | --h ...] [--steps N] [--orders ...] [--json] [--report DIR]
       igr verify --model [--data NAME] [--train N] [--hidden W,...] [--seed N] ... [--after-steps K --lr H] [--orders ...] [--h ... --T ...] [--json] [--workers N] [--report DIR]

Runs gradient descent with each step size h for T/h steps, integrates each order-p truncation
of its modified equation (f_1 + h f_2 + ... + h^(p-1) f_p) to time T with a reference
integrator (DOP853 with step doubling, cross-checked by an adaptive DOP853 solve), and fits the
slope of log(error) against log(h): p for the global error, p + 1 for the one-step (local)
error. Exit code 0 when every fitted slope is within tolerance, 1 when any is not, 2 for bad
usage (a one-line message; each option is given once).

options:
  --problem NAME   a built-in problem (repeatable or comma-separated, each once; default: all):
${problems.map((p) => `                     ${p.name.padEnd(NAME_WIDTH)}  ${p.description}`).join('\n')}
  --loss EXPR      a loss typed as text, e.g. "(1/2)*(1 - a*b)^2"; operators + - * / ^,
                   functions sin cos tan exp log log1p sqrt tanh sigmoid softplus abs square
                   cosh sinh, constants pi e; every other name is a variable
  --at VALUES      start point for --loss, one value per variable, comma-separated
  --vars NAMES     variable order for --at (default: order of first appearance in EXPR)
  --orders LIST    truncation orders p to verify, each in 1..${MAX_ORDER} (default: ${DEFAULT_ORDERS.join(',')})
  --h LIST         step-size ladder: at least 2 distinct h > 0, each with T/h an integer of at
                   most ${MAX_OPTIMIZER_STEPS} steps (default: the problem's own; for --loss a
                   ladder chosen for the loss, as --ladder auto; for rk methods of order ≥ 3 on
                   two-parameter, logistic and mlp a ladder (and T) of their own, larger or shorter
                   so that errors h^q stay above round-off: see EXPERIMENTS.md)
  --T NUMBER       final time T > 0, with --h (default: the problem's own; for --loss 16·h0)
  --ladder auto    choose the ladder and T for the problem (the default for --loss): h0 ≤ 0.1/κ,
                   κ = max(|λ|max of the Hessian at θ0, growth |f_{j+1}|/|f_j| of the modified
                   terms), four step sizes, T = 16·h0, moved by probes of the actual errors until
                   successive error ratios match 2^p and no point is on the round-off floor
  --json           one JSON object per problem per line instead of tables
  --report DIR     also write DIR/index.html: error plots, phase portraits, tables (one file)
  --workers N      worker threads for the (h, order) measurements (default: the number of cores,
                   here ${defaultWorkers()}); the output is the same for every N; 1 runs them in this thread
  --optimizer NAME gd (default), sgd, momentum, or rk:TABLEAU with TABLEAU one of
                   ${tableauNames.join(', ')}: verify that optimiser against its modified flows
                   (rk: truncation orders, default q and q+1 for a method of order q;
                   momentum: the flow of -∇E/(1-β) and the modified flow of
                   E + h(1+β)/(4(1-β)²)|∇E|²; sgd: the mean iterate over minibatch orders
                   against the flows of C, C + (h/4)|∇C|² and C + (h/4m) Σ_k |∇C_k|²,
                   after 1 epoch (local) and --epochs (global), on ${sgdProblemNames.join(', ')})
  --beta NUMBER    momentum β in [0, 1) (default 0.5); without --h the ladder is the GD one
                   divided by 2^k, 2^k ≈ (1+β)/(1-β)² (the modified flow's correction factor)
  --momentum-start shifted (default) or theta0: where the compared flows start (the iterates
                   from θ_{-1} = θ_0 follow the flow from θ_0 + hβ/(1-β)² ∇E(θ_0))
  --batches M      sgd: number of minibatches, must divide the data (default: the problem's)
  --epochs K       sgd: epochs of the global comparison (default 2)
  --help           this text
`;

/**
 * igr verify's own options (an unknown-option message lists these and --lr; igr train's, taken
 * with --model, are named as a group). Where a run option has the same name, verify's meaning wins.
 */
const VERIFY_OPTIONS = [
  'problem', 'loss', 'at', 'vars', 'orders', 'h', 'T', 'json', 'report', 'help', 'optimizer', 'beta', 'batches', 'epochs', 'momentum-start',
  'workers', 'truncation', 'principal', 'max-order', 'steps', 'h-lambda', 'threshold', 'max-work', 'ladder', 'model', 'after-steps',
];

/** One verification to run: a problem with its settings (any optimiser), as data a worker can rebuild. */
export interface Job {
  spec: VerificationSpec;
  /** A line said before the table (e.g. why a ladder other than GD's is used); not in JSON. */
  note?: string;
  /** Said on stderr when the verification fails (e.g. that the default ladder may be too coarse). */
  failHint?: string;
  /** The automatic ladder the spec's hs and T came from (its choice goes into the JSON line as `ladder`). */
  ladder?: LadderChoice;
}

/** `--ladder auto` (the only value): whether the ladder is chosen for the problem; refused beside --h or --T. */
export function parseLadderOption(text: string | undefined, hs: number[] | undefined, T: number | undefined): boolean {
  if (text === undefined) return false;
  if (text !== 'auto') throw new UsageError(`--ladder: unknown value ${clip(text, 40)}; valid: auto (or give the ladder itself with --h LIST --T T)`);
  if (hs !== undefined || T !== undefined) throw new UsageError(`--ladder auto chooses the step sizes and T; give either --ladder auto or --h/--T, not both`);
  return true;
}

/** The `ladder` object of a JSON line: the automatic choice and why (the probes' decisions in order). */
export function ladderJson(choice: LadderChoice): object {
  const { hs, T, lambdaMax, lambdaResidual, termGrowth, kappa, kappaSource, gradientNorm, bound, boundSource, floor, settled, reason } = choice;
  return {
    automatic: true,
    hs,
    T,
    lambdaMax,
    lambdaResidual,
    termGrowth,
    kappa,
    kappaSource,
    gradientNorm,
    bound,
    boundSource,
    floor,
    settled,
    probes: choice.probes.map((p) => ({ hs: p.hs, T: p.T, decision: p.decision, why: p.why, localSlope: p.localSlope, globalRatio: p.globalRatio })),
    reason,
  };
}

/** A step size in a note: four significant digits (the JSON line has every digit). */
const short = (h: number): string => String(Number(h.toPrecision(4)));

/** The lines said before the table of a verification on an automatic ladder: the ladder, the bound on h0, each probe and its decision, the floor. */
export function ladderNote(choice: LadderChoice): string {
  const curvature =
    choice.kappaSource === 'none'
      ? 'no curvature at θ0 (|λ|max = 0, modified terms that do not grow)'
      : `κ = ${formatScientific(choice.kappa)} (|λ|max(θ0) = ${formatScientific(choice.lambdaMax)} by Lanczos, residual ${formatScientific(choice.lambdaResidual)}; ` +
        `largest |f_{j+1}|/|f_j| = ${formatScientific(Math.max(0, ...choice.termGrowth.filter((r): r is number => r !== null)))})`;
  const bound =
    choice.boundSource === 'curvature'
      ? `h0 ≤ ${LADDER_CURVATURE_FACTOR}/κ = ${formatScientific(choice.bound)}`
      : `h0 ≤ ${LADDER_MOVE_FRACTION}·max(1, |θ0|∞)/|∇E(θ0)| = ${formatScientific(choice.bound)} (one step moves θ by at most a tenth${choice.kappaSource === 'none' ? '' : '; tighter than 0.1/κ'})`;
  const lines = [
    `ladder (automatic): h = ${choice.hs.map(short).join(', ')}; T = ${formatShort(choice.T)} = ${LADDER_TOP_STEPS}·h0`,
    `  ${curvature}: ${bound}, ${short(choice.probes[0]!.h0)} on the 1-2-5 grid`,
    ...choice.probes.map((p, i) => `  probe ${i + 1}, h = ${p.hs.map(short).join(', ')}: ${p.decision}: ${p.why}`),
    `  global round-off floor at the smallest h: ${formatScientific(choice.floor)}${choice.settled ? '' : '; NOT settled: the slopes may miss'}`,
  ];
  return lines.join('\n');
}

/**
 * The automatic ladder for a loss at θ0 (chooseLadder, src/igr/ladder.ts), with progress on a
 * terminal. With more than one worker the probes' points are measured on worker threads
 * (`chooseLadderWith`; `lossSpec` says how a worker rebuilds the loss), bit for bit the points one
 * thread measures. A start where no ladder can be chosen (a stationary point) is a usage error.
 */
export async function automaticLadder(
  name: string,
  loss: ScalarFn,
  theta0: readonly number[],
  orders: number[],
  io: CliIO,
  parallel: { workers: number; lossSpec: LossSpec },
): Promise<LadderChoice> {
  const progress = new ProgressLine(io.err, io.isTTY);
  const unit = (probe: number): string => `points · ladder probe ${probe} · ${clip(name, 40)}`;
  try {
    if (parallel.workers <= 1) {
      return chooseLadder(loss, theta0, {
        orders,
        onProgress: (done, total, probe) => progress.update({ finished: done, total, diverged: 0, failed: 0 }, unit(probe)),
      });
    }
    const base = { name, loss: parallel.lossSpec, theta0: [...theta0] };
    return await chooseLadderWith(loss, theta0, { orders }, (points, probe) => {
      progress.update({ finished: 0, total: points.length, diverged: 0, failed: 0 }, unit(probe));
      return measureProbePoints(base, points, {
        workers: parallel.workers,
        onPoint: (done, total) => progress.update({ finished: done, total, diverged: 0, failed: 0 }, unit(probe)),
      });
    });
  } catch (error) {
    if (error instanceof IgrError) throw new UsageError(`${clip(name, 60)}: ${error.message}`);
    if (error instanceof Error) throw new LadderFailure(`${clip(name, 60)}: the automatic ladder could not be chosen: ${error.message.split('\n')[0]}`);
    throw error;
  } finally {
    progress.finish();
  }
}

/** A probe that could not be measured (a worker died, a flow that cannot be integrated): said in one line, exit 1. */
export class LadderFailure extends Error {
  override name = 'LadderFailure';
}

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'measure how closely gradient descent follows its modified equation, order by order',
  async run(argv: string[], io: CliIO): Promise<number> {
    try {
      return await runVerify(argv, io);
    } catch (error) {
      if (!(error instanceof LadderFailure)) throw error;
      io.err(`igr verify: ${error.message}\n`);
      return 1;
    }
  },
};

/** `igr verify`'s body (its exit code; bad usage throws UsageError). */
async function runVerify(argv: string[], io: CliIO): Promise<number> {
  const values = parseOptions(
    argv,
    {
      // igr train's options describe the network of --model (reused from src/cli/sweep/options.ts),
      // first, so that verify's own options below (--optimizer, --beta, --steps, --loss, …) keep
      // verify's meaning wherever a name is in both.
      ...runOptionSpecs,
      ...maxMemorySpec,
      ...modelOptionSpecs,
      problem: { type: 'string', multiple: true },
      loss: { type: 'string' },
      at: { type: 'string' },
      vars: { type: 'string' },
      orders: { type: 'string' },
      h: { type: 'string' },
      T: { type: 'string' },
      json: { type: 'boolean', default: false },
      report: { type: 'string' },
      help: { type: 'boolean', default: false },
      optimizer: { type: 'string' },
      beta: { type: 'string' },
      batches: { type: 'string' },
      epochs: { type: 'string' },
      'momentum-start': { type: 'string' },
      workers: { type: 'string' },
      truncation: { type: 'boolean', default: false },
      principal: { type: 'boolean', default: false },
      'max-order': { type: 'string' },
      steps: { type: 'string' },
      'h-lambda': { type: 'string' },
      threshold: { type: 'string' },
      'max-work': { type: 'string' },
      ladder: { type: 'string' },
    },
    ['loss'], // `--loss "-a*b"`: a loss may start with a dash
    { listed: [...VERIFY_OPTIONS, 'lr'], more: "and with --model igr train's network options (--data, --train, --hidden, …: igr train --help)" },
  );
  if (values.help) {
    // Read at call time: verify-truncation.ts and verify-model.ts import this module, so their text may not exist yet at load.
    io.out(HELP.replace('  --help ', `${TRUNCATION_HELP}${MODEL_HELP}  --help `));
    return 0;
  }
  // --model (src/cli/commands/verify-model.ts): a network described by igr train's options.
  if (values.model) return runModelCommand(values, argv, io, VERIFY_OPTIONS);
  checkNoModelOptions(values, VERIFY_OPTIONS);
  // --truncation / --principal (src/cli/commands/verify-truncation.ts): where the expansion ends.
  if ((values.truncation || values.principal) && values.ladder !== undefined) {
    throw new UsageError(`--ladder applies to the gradient-descent verification, not --${values.truncation ? 'truncation' : 'principal'}`);
  }
  if (values.truncation || values.principal) return runTruncationCommand(values, io, argv);
  for (const o of ['max-order', 'steps', 'h-lambda', 'threshold', 'max-work'] as const) {
    if (values[o] !== undefined) throw new UsageError(`--${o} applies to --truncation or --principal`);
  }
  // --optimizer sgd|momentum|rk:NAME (src/cli/commands/verify-optimizer.ts); gd is the code below.
  const optimizer = parseOptimizer(values);
  const workers = parseWorkers(values.workers); // checked before any work, whichever optimiser
  if (optimizer.kind !== 'gd' && values.ladder !== undefined) {
    throw new UsageError('--ladder auto applies to gradient descent; the other optimisers have ladders of their own (see --h)');
  }
  if (optimizer.kind !== 'gd') return runOptimizerVerification(optimizer, values, io, argv);
  const orders = values.orders === undefined ? [...DEFAULT_ORDERS] : parseOrders(values.orders);
  const hs = values.h === undefined ? undefined : parseLadder(values.h);
  const T = values.T === undefined ? undefined : parsePositive('--T', values.T);
  const auto = parseLadderOption(values.ladder, hs, T);
  if (values.loss === undefined && (values.at !== undefined || values.vars !== undefined)) {
    throw new UsageError(`${values.at !== undefined ? '--at' : '--vars'} applies only to a loss typed with --loss EXPR`);
  }
  if (values.loss !== undefined && hs === undefined && T !== undefined) {
    throw new UsageError('--T goes with --h: without --h the ladder and T of --loss are chosen for the loss (T = 16·h0; see --ladder auto)');
  }
  const jobs =
    values.loss !== undefined
      ? [await customJob(values, orders, hs, T, io, workers)]
      : await problemJobs(values.problem, orders, hs, T, auto, io, workers);
  return runJobs(jobs, { format: formatReport, json: verificationJson }, values, argv, io);
}

/** `--workers N`: an integer ≥ 1; default the number of cores. */
export function parseWorkers(text: string | undefined): number {
  return text === undefined ? defaultWorkers() : integer('workers', text, 1);
}

/**
 * Runs the jobs of one `igr verify` (any optimiser): their (h, order) measurements on `--workers`
 * threads (./../verify/parallel.ts; the output is the same for any number), progress on a
 * terminal, a table or a JSON line per problem in order as each completes, and with
 * `--report DIR` the HTML page (its directory checked before the work). A problem that cannot
 * finish is said in one line and counts as failed; the rest still run. Returns the exit code:
 * 0 all pass, 1 any fails (bad input throws UsageError: 2).
 */
export async function runJobs<R extends VerificationReport>(
  jobs: readonly Job[],
  show: { format: (report: R) => string; json: (report: R) => object },
  values: { loss?: string; vars?: string; json?: boolean; report?: string; workers?: string },
  argv: readonly string[],
  io: CliIO,
): Promise<number> {
  const workers = parseWorkers(values.workers);
  const reportDir = values.report === undefined ? undefined : await checkReportDir(values.report);
  const reports: R[] = [];
  let pass = true;
  const progress = new ProgressLine(io.err, io.isTTY);
  let outcomes;
  try {
    outcomes = await runVerifications(
      jobs.map((j) => j.spec),
      {
        workers,
        known: jobs.map((j) => j.ladder?.measured),
        onJob: ({ finished, total, name, secondsLeft }) => progress.update({ finished, total, diverged: 0, failed: 0 }, `(h, order) jobs · ${name}`, secondsLeft),
        onOutcome: (index, outcome) => {
          progress.clear();
          const job = jobs[index]!;
          if ('error' in outcome) {
            // Anything thrown while measuring (an integrator that blew up on a stiff flow, a worker
            // that died, ...) means this problem could not be verified: say so in one line, count
            // it as a failed verification, go on.
            io.err(`igr verify: ${job.spec.name}: the verification could not finish: ${outcome.error.split('\n')[0]}\n`);
            pass = false;
            return;
          }
          const report = outcome.report as R;
          pass &&= report.pass;
          reports.push(report);
          const json = (): object => ({ ...show.json(report), ...(job.ladder && { ladder: ladderJson(job.ladder) }) });
          io.out(values.json ? toJsonLine(json()) + '\n' : (job.note === undefined ? '' : job.note + '\n') + show.format(report));
          if (!report.pass && job.failHint !== undefined) io.err(`igr verify: ${job.spec.name}: ${job.failHint}\n`);
        },
      },
    );
  } catch (error) {
    // The core rejects bad input (a T/h that is not an integer, ...) with IgrError: a usage error here.
    if (error instanceof IgrError) throw new UsageError(error.message);
    throw error;
  } finally {
    progress.finish();
  }
  void outcomes;
  if (reportDir !== undefined) await writeReportPage(reportDir, reports, values, argv, io);
  return pass ? 0 : 1;
}

/**
 * Writes `DIR/index.html` for the reports of one `igr verify` run (any optimiser) and prints its
 * path (to stderr under --json, so stdout stays JSON lines). The report module and mathjs (for a
 * --loss expression's portrait) are loaded only here.
 */
export async function writeReportPage(
  dir: string,
  reports: readonly VerificationReport[],
  values: { loss?: string; vars?: string; json?: boolean },
  argv: readonly string[],
  io: CliIO,
): Promise<void> {
  const { writeVerificationReport } = await import('../../report/write.js');
  const { commandLine, lossesFromExpression } = await import('../../report/cli.js');
  const losses = values.loss === undefined ? {} : await lossesFromExpression(values.loss, values.vars);
  const path = writeVerificationReport(dir, reports, { command: commandLine('verify', argv), losses });
  (values.json ? io.err : io.out)(`report: ${path}\n`);
}


/**
 * The problems named by `--problem` (repeatable, comma-separated; all of `list` when absent),
 * found by `find`; an unknown name is a usage error listing the valid ones (find's IgrError).
 */
export function selectProblems<P extends { name: string }>(names: string[] | undefined, list: readonly P[], find: (name: string) => P): P[] {
  const chosen = (names ?? list.map((p) => p.name)).flatMap((n) => n.split(',')).map((n) => n.trim());
  // Running a problem twice would print the same table twice: a slip, not a request.
  const twice = chosen.find((n, i) => chosen.indexOf(n) !== i);
  if (twice !== undefined) throw new UsageError(`--problem names ${clip(twice, 60)} twice; give each problem once`);
  return chosen
    .map((name) => {
      try {
        return find(name);
      } catch (error) {
        if (error instanceof IgrError) throw new UsageError(error.message);
        throw error;
      }
    });
}

async function problemJobs(
  names: string[] | undefined,
  orders: number[],
  hs: number[] | undefined,
  T: number | undefined,
  auto: boolean,
  io: CliIO,
  workers: number,
): Promise<Job[]> {
  const jobs: Job[] = [];
  for (const problem of selectProblems(names, problems, findProblem)) jobs.push(await problemJob(problem, orders, hs, T, auto, io, workers));
  return jobs;
}

async function problemJob(
  problem: (typeof problems)[number],
  orders: number[],
  hs: number[] | undefined,
  T: number | undefined,
  auto: boolean,
  io: CliIO,
  workers: number,
): Promise<Job> {
  const common = { optimizer: 'gd' as const, name: problem.name, loss: { kind: 'problem' as const, name: problem.name }, theta0: [...problem.theta0], orders };
  if (!auto) return { spec: { ...common, hs: hs ?? [...problem.hs], T: T ?? problem.T } };
  const ladder = await automaticLadder(problem.name, problem.loss, problem.theta0, orders, io, { workers, lossSpec: common.loss });
  return { spec: { ...common, hs: ladder.hs, T: ladder.T }, ladder, note: ladderNote(ladder), ...(!ladder.settled && { failHint: UNSETTLED_LADDER_HINT }) };
}

/**
 * The loss typed with --loss and its start point --at (--vars orders the variables), checked:
 * it parses, --at has one value per variable, and the loss and its gradient are finite there.
 */
export async function compileLossAt(values: { problem?: string[]; loss?: string; at?: string; vars?: string }): Promise<{
  compiled: CompiledLoss;
  theta0: number[];
}> {
  if (values.problem !== undefined) throw new UsageError('use either --problem or --loss, not both');
  const expr = values.loss as string;
  if (values.at === undefined) throw new UsageError('--loss needs a start point: --at x0,y0,... (one value per variable)');
  const variables = values.vars === undefined ? undefined : values.vars.split(',').map((v) => v.trim());
  // mathjs is loaded only for a loss typed as text (it is most of the CLI's start-up time).
  const { compileLoss, ExpressionError } = await import('../../expression/index.js');
  let compiled: CompiledLoss;
  try {
    compiled = compileLoss(expr, variables);
  } catch (error) {
    if (error instanceof ExpressionError) throw new UsageError(`--loss: ${error.message}`);
    throw error;
  }
  const theta0 = parseNumberList('--at', values.at);
  const m = compiled.variables.length;
  if (theta0.length !== m) {
    throw new UsageError(
      `--at has ${theta0.length} value${theta0.length === 1 ? '' : 's'} but the loss has ${m} variable${m === 1 ? '' : 's'} (${compiled.variables.join(', ')}), in that order`,
    );
  }
  // A start point where the loss or its gradient is not finite (log of a negative, ...) cannot be verified.
  const start = valueAndGrad(compiled.loss)(tensor(theta0));
  const what = !Number.isFinite(start.value) ? 'the loss' : start.grad.data.some((v) => !Number.isFinite(v)) ? 'the gradient of the loss' : null;
  if (what !== null) {
    throw new UsageError(
      `${what} '${compiled.text}' is not finite at --at ${formatVector(theta0)}; choose a start point inside its domain`,
    );
  }
  return { compiled, theta0 };
}

async function customJob(
  values: { problem?: string[]; loss?: string; at?: string; vars?: string },
  orders: number[],
  hs: number[] | undefined,
  T: number | undefined,
  io: CliIO,
  workers: number,
): Promise<Job> {
  const { compiled, theta0 } = await compileLossAt(values);
  const common = { optimizer: 'gd' as const, name: compiled.text, loss: expressionSpec(values.loss as string, compiled), theta0, orders };
  if (hs !== undefined) return { spec: { ...common, hs, T: T ?? DEFAULT_CUSTOM_T } };
  const ladder = await automaticLadder(compiled.text, compiled.loss, theta0, orders, io, { workers, lossSpec: common.loss });
  return { spec: { ...common, hs: ladder.hs, T: ladder.T }, ladder, note: ladderNote(ladder), ...(!ladder.settled && { failHint: UNSETTLED_LADDER_HINT }) };
}

/** The loss of `--loss` as data: its text and the variable order it was compiled with (so a worker compiles the same loss). */
export function expressionSpec(text: string, compiled: CompiledLoss): { kind: 'expression'; text: string; variables: string[] } {
  return { kind: 'expression', text, variables: [...compiled.variables] };
}

/** An example value of each list option, for messages. */
const LIST_EXAMPLES: Record<string, string> = { '--h': '0.1,0.05,0.025', '--at': '1,-2', '--orders': '1,2,3' };

export function parseNumberList(option: string, text: string): number[] {
  const example = `e.g. ${option} ${LIST_EXAMPLES[option] ?? '1,2'}`;
  if (text.trim() === '') throw new UsageError(`${option} is empty: give comma-separated numbers, ${example}`);
  const parts = text.split(',').map((s) => s.trim());
  return parts.map((s) => {
    const x = s === '' ? NaN : Number(s);
    if (!Number.isFinite(x)) throw new UsageError(`${option}: '${clip(s, 40)}' is not a finite number (expected comma-separated numbers, ${example})`);
    return x;
  });
}

/**
 * The `--h` ladder: positive step sizes, each once, at least two (a slope fit through one point,
 * or through copies of it, says nothing: 21 copies of 0.1 used to "fit" slope 1.000 with R² 1).
 */
/**
 * `--h`: distinct positive step sizes, at least `minimum` of them (2 for a fitted slope; a
 * truncation study is meaningful at a single h).
 */
export function parseLadder(text: string, minimum = 2): number[] {
  const hs = parsePositiveList('--h', text);
  const repeated = hs.find((h, i) => hs.indexOf(h) !== i);
  if (repeated !== undefined) throw new UsageError(`--h lists the step size ${repeated} more than once; each h of the ladder must be distinct`);
  if (hs.length < minimum) throw new UsageError(`--h needs at least 2 distinct step sizes to fit a slope through, got ${hs.length} (${hs.join(', ')}), e.g. --h 0.1,0.05,0.025`);
  return hs;
}

export function parsePositive(option: string, text: string): number {
  const x = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(x)) throw new UsageError(`${option}: '${text}' is not a finite number`);
  if (!(x > 0)) throw new UsageError(`${option} must be positive, got ${text}`);
  return x;
}

export function parsePositiveList(option: string, text: string): number[] {
  const xs = parseNumberList(option, text);
  for (const x of xs) if (!(x > 0)) throw new UsageError(`${option}: every step size must be positive, got ${x}`);
  return xs;
}

/**
 * Why the orders stop at MAX_ORDER, in the usage error (figures measured, BENCHMARKS.md): order
 * 9's errors h^9 are below round-off on the built-in ladders, and each order costs 2–3× the one before.
 */
export const ORDER_LIMIT_REASON =
  'at order 9 the errors h^9 fall below round-off on every built-in ladder (not one global point of two-parameter, ' +
  'the cheapest problem, could be fitted), while the cost grows 2.6× (19 s of CPU against 7 s there)';

export function parseOrders(text: string): number[] {
  const xs = parseNumberList('--orders', text);
  for (const p of xs) {
    if (!Number.isInteger(p) || p < 1) throw new UsageError(`--orders: ${p} is not an order in 1..${MAX_ORDER} (orders are whole numbers ≥ 1)`);
    if (p > MAX_ORDER) {
      throw new UsageError(`--orders: ${p} is not an order in 1..${MAX_ORDER}: the largest order igr verify measures is ${MAX_ORDER}, because ${ORDER_LIMIT_REASON}`);
    }
  }
  return [...new Set(xs)].sort((a, b) => a - b);
}

const METHOD_LABELS: Record<string, string> = { dop853: 'DOP853', rk4: 'RK4', dormandPrince54: 'Dormand–Prince 5(4)', 'dop853-adaptive': 'adaptive DOP853' };

/** `DOP853 ×15` or `RK4 ×12, DOP853 ×3`: how many points used each reference integrator. */
function methodCounts(used: Record<string, number>): string {
  const parts = Object.entries(used).map(([m, n]) => `${METHOD_LABELS[m] ?? m} ×${n}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

/** Which integrators the references were and what they cost, in field evaluations of the modified flows. */
export function referenceLine(r: ReferenceSummary): string {
  const e = r.evaluations;
  return (
    `references: global ${methodCounts(r.global)} (${e.global} field evaluations), ` +
    `${r.crossCheck.points} cross-checked by ${METHOD_LABELS[r.crossCheck.method] ?? r.crossCheck.method} (${e.crossCheck}); ` +
    `local ${methodCounts(r.local)} (${e.local})`
  );
}

/** A cell of the error table: the error, `*` when on the round-off floor (left out of the fit). */
function errorCell(value: number | null | undefined, roundoff: boolean | undefined): string {
  if (value === null || value === undefined) return '—';
  return formatScientific(value) + (roundoff ? '*' : ' ');
}

function fitText(fit: SlopeFit | null): string {
  if (fit === null) return 'no fit (fewer than 2 usable points)                 FAIL';
  return `slope ${formatFixed(fit.slope).padStart(6)} (expected ${fit.expected}, R² ${formatFixed(fit.r2, 5)}, ${fit.used} points) ${fit.pass ? 'PASS' : 'FAIL'}`;
}

/** The human report of one problem: error table, one line per order, reference bound, non-gradient measure. */
export function formatReport(report: VerificationReport): string {
  const { orders, hs } = report;
  // Local errors first, so that a diverged row's message can span the global columns at the end.
  const header = ['h', 'steps', ...orders.map((p) => `local p=${p}`), ...orders.map((p) => `global p=${p}`)];
  const divergedAt = new Map(report.diverged.map((d) => [d.h, d.step]));
  const rows = hs.map((h, i) => {
    const local = orders.map((p) => errorCell(report.localError[p]?.[i], report.roundoff.local[p]?.[i]));
    const step = divergedAt.get(h);
    const global =
      step !== undefined
        ? [`diverged at step ${step}`]
        : orders.map((p) => errorCell(report.globalError[p]?.[i], report.roundoff.global[p]?.[i]));
    return [formatShort(h), String(report.steps[i] ?? ''), ...local, ...global];
  });
  const lines: string[] = [];
  lines.push(`${report.problem}  (m = ${report.dimension}, θ0 = ${formatVector(report.theta0)}, T = ${report.T})`);
  lines.push(formatTable(header, rows, { indent: '  ' }).trimEnd());
  const anyRoundoff = orders.some((p) => [...(report.roundoff.global[p] ?? []), ...(report.roundoff.local[p] ?? [])].some(Boolean));
  if (anyRoundoff) lines.push('  * on the round-off / reference-accuracy floor: shown, left out of the fit');
  for (const p of orders) {
    lines.push(`  order ${p}  global ${fitText(report.globalSlope[p] ?? null)}`);
    lines.push(`           local  ${fitText(report.localSlope[p] ?? null)}`);
  }
  const ref = report.referenceErrorBound;
  lines.push(
    `  reference integrator (max over all runs): Richardson estimate ${formatScientific(ref.richardson)}, ` +
      `reference vs adaptive cross-check ${formatScientific(ref.dormandPrince)}; worst bound / measured error ${formatScientific(ref.ratioToSmallestError)}`,
  );
  if (report.reference !== undefined) lines.push(`  ${referenceLine(report.reference)}`);
  const ng = report.nonGradientPart;
  lines.push(
    ng.order3 === null
      ? '  non-gradient part of f_3 at θ0: none (the order-3 term vanishes)'
      : `  non-gradient part of f_3 at θ0: ${formatScientific(ng.order3)} (antisymmetry of ∂f_3/∂θ over ${ng.samples} random direction pairs; 0 = locally a gradient)`,
  );
  lines.push(`  ${report.pass ? 'PASS' : 'FAIL'}  (${report.seconds.toFixed(1)} s)`);
  return lines.join('\n') + '\n\n';
}
