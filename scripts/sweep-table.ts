/**
 * Turns `igr sweep` JSON lines into the Markdown tables of EXPERIMENTS.md:
 * one table per experiment, mean ± sd over seeds (with λ_max, h·λ_max/2 and the Hessian trace at
 * the end point when the records carry them).
 *
 *   npx tsx scripts/sweep-table.ts results/lr.jsonl [more.jsonl ...]
 */
import { readFileSync } from 'node:fs';
import { summarize, type MeanSd, type SummaryRow } from '../src/igr/experiments/summary.js';
import type { SweepRecord } from '../src/igr/experiments/types.js';

/** Two significant digits in exponent form, so a mean and its sd line up by eye. */
function sig(x: number): string {
  return x === 0 ? '0' : x.toExponential(1);
}

function cell(s: MeanSd, format: (x: number) => string = (x) => sig(x)): string {
  if (s.mean === null) return '—';
  return s.n > 1 && s.sd !== null ? `${format(s.mean)} ± ${format(s.sd)}` : format(s.mean);
}

const pct = (x: number) => (x * 100).toFixed(1);

/** Whether the records carry λ_max and the trace at the end point (igr sweep since issue 12): then three more columns. */
let curvature = false;

function row(r: SummaryRow): string {
  const status =
    `${r.ok}/${r.runs}` +
    (r.diverged ? `, ${r.diverged} diverged (step ${r.divergedAt.join(', ')})` : '') +
    (r.failed ? `, ${r.failed} failed` : '') +
    (r.stop.kind === 'loss' && r.reachedTarget < r.ok ? `, ${r.ok - r.reachedTarget} missed E\\*` : '');
  const optimizer = r.optimizer === 'egr' ? `EGR μ=${r.mu}${r.hvp === 'finite-difference' ? ' (fd)' : ''}` : r.optimizer.toUpperCase();
  return [
    optimizer,
    r.hidden.join('-'),
    String(r.lr),
    status,
    cell(r.steps, (x) => x.toFixed(0)),
    cell(r.trainLoss, (x) => x.toFixed(4)),
    cell(r.testAccuracy, pct),
    cell(r.gradNorm),
    cell(r.rIG),
    cell(r.rIGOverE),
    ...r.perturbation.map((p) => cell(p.trainLossIncrease)),
    ...r.perturbation.map((p) => cell(p.testAccuracyDrop, pct)),
    ...(curvature ? [cell(r.lambdaMax, (x) => x.toFixed(3)), cell(r.hLambdaHalf, (x) => x.toFixed(2)), cell(r.trace, (x) => x.toFixed(1))] : []),
  ].join(' | ');
}

const records: SweepRecord[] = process.argv
  .slice(2)
  .flatMap((file) => readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== ''))
  .map((l) => JSON.parse(l) as SweepRecord)
  .sort((a, b) => a.id - b.id);
const rows = summarize(records);
curvature = rows.some((r) => r.lambdaMax.n > 0);
for (const experiment of new Set(rows.map((r) => r.experiment))) {
  const mine = rows.filter((r) => r.experiment === experiment);
  const sigmas = mine[0]!.perturbation.map((p) => p.sigma);
  const header = [
    'optimizer',
    'hidden',
    'h',
    'ok/runs',
    'steps',
    'train E',
    'test acc %',
    '\\|∇E\\|',
    'R_IG',
    'R_IG / E',
    ...sigmas.map((s) => `ΔE (σ=${s})`),
    ...sigmas.map((s) => `Δacc pts (σ=${s})`),
    ...(curvature ? ['λ_max', 'h·λ_max/2', 'trace'] : []),
  ];
  const seconds = records.filter((r) => r.config.experiment === experiment).reduce((s, r) => s + r.seconds, 0);
  console.log(`\n**${experiment}** (${mine.reduce((s, r) => s + r.runs, 0)} runs, ${seconds.toFixed(0)} s of training in total)\n`);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map((_, i) => (i < 2 ? ' --- ' : ' ---: ')).join('|')}|`);
  for (const r of mine) console.log(`| ${row(r)} |`);
}
