/**
 * `igr verify --truncation` and `igr verify --principal` (issue 14): where the expansion ends.
 *
 * --truncation: per problem, for each h of a ladder, gradient descent's distance after n steps and
 * after one step from every order-p truncated modified flow, p = 1..P; the optimal order p*(h),
 * the minimal error, and the fit log(minimal error) = a − c/h (src/igr/truncation.ts). Exit 0
 * when every problem shows the exponentially small regime (R² ≥ 0.95 over at least four h, after
 * n steps), 1 when one does not, 2 for bad usage.
 *
 * --principal: per problem, for h·λ_max(θ0) from small up to the stability limit, the largest
 * distance of gradient descent from the order-1…3 modified flows and from the principal flow
 * relative to the distance it travelled, and where each stops tracking (src/igr/tracking.ts).
 * Exit 0 when it ran, 2 for bad usage.
 */
import {
  DEFAULT_TRUNCATION_WORK,
  findProblem,
  findTruncationProblem,
  IgrError,
  MAX_CLOSED_FORM_TRUNCATION_ORDER,
  MAX_TREE_TRUNCATION_ORDER,
  problems,
  TRACKING_LADDER,
  trackingJson,
  trackingProblems,
  trackingStudy,
  truncationJson,
  truncationProblems,
  truncationStudy,
  type TrackingReport,
  type TruncationProblem,
  type TruncationReport,
  type TruncationSide,
} from '../../igr/index.js';
import { type CliIO, UsageError } from '../command.js';
import { formatFixed, formatScientific, formatShort, formatTable, formatVector, toJsonLine } from '../format.js';
import { checkReportDir } from '../args.js';
import { compileLossAt, parseLadder, parseOrders, parsePositive, parsePositiveList, selectProblems } from './verify.js';

/** The options of `igr verify` this module reads (parsed by verify.ts). */
export interface TruncationValues {
  truncation?: boolean;
  principal?: boolean;
  'max-order'?: string;
  'max-work'?: string;
  steps?: string;
  'h-lambda'?: string;
  threshold?: string;
  problem?: string[];
  loss?: string;
  at?: string;
  vars?: string;
  orders?: string;
  h?: string;
  T?: string;
  json?: boolean;
  report?: string;
  optimizer?: string;
}

/** The options --truncation and --principal add to `igr verify --help`. */
export const TRUNCATION_HELP = `  --truncation     optimal truncation: for each h, GD's distance after n steps and after one
                   step from every order-p truncation, p = 1..P; p*(h), the minimal error and
                   the fit log(min error) = a − c/h (problems: ${truncationProblems.map((p) => p.name).join(', ')};
                   any other built-in from its own start)
  --max-order P    with --truncation: the highest order P (default: the problem's; trees up to
                   ${MAX_TREE_TRUNCATION_ORDER}, closed-form terms up to ${MAX_CLOSED_FORM_TRUNCATION_ORDER})
  --steps N        with --truncation or --principal: GD steps n (the same for every h; instead of --T)
  --max-work W     with --truncation: the bound on (tree × parameter × step) units of work checked
                   before the study starts (default ${DEFAULT_TRUNCATION_WORK}, roughly 1–5 ms each)
  --principal      where each flow stops tracking GD: orders 1..3 (--orders) and the principal flow
                   Σ log(1 − hλ_i)/(hλ_i) (∇E·u_i) u_i, for h·λ_max(θ0) up to 2 (problems:
                   ${trackingProblems.map((p) => p.name).join(', ')})
  --h-lambda LIST  with --principal: the ladder as multiples of 1/λ_max(θ0) (default ${TRACKING_LADDER.join(',')})
  --threshold R    with --principal: a flow tracks GD while max_k ‖θ_k − φ(kh)‖ ≤ R · max_k ‖θ_k − θ0‖
                   (default 0.1)
`;

/** An R² this high over at least this many h counts as the exponentially small regime. */
export const EXPONENTIAL_R2 = 0.95;
export const EXPONENTIAL_POINTS = 4;

/** Ladder, steps and order for a `--loss` study without --h/--steps/--max-order. */
const CUSTOM_TRUNCATION = { hs: [0.8, 0.6, 0.5, 0.4], steps: 1, maxOrder: 8 } as const;

function parseInteger(option: string, text: string, min: number, max: number): number {
  const x = text.trim() === '' ? NaN : Number(text);
  if (!Number.isInteger(x) || x < min || x > max) throw new UsageError(`${option} must be an integer in ${min}..${max}, got ${text}`);
  return x;
}

function usage(error: unknown): never {
  if (error instanceof IgrError) throw new UsageError(error.message);
  throw error;
}

/** True when the exponential fit after n steps shows the regime (see {@link EXPONENTIAL_R2}). */
export function showsExponentialRegime(report: TruncationReport): boolean {
  const fit = report.global.exponentialFit;
  return fit !== null && fit.r2 >= EXPONENTIAL_R2 && fit.points >= EXPONENTIAL_POINTS;
}

/** Runs `igr verify --truncation` or `--principal`; the caller has seen one of the two flags. */
export async function runTruncationCommand(values: TruncationValues, io: CliIO, argv: readonly string[]): Promise<number> {
  if (values.truncation && values.principal) throw new UsageError('use either --truncation or --principal, not both');
  if (values.optimizer !== undefined && values.optimizer !== 'gd') throw new UsageError(`--${values.truncation ? 'truncation' : 'principal'} studies gradient descent; it does not take --optimizer ${values.optimizer}`);
  if (values.steps !== undefined && values.T !== undefined) throw new UsageError('give either --steps or --T, not both');
  return values.truncation ? runTruncation(values, io, argv) : runPrincipal(values, io, argv);
}

// ---- --truncation --------------------------------------------------------------------------

async function runTruncation(values: TruncationValues, io: CliIO, argv: readonly string[]): Promise<number> {
  if (values.orders !== undefined) throw new UsageError('--truncation compares every order 1..P: give --max-order P, not --orders');
  for (const o of ['h-lambda', 'threshold'] as const) if (values[o] !== undefined) throw new UsageError(`--${o} applies to --principal, not --truncation`);
  if (values.loss === undefined && (values.at !== undefined || values.vars !== undefined)) throw new UsageError(`${values.at !== undefined ? '--at' : '--vars'} applies only to a loss typed with --loss EXPR`);
  const hs = values.h === undefined ? undefined : parseLadder(values.h, 1);
  const T = values.T === undefined ? undefined : parsePositive('--T', values.T);
  const steps = values.steps === undefined ? undefined : parseInteger('--steps', values.steps, 1, 100_000);
  const maxOrderText = values['max-order'];
  const maxWork = values['max-work'] === undefined ? DEFAULT_TRUNCATION_WORK : parsePositive('--max-work', values['max-work']);
  let studies: TruncationProblem[];
  if (values.loss !== undefined) {
    const { compiled, theta0 } = await compileLossAt(values);
    studies = [{ name: compiled.text, description: `E = ${compiled.text}`, dimension: theta0.length, loss: compiled.loss, theta0, ...CUSTOM_TRUNCATION }];
  } else {
    studies = selectProblems(values.problem, truncationProblems, findTruncationProblem);
  }
  const reportDir = values.report === undefined ? undefined : await checkReportDir(values.report);
  const reports: TruncationReport[] = [];
  let pass = true;
  for (const problem of studies) {
    const cap = problem.closedForm ? MAX_CLOSED_FORM_TRUNCATION_ORDER : MAX_TREE_TRUNCATION_ORDER;
    const maxOrder = maxOrderText === undefined ? problem.maxOrder : parseInteger('--max-order', maxOrderText, 2, cap);
    const progress = (done: number, total: number): void => {
      if (io.isTTY) io.err(`\r${problem.name}: ${done}/${total} step sizes${done === total ? '\n' : ''}`);
    };
    let report: TruncationReport;
    try {
      report = truncationStudy(problem.loss, problem.theta0, {
        hs: hs ?? problem.hs,
        maxOrder,
        ...(T !== undefined ? { T } : { steps: steps ?? problem.steps }),
        ...(problem.closedForm && { terms: problem.closedForm }),
        name: problem.name,
        maxWork,
        onProgress: progress,
      });
    } catch (error) {
      usage(error);
    }
    const ok = showsExponentialRegime(report);
    pass &&= ok;
    reports.push(report);
    io.out(values.json ? toJsonLine({ ...truncationJson(report), exponentialRegime: ok }) + '\n' : formatTruncation(report, problem, ok));
  }
  if (reportDir !== undefined) {
    const { writeFileAtomic } = await import('../../report/write.js');
    const { commandLine } = await import('../../report/cli.js');
    const { renderTruncationReport } = await import('../../report/truncation.js');
    const html = renderTruncationReport(reports, { command: commandLine('verify', argv), problems: studies });
    const path = writeFileAtomic(reportDir, 'index.html', html);
    writeFigures(writeFileAtomic, reportDir, html);
    (values.json ? io.err : io.out)(`report: ${path}\n`);
  }
  return pass ? 0 : 1;
}

/** Each plot of the page also as DIR/<id>.svg (for embedding in Markdown, e.g. EXPERIMENTS.md). */
function writeFigures(write: (dir: string, name: string, content: string) => string, dir: string, html: string): void {
  for (const m of html.matchAll(/<svg [^>]*\bid="([^"]+)"[\s\S]*?<\/svg>/g)) write(dir, `${m[1]}.svg`, `${m[0]}\n`);
}

function sideColumns(side: TruncationSide, i: number): string[] {
  const p = side.optimalOrder[i];
  const bound = p === null || p === undefined ? null : side.bound[p]?.[i];
  return [p === null || p === undefined ? '—' : String(p), formatScientific(side.minimalError[i]), formatScientific(bound), side.optimum[i] ?? '—'];
}

function fitLine(label: string, side: Pick<TruncationSide, 'exponentialFit' | 'orderFit'>): string {
  const f = side.exponentialFit;
  const o = side.orderFit;
  if (f === null) return `  ${label}: no fit (fewer than 2 interior optima)`;
  const order = o === null ? '' : `; p* ≈ ${formatFixed(o.slope, 2)}/h ${o.intercept < 0 ? '−' : '+'} ${formatFixed(Math.abs(o.intercept), 2)} (R² ${formatFixed(o.r2, 3)})`;
  return `  ${label}: log(min error) = ${formatFixed(f.intercept, 2)} − ${formatFixed(f.c, 3)}/h, R² ${formatFixed(f.r2, 4)} over ${f.points} h${order}`;
}

/** The human report of one truncation study. */
export function formatTruncation(report: TruncationReport, problem: TruncationProblem | undefined, ok: boolean): string {
  const lines: string[] = [];
  const n = new Set(report.steps).size === 1 ? `n = ${report.steps[0]} step${report.steps[0] === 1 ? '' : 's'}` : 'n = T/h steps';
  lines.push(`${report.problem}  (m = ${report.dimension}, θ0 = ${formatVector(report.theta0)}, orders 1..${report.maxOrder} from ${report.terms}, ${n})`);
  if (problem?.startNote) lines.push(`  start: ${problem.startNote}`);
  const oneStepOnly = report.steps.every((n) => n === 1);
  const env = (s: TruncationSide, i: number): string[] => [s.envelope.optimalOrder[i] === null ? '—' : String(s.envelope.optimalOrder[i]), formatScientific(s.envelope.minimalError[i])];
  const header = oneStepOnly
    ? ['h', 'p*', 'min error', 'bound', 'optimum', 'p* env', 'env error']
    : ['h', 'steps', 'p* (n steps)', 'min error', 'bound', 'optimum', 'p* (1 step)', 'min error', 'bound', 'optimum'];
  const rows = report.hs.map((h, i) =>
    oneStepOnly ? [formatShort(h), ...sideColumns(report.global, i), ...env(report.global, i)] : [formatShort(h), String(report.steps[i]), ...sideColumns(report.global, i), ...sideColumns(report.local, i)],
  );
  const align = oneStepOnly ? (['left', 'right', 'right', 'right', 'left', 'right', 'right'] as const) : (['left', 'right', 'right', 'right', 'right', 'left', 'right', 'right', 'right', 'left'] as const);
  lines.push(formatTable(header, rows, { indent: '  ', align }).trimEnd());
  const oneStep = report.steps.every((n) => n === 1);
  lines.push(fitLine(oneStep ? 'after 1 step' : 'after n steps', report.global));
  lines.push(fitLine(`${oneStep ? 'after 1 step' : 'after n steps'}, envelope of 3 orders`, report.global.envelope));
  if (!oneStep) {
    lines.push(fitLine('after 1 step', report.local));
    lines.push(fitLine('after 1 step, envelope of 3 orders', report.local.envelope));
  }
  if (problem?.theory) lines.push(`  theory: c = ${formatFixed(problem.theory.c, 3)} (${problem.theory.reason})`);
  lines.push(
    `  optimum: interior = fitted; at-max-order = smallest at p = P; before-blowup = the next order's flow blows up (hλ > 1: the Hessian part diverges); round-off / unresolved = not resolvable by the reference; env = the best window of three consecutive orders, max(e_p−1, e_p, e_p+1)`,
  );
  lines.push(`  exponentially small regime (R² ≥ ${EXPONENTIAL_R2} over ≥ ${EXPONENTIAL_POINTS} h${oneStep ? '' : ', after n steps'}): ${ok ? 'shown' : 'not shown'}  (${report.seconds.toFixed(1)} s, ${report.evaluations} field evaluations)`);
  return lines.join('\n') + '\n\n';
}

// ---- --principal ---------------------------------------------------------------------------

async function runPrincipal(values: TruncationValues, io: CliIO, argv: readonly string[]): Promise<number> {
  for (const o of ['max-order', 'max-work'] as const) if (values[o] !== undefined) throw new UsageError(`--${o} applies to --truncation, not --principal`);
  if (values.T !== undefined) throw new UsageError('--principal runs a fixed number of GD steps per h: give --steps N, not --T');
  if (values.h !== undefined && values['h-lambda'] !== undefined) throw new UsageError('give either --h or --h-lambda, not both');
  if (values.loss === undefined && (values.at !== undefined || values.vars !== undefined)) throw new UsageError(`${values.at !== undefined ? '--at' : '--vars'} applies only to a loss typed with --loss EXPR`);
  const hs = values.h === undefined ? undefined : parseLadder(values.h, 1);
  const hLambda = values['h-lambda'] === undefined ? undefined : parsePositiveList('--h-lambda', values['h-lambda']);
  const steps = values.steps === undefined ? undefined : parseInteger('--steps', values.steps, 2, 10_000);
  const orders = values.orders === undefined ? [1, 2, 3] : parseOrders(values.orders);
  const threshold = values.threshold === undefined ? 0.1 : parsePositive('--threshold', values.threshold);
  type Study = { name: string; loss: (typeof problems)[number]['loss']; theta0: readonly number[]; hLambda: readonly number[]; steps: number };
  let studies: Study[];
  if (values.loss !== undefined) {
    const { compiled, theta0 } = await compileLossAt(values);
    studies = [{ name: compiled.text, loss: compiled.loss, theta0, hLambda: TRACKING_LADDER, steps: 20 }];
  } else {
    const names = values.problem ?? trackingProblems.map((p) => p.name);
    studies = selectProblems(names, problems, findProblem).map((p) => {
      const own = trackingProblems.find((t) => t.name === p.name);
      return { name: p.name, loss: p.loss, theta0: p.theta0, hLambda: own?.hLambda ?? TRACKING_LADDER, steps: own?.steps ?? 20 };
    });
  }
  const reportDir = values.report === undefined ? undefined : await checkReportDir(values.report);
  const reports: TrackingReport[] = [];
  for (const s of studies) {
    const progress = (done: number, total: number): void => {
      if (io.isTTY) io.err(`\r${s.name}: ${done}/${total} step sizes${done === total ? '\n' : ''}`);
    };
    let report: TrackingReport;
    try {
      report = trackingStudy(s.loss, s.theta0, {
        ...(hs ? { hs } : { hLambda: hLambda ?? s.hLambda }),
        steps: steps ?? s.steps,
        orders,
        threshold,
        name: s.name,
        onProgress: progress,
      });
    } catch (error) {
      usage(error);
    }
    reports.push(report);
    io.out(values.json ? toJsonLine(trackingJson(report)) + '\n' : formatTracking(report));
  }
  if (reportDir !== undefined) {
    const { writeFileAtomic } = await import('../../report/write.js');
    const { commandLine } = await import('../../report/cli.js');
    const { renderTrackingReport } = await import('../../report/truncation.js');
    const html = renderTrackingReport(reports, { command: commandLine('verify', argv) });
    const path = writeFileAtomic(reportDir, 'index.html', html);
    writeFigures(writeFileAtomic, reportDir, html);
    (values.json ? io.err : io.out)(`report: ${path}\n`);
  }
  return 0;
}

/** The human report of one tracking study. */
export function formatTracking(report: TrackingReport): string {
  const lines: string[] = [];
  lines.push(`${report.problem}  (m = ${report.dimension}, θ0 = ${formatVector(report.theta0)}, λ_max(θ0) = ${formatFixed(report.lambda0, 4)}, n = ${report.steps} steps)`);
  const header = ['h', 'hλ(θ0)', 'hλ path', 'GD travelled', ...report.flows.map((f) => `r ${f.key}`)];
  const diverged = new Map(report.diverged.map((d) => [d.h, d.step]));
  const rows = report.hs.map((h, i) => {
    const head = [formatScientific(h, 4), formatFixed(report.hLambda0[i], 3), formatFixed(report.hLambdaPath[i], 3), formatScientific(report.travelled[i])];
    const step = diverged.get(h);
    if (step !== undefined) return [...head, `GD diverged at step ${step}`];
    return [...head, ...report.flows.map((f) => (f.relative[i] === null ? 'blew up' : formatScientific(f.relative[i]) + ((f.relative[i] ?? 0) > report.threshold ? '*' : ' ')))];
  });
  lines.push(formatTable(header, rows, { indent: '  ' }).trimEnd());
  lines.push(`  r = max_k ‖θ_k − φ(kh)‖ / max_k ‖θ_k − θ0‖; * = above ${report.threshold} (not tracking)`);
  for (const f of report.flows) {
    const s = f.stopsTracking;
    const e = f.stopsTrackingEven;
    const where = (l: typeof s): string => (l === null ? 'tracks over the whole ladder' : `stops tracking at hλ(θ0) = ${formatFixed(l.hLambda0, 2)} (h = ${formatScientific(l.h, 4)}${l.lastTracking ? `; last tracking at hλ(θ0) = ${formatFixed(l.lastTracking.hLambda0, 2)}` : ''})`);
    lines.push(`  ${f.label.padEnd(24)} ${where(s)}; over even steps: ${e === null ? 'tracks throughout' : `stops at hλ(θ0) = ${formatFixed(e.hLambda0, 2)}`}`);
  }
  lines.push(`  (${report.seconds.toFixed(1)} s)`);
  return lines.join('\n') + '\n\n';
}
