/**
 * The HTML report of `igr sweep --report DIR`: per experiment, test accuracy, R_IG / E, the
 * slope |∇E|, robustness to parameter perturbations and, where the records carry them, the
 * curvature at the end point (λ_max with the line 2/h where GD loses stability, and the Hessian
 * trace) against the learning rate, one series
 * per variant (optimiser, μ, widths), each point the mean over seeds with a ± one standard
 * deviation bar, so EGR is drawn beside GD; and the tables behind the plots.
 */
import type { SweepRecord } from '../igr/experiments/types.js';
import { formatNumber, page, table, type Cell } from './html.js';
import { ORDER_COLORS, Plot, PlotError, escapeXml, type MarkerShape } from './svg.js';

export interface SweepReportOptions {
  /** The command line that produced the records, shown on the page. */
  command: string;
  generated?: Date;
}

/** Mean and sample standard deviation (0 for a single value) of the finite values; null when none. */
export function meanSd(values: readonly (number | null | undefined)[]): { mean: number; sd: number; n: number } | null {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (v.length === 0) return null;
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { mean, sd, n: v.length };
}

/** The name of a run's variant: everything in its config but the learning rate and the seed. */
export function variantName(r: SweepRecord): string {
  const c = r.config;
  const parts: string[] = [c.optimizer.toUpperCase()];
  if (c.optimizer === 'egr' && c.mu !== null) parts.push(`μ=${c.mu}${c.hvp === 'finite-difference' ? ' (FD)' : ''}`);
  if (c.optimizer === 'sgd' && c.batchSize !== null) parts.push(`batch ${c.batchSize}`);
  if (c.optimizer === 'momentum' && c.beta !== null) parts.push(`β=${c.beta}`);
  parts.push(`[${c.hidden.join(',')}]`);
  return parts.join(' ');
}

interface Metric {
  key: string;
  title: string;
  axis: 'linear' | 'log';
  value: (r: SweepRecord) => number | null;
  /** Draw 2/h, the λ_max at which gradient descent loses stability, across the learning rates. */
  stabilityLine?: boolean;
}

/** The largest perturbation size in the records (robustness is plotted at it; the table has all). */
function largestSigma(records: readonly SweepRecord[]): number | null {
  const sigmas = records.flatMap((r) => r.perturbation.map((p) => p.sigma));
  return sigmas.length ? Math.max(...sigmas) : null;
}

function metrics(records: readonly SweepRecord[]): Metric[] {
  const classification = records.some((r) => r.testAccuracy !== null);
  const sigma = largestSigma(records);
  const list: Metric[] = [];
  if (classification) list.push({ key: 'testAccuracy', title: 'test accuracy', axis: 'linear', value: (r) => r.testAccuracy });
  else list.push({ key: 'testLoss', title: 'test loss', axis: 'log', value: (r) => r.testLoss });
  list.push({ key: 'rIGOverE', title: 'R_IG / E', axis: 'log', value: (r) => r.rIGOverE });
  list.push({ key: 'gradNorm', title: 'slope |∇E|', axis: 'log', value: (r) => r.gradNorm });
  if (sigma !== null) {
    const at = (r: SweepRecord) => r.perturbation.find((p) => p.sigma === sigma) ?? null;
    if (classification) {
      list.push({ key: 'robustness', title: `test-accuracy drop at σ=${sigma}`, axis: 'linear', value: (r) => at(r)?.testAccuracyDrop ?? null });
    } else {
      list.push({ key: 'robustness', title: `train-loss increase at σ=${sigma}`, axis: 'log', value: (r) => at(r)?.trainLossIncrease ?? null });
    }
  }
  if (records.some((r) => typeof r.curvature?.lambdaMax === 'number')) {
    list.push({ key: 'lambdaMax', title: 'λ_max at the end (dashed: 2/h)', axis: 'log', value: (r) => r.curvature?.lambdaMax ?? null, stabilityLine: true });
  }
  if (records.some((r) => typeof r.curvature?.trace === 'number')) {
    list.push({ key: 'trace', title: 'Hessian trace at the end (Hutchinson)', axis: 'log', value: (r) => r.curvature?.trace ?? null });
  }
  return list;
}

const MARKERS: MarkerShape[] = ['circle', 'square', 'triangle', 'diamond', 'cross'];

interface Group {
  variant: string;
  lr: number;
  runs: SweepRecord[];
}

function groups(records: readonly SweepRecord[]): { variants: string[]; byVariant: Map<string, Group[]> } {
  const byVariant = new Map<string, Map<number, SweepRecord[]>>();
  for (const r of records) {
    const v = variantName(r);
    if (!byVariant.has(v)) byVariant.set(v, new Map());
    const m = byVariant.get(v)!;
    if (!m.has(r.config.lr)) m.set(r.config.lr, []);
    m.get(r.config.lr)!.push(r);
  }
  const out = new Map<string, Group[]>();
  for (const [variant, m] of byVariant) {
    out.set(
      variant,
      [...m.entries()].sort((a, b) => a[0] - b[0]).map(([lr, runs]) => ({ variant, lr, runs })),
    );
  }
  // GD first, so EGR and the others read as "beside GD".
  const variants = [...out.keys()].sort((a, b) => Number(!a.startsWith('GD')) - Number(!b.startsWith('GD')) || a.localeCompare(b));
  return { variants, byVariant: out };
}

/** One metric against the learning rate, one series per variant (mean over seeds, ± sd bars). */
export function sweepPlot(experiment: string, records: readonly SweepRecord[], metric: Metric, id?: string): Plot {
  const ok = records.filter((r) => r.status === 'ok');
  const { variants, byVariant } = groups(ok);
  const plot = new Plot({
    title: `${experiment}: ${metric.title}`,
    x: { kind: 'log', label: 'learning rate h' },
    y: { kind: metric.axis, label: metric.title },
    id,
    width: 460,
    height: 320,
  });
  variants.forEach((variant, k) => {
    const points: [number, number][] = [];
    const bars: [number, number, number][] = [];
    for (const g of byVariant.get(variant)!) {
      const s = meanSd(g.runs.map(metric.value));
      if (!s) continue;
      points.push([g.lr, s.mean]);
      if (s.n > 1) bars.push([g.lr, s.mean - s.sd, s.mean + s.sd]);
    }
    plot.add({ name: variant, points, bars, color: ORDER_COLORS[k % ORDER_COLORS.length]!, marker: MARKERS[k % MARKERS.length], kind: 'metric' });
  });
  if (metric.stabilityLine) {
    const lrs = [...new Set(ok.map((r) => r.config.lr))].sort((a, b) => a - b);
    if (lrs.length > 0) {
      const points = (lrs.length > 1 ? lrs : [lrs[0]! / 1.5, lrs[0]! * 1.5]).map((h) => [h, 2 / h] as [number, number]);
      plot.add({ name: '2/h (GD stability limit)', points, color: '#555', dash: '6,4', width: 1, kind: 'stability' });
    }
  }
  return plot;
}

function meanSdCell(values: readonly (number | null)[]): Cell {
  const s = meanSd(values);
  if (!s) return null;
  return { html: `${escapeXml(formatNumber(s.mean))}${s.n > 1 ? ` ± ${escapeXml(formatNumber(s.sd, 2))}` : ''}`, className: 'num' };
}

function experimentTable(experiment: string, records: readonly SweepRecord[]): string {
  const ok = records.filter((r) => r.status === 'ok');
  const { variants, byVariant } = groups(ok);
  const sigmas = [...new Set(ok.flatMap((r) => r.perturbation.map((p) => p.sigma)))].sort((a, b) => a - b);
  const classification = ok.some((r) => r.testAccuracy !== null);
  const curvature = ok.some((r) => r.curvature !== undefined && r.curvature !== null);
  const headers = [
    'variant',
    'h',
    'seeds',
    'steps',
    'train loss',
    classification ? 'test accuracy' : 'test loss',
    'R_IG/E',
    '|∇E|',
    ...sigmas.flatMap((s) => [`ΔE train σ=${s}`, ...(classification ? [`acc drop σ=${s}`] : [])]),
    ...(curvature ? ['λ_max', 'h·λ_max/2', 'trace ± stderr'] : []),
  ];
  const rows: Cell[][] = [];
  for (const v of variants) {
    for (const g of byVariant.get(v)!) {
      const at = (r: SweepRecord, s: number) => r.perturbation.find((p) => p.sigma === s);
      rows.push([
        v,
        formatNumber(g.lr),
        String(g.runs.length),
        meanSdCell(g.runs.map((r) => r.steps)),
        meanSdCell(g.runs.map((r) => r.trainLoss)),
        meanSdCell(g.runs.map((r) => (classification ? r.testAccuracy : r.testLoss))),
        meanSdCell(g.runs.map((r) => r.rIGOverE)),
        meanSdCell(g.runs.map((r) => r.gradNorm)),
        ...sigmas.flatMap((s) => [
          meanSdCell(g.runs.map((r) => at(r, s)?.trainLossIncrease ?? null)),
          ...(classification ? [meanSdCell(g.runs.map((r) => at(r, s)?.testAccuracyDrop ?? null))] : []),
        ]),
        ...(curvature
          ? [
              meanSdCell(g.runs.map((r) => r.curvature?.lambdaMax ?? null)),
              meanSdCell(g.runs.map((r) => (typeof r.curvature?.lambdaMax === 'number' ? (g.lr * r.curvature.lambdaMax) / 2 : null))),
              meanSdCell(g.runs.map((r) => r.curvature?.trace ?? null)),
            ]
          : []),
      ]);
    }
  }
  return table(`${experiment}: mean ± sd over seeds`, headers, rows);
}

function failuresTable(records: readonly SweepRecord[]): string {
  const bad = records.filter((r) => r.status !== 'ok');
  if (bad.length === 0) return '';
  return table(
    'Runs that did not finish (not in the plots)',
    ['id', 'variant', 'h', 'seed', 'status', 'detail'],
    bad.map((r) => [
      String(r.id),
      variantName(r),
      formatNumber(r.config.lr),
      String(r.config.seed),
      r.status,
      r.status === 'diverged' && r.diverged ? `at step ${r.diverged.step} (${r.diverged.reason})` : (r.error ?? ''),
    ]),
  );
}

/** The report page as a string (no file access). */
/**
 * h·λ_max/2 against the step for the runs that recorded sharpness along training
 * (`--sharpness-every N`), one series per run, with GD's stability limit h·λ_max/2 = 1
 * (λ_max = 2/h); null when no run of `records` has two or more finite measurements.
 */
export function sharpnessPlot(experiment: string, records: readonly SweepRecord[], id?: string): Plot | null {
  const runs = records
    .map((r) => ({ r, points: (r.sharpness ?? []).filter((m) => m.lambdaMax !== null).map((m) => [m.step, (r.config.lr * m.lambdaMax!) / 2] as [number, number]) }))
    .filter((x) => x.points.length >= 2);
  if (runs.length === 0) return null;
  const plot = new Plot({
    title: `${experiment}: sharpness along training`,
    x: { kind: 'linear', label: 'step' },
    y: { kind: 'linear', label: 'h·λ_max/2 (1 = GD stability limit)' },
    id,
    width: 460,
    height: 320,
  });
  runs.forEach(({ r, points }, k) => {
    const name = `${variantName(r)}, h = ${r.config.lr}, seed ${r.config.seed}${r.status === 'diverged' ? ' (diverged)' : ''}`;
    plot.add({ name, points, color: ORDER_COLORS[k % ORDER_COLORS.length]!, kind: 'metric' });
  });
  const last = Math.max(...runs.map(({ points }) => points.at(-1)![0]));
  plot.add({ name: 'λ_max = 2/h (GD stability limit)', points: [[0, 1], [Math.max(last, 1), 1]], color: '#555', dash: '6,4', width: 1, kind: 'stability' });
  return plot;
}

export function renderSweepReport(records: readonly SweepRecord[], opts: SweepReportOptions): string {
  const experiments = [...new Set(records.map((r) => r.config.experiment))];
  const sections = experiments.map((experiment, i) => {
    const rs = records.filter((r) => r.config.experiment === experiment);
    const c = rs[0]!.config;
    const finished = rs.filter((r) => r.status === 'ok');
    const ms = finished.length > 0 ? metrics(finished) : [];
    const figures = ms.map((m) => {
      try {
        return `<figure>${sweepPlot(experiment, rs, m, `experiment-${i}-${m.key}`).toSvg()}</figure>`;
      } catch (error) {
        // A metric with no drawable value (e.g. all null, or none positive on a log axis): say so.
        if (error instanceof PlotError) return `<p class="note">${escapeXml(m.title)}: nothing to plot (${escapeXml(error.message)}).</p>`;
        throw error;
      }
    });
    const sharpness = sharpnessPlot(experiment, rs, `experiment-${i}-sharpness`);
    if (sharpness) figures.push(`<figure>${sharpness.toSvg()}</figure>`);
    const stop =
      c.stop.kind === 'loss'
        ? `until train loss ≤ ${c.stop.target} (at most ${c.stop.maxSteps} steps)`
        : c.stop.kind === 'time'
          ? `for time T = h·steps = ${c.stop.T}`
          : `for ${c.stop.steps} steps`;
    return [
      `<section class="experiment" id="experiment-${i}" data-experiment="${escapeXml(experiment)}">`,
      `<h2>Experiment ${escapeXml(experiment)} <span class="meta">(${rs.length} runs)</span></h2>`,
      `<p class="meta">Data ${escapeXml(c.data)} (${c.train} train, ${c.test} test${c.data === 'mnist' && c.pool ? ', pooled 14×14' : ''}), ${escapeXml(c.activation)} MLP, trained ${escapeXml(stop)}. Points: mean over seeds; bars: ± one standard deviation.</p>`,
      ms.length ? `<div class="plots">${figures.join('\n')}</div>` : '<p class="note">No run of this experiment finished: nothing to plot.</p>',
      `<details open><summary>Tables behind the plots</summary>${experimentTable(experiment, rs)}${failuresTable(rs)}</details>`,
      '</section>',
    ].join('\n');
  });
  return page({
    title: 'igr sweep: implicit gradient regularization in neural networks',
    command: opts.command,
    generated: (opts.generated ?? new Date()).toISOString(),
    intro: `<p>${records.length} runs. Gradient descent with learning rate h implicitly adds λ R_IG, λ = h m / 4, to the loss (R_IG = |∇E|²/m): larger h should give a smaller slope |∇E| and R_IG/E, and flatter, more perturbation-robust solutions.</p>`,
    sections: records.length ? sections : ['<p class="note">The sweep produced no records.</p>'],
  });
}
