/**
 * `igr sweep`: many training runs (learning rates × seeds [× widths × μ]) in
 * parallel on worker threads; one JSON line per run ({@link SweepRecord}) on
 * stdout (`--json`) or to a file (`--out`), a table of means ± sd over seeds
 * for a person, and a progress line on stderr when it is a terminal.
 */
import { closeSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { checkReportDir, parseOptions } from '../args.js';
import { UsageError, type Command, type CliIO } from '../command.js';
import { formatFixed, formatScientific, formatTable, toJsonLine } from '../format.js';
import {
  checkMemory,
  configFromOptions,
  endCurvatureFromOptions,
  givenRunOptions,
  integer,
  list,
  maxMemorySpec,
  positiveNumber,
  runOptionSpecs,
  runOptionsHelpText,
  traceSamplesSpec,
} from '../sweep/options.js';
import { defaultWorkers, runPool } from '../../node/pool.js';
import { ProgressLine } from '../sweep/progress.js';
import { DEFAULT_SWEEP_TRACE_SAMPLES, expandGrid } from '../../igr/experiments/config.js';
import { presetConfigs, presetDescriptions, presetNames, type PresetName } from '../../igr/experiments/presets.js';
import { summarize, type MeanSd, type SummaryRow } from '../../igr/experiments/summary.js';
import type { RunConfig, SweepRecord } from '../../igr/experiments/types.js';

const help = `usage: igr sweep [--quick | --preset NAME | grid options] [--seeds LIST] [--workers N] [--json] [--out FILE]

Runs many trainings in parallel (worker threads) and reports, per configuration,
mean ± sd over seeds of: steps, train loss E, test accuracy, slope |∇E|, R_IG,
R_IG/E, and the train-loss increase / test-accuracy drop under perturbations.

presets (stopping: train until the training loss reaches the same target, see EXPERIMENTS.md):
${presetNames.map((n) => `  ${n.padEnd(6)} ${presetDescriptions[n]}`).join('\n')}
  --quick                the same as --preset quick (the default when no grid option is given)

a custom grid (instead of a preset): the run options below, with lists for the grid axes
  --lr H[,H...]          learning rates (required for a custom grid)
  --widths W[,W...]      one hidden layer of each width (default: --hidden)
${runOptionsHelpText({
  lr: '',
  mu: '  --mu M[,M...]          EGR weights μ > 0 of μ|∇E|² (with --optimizer egr)   --hvp MODE  exact | finite-difference (default exact)',
  'max-memory': '  --max-memory SIZE      refuse a sweep whose largest run × the runs at once is estimated above SIZE (e.g. 8G; default 2 GiB)',
})}

  --trace-samples N      at each run's end: λ_max by Lanczos and the Hutchinson trace with N probes
                         (default ${DEFAULT_SWEEP_TRACE_SAMPLES}; 0: λ_max only); with a preset too
  --seeds LIST           seeds, e.g. 0,1,2 (default 0,1,2)
  --workers N            worker threads (default: the number of cores, here ${defaultWorkers()})
  --json                 one JSON line per run on stdout (in completion order; "id" is the run's index)
  --out FILE             the JSON lines to FILE: written to FILE.partial as runs finish and renamed
                         to FILE at the end, so an interrupted sweep leaves FILE as it was (and its
                         finished runs in FILE.partial); the table still goes to stdout
  --report DIR           also write DIR/index.html: plots against h (mean ± sd over seeds), tables
  --help                 this text

A run that diverges is reported with its step and the sweep goes on. A run that
fails or whose worker crashes is reported, the sweep goes on, and the exit code
is 1 at the end. Each option is given once. Exit code 2: bad usage.
`;

const sweepOptionSpecs = {
  ...runOptionSpecs,
  ...maxMemorySpec,
  ...traceSamplesSpec,
  preset: { type: 'string' },
  quick: { type: 'boolean' },
  widths: { type: 'string' },
  seeds: { type: 'string' },
  workers: { type: 'string' },
  json: { type: 'boolean' },
  out: { type: 'string' },
  report: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The run configurations the parsed options describe, each measuring λ_max and the trace at its end (`--trace-samples`). */
export function sweepConfigs(values: Record<string, string | boolean | undefined>): RunConfig[] {
  const endCurvature = endCurvatureFromOptions(values, DEFAULT_SWEEP_TRACE_SAMPLES);
  return gridConfigs(values).map((c) => ({ ...c, endCurvature }));
}

function gridConfigs(values: Record<string, string | boolean | undefined>): RunConfig[] {
  const seeds = values.seeds !== undefined ? list('seeds', values.seeds as string, (o, t) => integer(o, t, 0)) : [0, 1, 2];
  if (new Set(seeds).size !== seeds.length) throw new UsageError(`--seeds lists a seed twice: ${values.seeds}`);
  const grid = ['lr', 'widths', 'mu'].filter((n) => values[n] !== undefined);
  const custom = grid.length > 0 || givenRunOptions(values).length > 0;
  let preset = values.preset as string | undefined;
  if (values.quick) {
    if (preset !== undefined && preset !== 'quick') throw new UsageError(`--quick and --preset ${preset} contradict each other`);
    preset = 'quick';
  }
  if (preset !== undefined) {
    if (!(presetNames as readonly string[]).includes(preset)) {
      throw new UsageError(`unknown preset '${preset}': valid presets are ${presetNames.join(', ')}`);
    }
    if (custom) {
      const given = [...grid.map((n) => `--${n}`), ...givenRunOptions(values).filter((n) => n !== '--lr' && n !== '--mu')];
      throw new UsageError(`a preset fixes its runs; ${given.join(', ')} cannot be combined with --preset ${preset} (drop the preset for a custom grid)`);
    }
    return presetConfigs(preset as PresetName, seeds);
  }
  if (!custom) return presetConfigs('quick', seeds);
  if (values.lr === undefined) throw new UsageError('a custom grid needs --lr (one or more learning rates, e.g. --lr 0.1,0.5,2)');
  const lrs = list('lr', values.lr as string, positiveNumber);
  const mus = values.mu !== undefined ? list('mu', values.mu as string, positiveNumber) : undefined;
  const widths = values.widths !== undefined ? list('widths', values.widths as string, (o, t) => integer(o, t, 1)) : undefined;
  // The base config takes the first learning rate and μ only to validate (it rejects --mu without
  // --optimizer egr); the grid sets them per run.
  const base = configFromOptions({ ...values, lr: String(lrs[0]), mu: mus === undefined ? undefined : String(mus[0]) }, 'sweep');
  return expandGrid(base, { lrs, seeds, ...(widths ? { widths } : {}), ...(mus ? { mus } : {}) });
}

function meanSd(s: MeanSd, format: (x: number | null) => string): string {
  if (s.mean === null) return '—';
  return s.n > 1 ? `${format(s.mean)} ± ${format(s.sd)}` : format(s.mean);
}

const sci = (x: number | null) => formatScientific(x, 2);
const pct = (x: number | null) => formatFixed(x === null ? null : x * 100, 1);

/** The table of one experiment's rows (means ± sd over seeds). */
export function formatSummary(rows: readonly SummaryRow[]): string {
  const sigmas = rows[0]?.perturbation.map((p) => p.sigma) ?? [];
  const curvature = rows.some((r) => r.lambdaMax.n > 0);
  const header = [
    'optimizer',
    'width',
    'h',
    'μ',
    'ok/runs',
    'steps',
    'train E',
    'test acc %',
    '|∇E|',
    'R_IG',
    'R_IG/E',
    ...sigmas.map((s) => `ΔE σ=${s}`),
    ...sigmas.map((s) => `Δacc σ=${s}`),
    ...(curvature ? ['λ_max', 'h·λ_max/2', 'trace'] : []),
  ];
  const body = rows.map((r) => {
    const status =
      `${r.ok}/${r.runs}` +
      (r.diverged > 0 ? ` (${r.diverged} diverged at step ${r.divergedAt.join(',')})` : '') +
      (r.failed > 0 ? ` (${r.failed} failed)` : '') +
      (r.stop.kind === 'loss' && r.reachedTarget < r.ok ? ` (${r.ok - r.reachedTarget} missed target)` : '');
    return [
      r.optimizer + (r.hvp === 'finite-difference' ? ' (fd)' : ''),
      r.hidden.join('-'),
      String(r.lr),
      r.mu === null ? '' : String(r.mu),
      status,
      meanSd(r.steps, (x) => formatFixed(x, 0)),
      meanSd(r.trainLoss, (x) => formatFixed(x, 4)),
      meanSd(r.testAccuracy, pct),
      meanSd(r.gradNorm, sci),
      meanSd(r.rIG, sci),
      meanSd(r.rIGOverE, sci),
      ...r.perturbation.map((p) => meanSd(p.trainLossIncrease, sci)),
      ...r.perturbation.map((p) => meanSd(p.testAccuracyDrop, pct)),
      ...(curvature ? [meanSd(r.lambdaMax, sci), meanSd(r.hLambdaHalf, (x) => formatFixed(x, 3)), meanSd(r.trace, sci)] : []),
    ];
  });
  return formatTable(header, body, { align: header.map((_, i) => (i < 2 ? 'left' : 'right')) });
}

/** Human output: one table per experiment. */
export function formatSweep(records: readonly SweepRecord[]): string {
  const rows = summarize(records);
  const experiments = [...new Set(rows.map((r) => r.experiment))];
  return experiments
    .map((e) => {
      const mine = rows.filter((r) => r.experiment === e);
      const first = records.find((r) => r.config.experiment === e)!.config;
      const stop =
        first.stop.kind === 'loss'
          ? `trained until E ≤ ${first.stop.target} (cap ${first.stop.maxSteps} steps)`
          : first.stop.kind === 'steps'
            ? `${first.stop.steps} steps`
            : `time T = ${first.stop.T}`;
      return `experiment ${e}: ${first.data} ${first.train} train / ${first.test} test, ${first.activation}, ${stop}; mean ± sd over seeds\n${formatSummary(mine)}`;
    })
    .join('\n');
}

export const sweep: Command = {
  name: 'sweep',
  summary: 'run the paper experiments (learning rates × seeds × widths × μ) on worker threads',
  async run(argv: string[], io: CliIO): Promise<number> {
    const values = parseOptions(argv, sweepOptionSpecs);
    if (values.help) {
      io.out(help);
      return 0;
    }
    const configs = sweepConfigs(values);
    const workers = values.workers !== undefined ? integer('workers', values.workers, 1) : defaultWorkers();
    checkMemory(configs, values, Math.min(workers, configs.length)); // before any worker loads data
    // --report DIR: the HTML report (src/report); the directory is checked before the runs.
    const reportDir = values.report === undefined ? undefined : await checkReportDir(values.report);
    // --out FILE: lines go to FILE.partial as they come and replace FILE only at the end, so an
    // interrupted sweep never empties the results of the previous one.
    let out: number | null = null;
    const partial = values.out === undefined ? undefined : `${values.out}.partial`;
    if (values.out !== undefined) {
      let isDirectory = false;
      try {
        isDirectory = statSync(values.out).isDirectory();
      } catch {
        // absent: it will be created
      }
      if (isDirectory) throw new UsageError(`--out ${values.out}: is a directory; give a file name`);
      try {
        out = openSync(partial!, 'w');
      } catch (error) {
        throw new UsageError(`--out ${values.out}: cannot write there (${(error as Error).message})`);
      }
    }
    const progress = new ProgressLine(io.err, io.isTTY);
    const counts = { finished: 0, total: configs.length, diverged: 0, failed: 0 };
    const started = performance.now();
    progress.update(counts);
    let records: SweepRecord[];
    try {
      records = await runPool(configs, {
        workers,
        onRecord: (record, finished) => {
          counts.finished = finished;
          if (record.status === 'diverged') counts.diverged++;
          if (record.status === 'error' || record.status === 'crashed') counts.failed++;
          const line = toJsonLine(record) + '\n';
          if (out !== null) writeSync(out, line);
          if (values.json) io.out(line);
          if (record.status === 'error' || record.status === 'crashed') {
            progress.finish();
            io.err(`igr sweep: run ${record.id} ${record.status}: ${record.error}\n`);
          }
          progress.update(counts);
        },
      });
    } finally {
      progress.finish();
      if (out !== null) closeSync(out);
    }
    if (partial !== undefined) renameSync(partial, values.out!);
    const seconds = (performance.now() - started) / 1000;
    if (!values.json) {
      io.out(formatSweep(records));
      io.out(`\n${records.length} runs on ${Math.min(workers, records.length)} workers in ${formatFixed(seconds, 1)} s\n`);
    }
    if (reportDir !== undefined) {
      const { writeSweepReport } = await import('../../report/write.js');
      const { commandLine } = await import('../../report/cli.js');
      const path = writeSweepReport(reportDir, records, { command: commandLine('sweep', argv) });
      (values.json ? io.err : io.out)(`report: ${path}\n`);
    }
    if (counts.failed > 0) {
      io.err(`igr sweep: ${counts.failed} of ${records.length} runs failed or crashed (see above); exit code 1\n`);
      return 1;
    }
    return 0;
  },
};
