/**
 * `igr verify --optimizer sgd|momentum|rk:<name>`: the verification of `igr verify`, pointed at
 * other optimisers (src/igr/optimizers). Same tables, same JSON keys plus `optimizer` (its
 * parameters) and `flows` (what each compared flow is), same exit codes: 0 every slope within
 * tolerance, 1 not, 2 bad usage.
 */
import { findProblem, ladderFor, problems, verificationJson, type ComparisonReport, type VerificationProblem } from '../../igr/index.js';
import {
  findSgdProblem,
  findTableau,
  rungeKuttaNames,
  rungeKuttaOrder,
  sgdProblems,
  type MomentumReport,
  type RungeKuttaReport,
  type SgdReport,
} from '../../igr/optimizers/index.js';
import { type CliIO, UsageError } from '../command.js';
import { formatScientific } from '../format.js';
import {
  compileLossAt,
  DEFAULT_CUSTOM_HS,
  DEFAULT_CUSTOM_T,
  expressionSpec,
  formatReport,
  parseOrders,
  parsePositive,
  parseLadder,
  runJobs,
  selectProblems,
  type Job as VerifyJob,
} from './verify.js';
import type { LossSpec, VerificationSpec } from '../verify/spec.js';

/** The optimisers `--optimizer` accepts (rk takes a tableau name after a colon). */
export const OPTIMIZER_NAMES = ['gd', 'sgd', 'momentum', ...rungeKuttaNames.map((n) => `rk:${n}`)] as const;

/** Momentum β when `--beta` is not given. */
export const DEFAULT_BETA = 0.5;

/** The options of `igr verify` this module reads (parsed by verify.ts). */
export interface OptimizerValues {
  optimizer?: string;
  beta?: string;
  batches?: string;
  epochs?: string;
  'momentum-start'?: string;
  problem?: string[];
  loss?: string;
  at?: string;
  vars?: string;
  orders?: string;
  h?: string;
  T?: string;
  json?: boolean;
  report?: string;
  workers?: string;
}

type Parsed = { kind: 'gd' } | { kind: 'sgd' } | { kind: 'momentum' } | { kind: 'rk'; tableau: string };

/** Parses `--optimizer` and rejects options that do not belong to it (β without momentum, …). */
export function parseOptimizer(values: OptimizerValues): Parsed {
  const name = values.optimizer ?? 'gd';
  let parsed: Parsed;
  if (name === 'gd' || name === 'sgd' || name === 'momentum') parsed = { kind: name };
  else if (name.startsWith('rk:')) {
    const tableau = name.slice(3);
    if (!rungeKuttaNames.includes(tableau as never)) {
      throw new UsageError(`--optimizer: unknown Runge–Kutta tableau '${tableau}'; valid: ${rungeKuttaNames.map((n) => `rk:${n}`).join(', ')}`);
    }
    parsed = { kind: 'rk', tableau };
  } else {
    throw new UsageError(`--optimizer: unknown optimizer '${name}'; valid: ${OPTIMIZER_NAMES.join(', ')}`);
  }
  if (values.beta !== undefined && parsed.kind !== 'momentum') throw new UsageError('--beta applies only to --optimizer momentum');
  if (values.batches !== undefined && parsed.kind !== 'sgd') throw new UsageError('--batches applies only to --optimizer sgd');
  if (values.epochs !== undefined && parsed.kind !== 'sgd') throw new UsageError('--epochs applies only to --optimizer sgd');
  if (values['momentum-start'] !== undefined && parsed.kind !== 'momentum') throw new UsageError('--momentum-start applies only to --optimizer momentum');
  if (parsed.kind === 'sgd') {
    if (values.loss !== undefined) throw new UsageError('--optimizer sgd runs on its built-in data sets (minibatches need data); --loss is not accepted');
    if (values.T !== undefined) throw new UsageError('--optimizer sgd measures after whole epochs: use --epochs K instead of --T');
    if (values.orders !== undefined) throw new UsageError('--optimizer sgd compares three fixed flows (C, full-batch modified, SGD modified); --orders does not apply');
  }
  return parsed;
}

function parseBeta(text: string | undefined): number {
  if (text === undefined) return DEFAULT_BETA;
  const beta = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(beta) || beta < 0 || beta >= 1) throw new UsageError(`--beta: the momentum β must be a number in [0, 1), got '${text}'`);
  return beta;
}

function parseCount(option: string, text: string): number {
  const n = text.trim() === '' ? NaN : Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${option} must be a whole number ≥ 1, got '${text}'`);
  return n;
}

interface Target {
  name: string;
  loss: LossSpec;
  theta0: number[];
  hs: number[];
  T: number;
  /** The built-in problem, when it is one (for its higher-order ladders). */
  problem?: VerificationProblem;
}

/** The losses to run on: built-in verification problems, or a loss typed with --loss/--at. */
async function targets(values: OptimizerValues, hs: number[] | undefined, T: number | undefined): Promise<Target[]> {
  if (values.loss !== undefined) {
    const { compiled, theta0 } = await compileLossAt(values);
    return [{ name: compiled.text, loss: expressionSpec(values.loss, compiled), theta0, hs: hs ?? [...DEFAULT_CUSTOM_HS], T: T ?? DEFAULT_CUSTOM_T }];
  }
  return selectProblems(values.problem, problems, findProblem).map((p) => {
    return { name: p.name, loss: { kind: 'problem', name: p.name }, theta0: [...p.theta0], hs: hs ?? [...p.hs], T: T ?? p.T, problem: p };
  });
}

async function jobs(parsed: Parsed, values: OptimizerValues): Promise<VerifyJob[]> {
  const hs = values.h === undefined ? undefined : parseLadder(values.h);
  if (parsed.kind === 'sgd') {
    const batchesOverride = values.batches === undefined ? undefined : parseCount('--batches', values.batches);
    const epochs = values.epochs === undefined ? undefined : parseCount('--epochs', values.epochs);
    if (values.at !== undefined || values.vars !== undefined) throw new UsageError('--at/--vars apply only to a loss typed with --loss EXPR');
    return selectProblems(values.problem, sgdProblems, findSgdProblem).map((problem) => {
      const batches = batchesOverride ?? problem.batches;
      if (problem.points % batches !== 0) {
        const valid = Array.from({ length: problem.points }, (_, i) => i + 1).filter((d) => problem.points % d === 0);
        throw new UsageError(`--batches ${batches} does not divide the ${problem.points} data points of '${problem.name}'; valid: ${valid.join(', ')}`);
      }
      return {
        spec: { optimizer: 'sgd', name: problem.name, problem: problem.name, hs: hs ?? [...problem.hs], batches, ...(epochs !== undefined && { epochs }) },
      };
    });
  }
  const T = values.T === undefined ? undefined : parsePositive('--T', values.T);
  if (values.loss === undefined && (values.at !== undefined || values.vars !== undefined)) {
    throw new UsageError(`${values.at !== undefined ? '--at' : '--vars'} applies only to a loss typed with --loss EXPR`);
  }
  if (parsed.kind === 'momentum') {
    const beta = parseBeta(values.beta);
    const startOption = values['momentum-start'] ?? 'shifted';
    if (startOption !== 'shifted' && startOption !== 'theta0') {
      throw new UsageError(`--momentum-start: unknown start '${startOption}'; valid: shifted, theta0`);
    }
    if (values.orders !== undefined) throw new UsageError('--optimizer momentum compares the rescaled gradient flow (1) and its first-order modified flow (2); --orders does not apply');
    // Without --h: the GD ladder divided by 2^k, 2^k ≈ (1 + β)/(1 − β)², so that the modified
    // flow's correction h(1 + β)/(1 − β)² ∇²E ∇E is as small as GD's (h/2) ∇²E ∇E on the ladder the
    // problem was tuned for (β = 0 is gradient descent on its own ladder). T/h stays whole.
    const k = Math.max(0, Math.round(Math.log2((1 + beta) / (1 - beta) ** 2)));
    return (await targets(values, hs, T)).map((t) => ({
      spec: {
        optimizer: 'momentum',
        name: t.name,
        loss: t.loss,
        theta0: t.theta0,
        beta,
        shiftedStart: startOption === 'shifted',
        hs: hs ?? t.hs.map((h) => h / 2 ** k),
        T: t.T,
      },
    }));
  }
  // rk: default orders q and q + 1 (the plain flow, then the first non-zero correction).
  const tableau = findTableau((parsed as { tableau: string }).tableau);
  const q = rungeKuttaOrder(tableau);
  const orders = values.orders === undefined ? [q, q + 1] : parseOrders(values.orders);
  // Without --h (and --T): the problem's ladder for a method of order q (ladderFor), which moves
  // the errors h^q above round-off and out of the pre-asymptotic range; GD's ladder otherwise.
  return (await targets(values, hs, T)).map((t) => {
    const ladder = t.problem === undefined ? null : ladderFor(t.problem, q);
    const spec: VerificationSpec = {
      optimizer: 'rk',
      tableau: tableau.name,
      name: t.name,
      loss: t.loss,
      theta0: t.theta0,
      hs: hs ?? (ladder ? [...ladder.hs] : t.hs),
      T: T ?? (hs === undefined ? ladder?.T : undefined) ?? t.T,
      orders,
    };
    const note =
      hs === undefined && ladder?.reason
        ? `ladder for order ${q}: h = ${ladder.hs.join(', ')}, T = ${T ?? ladder.T} instead of GD's (${ladder.reason})`
        : undefined;
    return { spec, ...(note !== undefined && { note }) };
  });
}

/** The header lines naming the optimiser and what each compared flow is. */
function describe(report: ComparisonReport): string[] {
  const lines: string[] = [];
  const o = (report as RungeKuttaReport | MomentumReport | SgdReport).optimizer;
  if (o.name === 'rk') {
    lines.push(`optimizer rk:${o.tableau} (order ${o.order}, ${o.stages} stages) on θ' = −∇E: expected slopes max(p, ${o.order}) global, max(p, ${o.order}) + 1 local`);
    lines.push(
      `  |f_j| at θ0, j = 1..${o.order + 1}: ${o.termNorms.map((v) => formatScientific(v)).join(', ')}; relative to Σ|F(τ)|/σ(τ): ${o.relativeTermNorms.map((v) => formatScientific(v)).join(', ')}`,
    );
  } else if (o.name === 'momentum') {
    lines.push(`optimizer momentum, β = ${o.beta}, θ_{−1} = θ_0; flows start at ${o.start === 'shifted' ? 'θ_0 + hβ/(1 − β)² ∇E(θ_0)' : 'θ_0'}; local errors with the history on the flow`);
  } else {
    const se = o.standardError.some((s) => s > 0)
      ? `; standard errors ${o.standardError.map((s) => formatScientific(s)).join(', ')} (* also marks errors below 10 standard errors)`
      : '';
    lines.push(
      `optimizer sgd (random reshuffling): ${o.batches} minibatches of ${o.batchSize}; mean iterate over ${o.sequences} epoch-order sequences (${o.averaging}${o.averaging === 'sampled' ? ', antithetic pairs' : ''})${se}`,
    );
    lines.push(`columns: h = learning rate ε; local = after 1 epoch, global = after ${o.epochs} epoch${o.epochs === 1 ? '' : 's'}; p = the flow compared:`);
  }
  for (const p of report.orders) lines.push(`  p=${p}: ${report.flows[p]}`);
  return lines;
}

/** The human report: the optimiser's header, then the table and fits of `igr verify`. */
export function formatOptimizerReport(report: ComparisonReport): string {
  // formatReport's non-gradient line is about GD's f_3, which these runs do not measure.
  const body = formatReport(report)
    .split('\n')
    .filter((l) => !l.startsWith('  non-gradient part'))
    .join('\n');
  return describe(report).join('\n') + '\n' + body;
}

/** The `--json` object: verificationJson's keys plus `optimizer` and `flows`, and `reference` last (added later than the rest). */
export function optimizerJson(report: ComparisonReport): object {
  const o = (report as RungeKuttaReport | MomentumReport | SgdReport).optimizer;
  const { reference, ...json } = verificationJson(report);
  return { ...json, optimizer: o, flows: report.flows, ...(reference && { reference }) };
}

/** Runs `igr verify --optimizer …` for anything but gd (with `--report DIR`, the HTML page too); returns the exit code. */
export async function runOptimizerVerification(parsed: Parsed, values: OptimizerValues, io: CliIO, argv: readonly string[] = []): Promise<number> {
  return runJobs(await jobs(parsed, values), { format: formatOptimizerReport, json: optimizerJson }, values, argv, io);
}
