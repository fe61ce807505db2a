/**
 * The HTML report of `igr verify --report DIR`: per problem, global and local error against h
 * on log-log axes (one series per order, the fitted slope drawn and labelled, the reference
 * integrator's error bound as a band, round-off points hollow and excluded from the fit), a
 * phase portrait for two-parameter problems, and the tables behind every plot. Reports of
 * `igr verify --optimizer sgd|momentum|rk:<name>` are shown the same way, with the optimiser's
 * parameters in the heading, one series per compared flow, and that optimiser's iterates in the
 * portrait (./optimizer.ts).
 */
import type { ScalarFn } from '../autodiff/index.js';
import { problems, type VerificationReport, type SlopeFit } from '../igr/index.js';
import { sgdProblems } from '../igr/optimizers/index.js';
import { formatNumber, page, table, type Cell } from './html.js';
import { describeOptimizer, optimizerOf, optimizerPortrait, stepName } from './optimizer.js';
import { phasePortrait, suggestPhaseSettings } from './phase.js';
import { Plot, PlotError, decadeLabel, escapeXml, orderColor } from './svg.js';

/** A loss the report can evaluate for a problem's phase portrait (built-in problems are found by name). */
export interface ReportLoss {
  loss: ScalarFn;
  description?: string;
  /** Axis labels of a two-parameter loss (e.g. the variable names of an expression). */
  labels?: [string, string];
}

export interface VerificationReportOptions {
  /** The command line that produced the reports, shown on the page. */
  command: string;
  /** Losses by problem name, for problems outside the built-in list (e.g. `igr verify --loss`). */
  losses?: Record<string, ReportLoss>;
  /** Phase-portrait settings; default: the smallest and the largest non-diverged h of the ladder, over [0, T]. */
  phase?: { hSmall?: number; hModerate?: number; T?: number };
  /** Time stamp shown on the page (default now; tests fix it). */
  generated?: Date;
}

type Kind = 'global' | 'local';

function fitLine(fit: SlopeFit, hs: readonly number[]): [number, number][] {
  // intercept is in natural logs: log e = intercept + slope · log h.
  return hs.map((h) => [h, Math.exp(fit.intercept + fit.slope * Math.log(h))]);
}

/** The h range a fitted line is drawn over: the points it used (or the whole ladder). */
function fitSpan(hs: readonly number[], used: readonly number[]): number[] {
  return used.length >= 2 ? [Math.min(...used), Math.max(...used)] : [Math.min(...hs), Math.max(...hs)];
}

/**
 * Decades below the smallest error the y axis reaches to show reference bounds. Fitted points sit
 * ≥ 100× (two decades) above their bound, so three show every such gap in full; a bound further
 * down (a one-step reference over a tiny h is often at round-off, ~1e-15) would squash the errors
 * into a corner, so it is marked ▾ at the bottom edge instead.
 */
const BOUND_DECADES = 3;

/**
 * Depth in pixels of the shading under each reference-bound line: a strip, not down to the axis,
 * because one order's bound may lie above another order's (smaller, still ≥ 100× larger than its
 * own bound) errors, and shading to the axis would draw those points inside a band.
 */
const BOUND_STRIP = 9;

/** Margin of a log axis beyond its data, in decades (as the plot writer's own default). */
const LOG_MARGIN = 0.2;

/** Each order's measured points, split into fitted and flagged, with its reference bounds. */
interface OrderPoints {
  fitted: [number, number][];
  flagged: [number, number][];
  bounds: [number, number][];
}

function orderPoints(report: VerificationReport, kind: Kind, p: number): OrderPoints {
  const errs = (kind === 'global' ? report.globalError : report.localError)[p] ?? [];
  const flags = report.roundoff[kind][p] ?? [];
  const refs = report.referenceBound?.[kind][p] ?? [];
  const out: OrderPoints = { fitted: [], flagged: [], bounds: [] };
  report.hs.forEach((h, i) => {
    const e = errs[i];
    if (e === null || e === undefined || !(e > 0)) return;
    (flags[i] ? out.flagged : out.fitted).push([h, e]);
    const b = refs[i];
    if (b !== null && b !== undefined && b > 0 && Number.isFinite(b)) out.bounds.push([h, b]);
  });
  return out;
}

/**
 * The y domain of an error plot: every error and fitted line, and the reference bounds down to
 * {@link BOUND_DECADES} below the smallest error; `undefined` when there is nothing to draw (the
 * plot writer then says so).
 */
function errorDomain(report: VerificationReport, kind: Kind, points: Map<number, OrderPoints>): [number, number] | undefined {
  const fits = kind === 'global' ? report.globalSlope : report.localSlope;
  const values: number[] = [];
  const bounds: number[] = [];
  for (const [p, pts] of points) {
    for (const [, e] of [...pts.fitted, ...pts.flagged]) values.push(e);
    for (const [, b] of pts.bounds) bounds.push(b);
    const fit = fits[p];
    if (fit) for (const [, e] of fitLine(fit, fitSpan(report.hs, pts.fitted.map(([h]) => h)))) if (e > 0 && Number.isFinite(e)) values.push(e);
  }
  if (values.length === 0) return undefined;
  const lo = Math.min(...values);
  const hi = Math.max(...values, ...bounds);
  const bottom = Math.min(lo, Math.max(Math.min(...bounds, lo), lo / 10 ** BOUND_DECADES));
  return [bottom / 10 ** LOG_MARGIN, hi * 10 ** LOG_MARGIN];
}

/** The log-log plot of one kind of error (global or local) against h, one series per order. */
export function errorPlot(report: VerificationReport, kind: Kind, id?: string): Plot {
  const fits = kind === 'global' ? report.globalSlope : report.localSlope;
  const o = optimizerOf(report);
  const points = new Map(report.orders.map((p) => [p, orderPoints(report, kind, p)]));
  const domain = errorDomain(report, kind, points);
  const yLabel =
    o?.name === 'sgd'
      ? `‖mean θ − flow‖ after ${kind === 'global' ? `${o.epochs} epoch${o.epochs === 1 ? '' : 's'}` : '1 epoch'}`
      : kind === 'global'
        ? `‖θ_n − θ_p(T)‖, T = ${report.T}`
        : '‖θ_1 − φ_p,h(θ_0)‖ (one step)';
  const plot = new Plot({
    title: `${report.problem}: ${kind} error vs ${o?.name === 'sgd' ? 'ε' : 'h'}`,
    x: { kind: 'log', label: stepName(o) },
    y: { kind: 'log', label: yLabel, ...(domain && { domain }) },
    id,
  });
  for (const p of report.orders) {
    const { fitted, flagged } = points.get(p)!;
    const fit = fits[p];
    const legendName = fit ? `p=${p}: slope ${fit.slope.toFixed(2)} (expect ${fit.expected})` : `p=${p}: no fit`;
    plot.add({ name: legendName, points: fitted, color: orderColor(p), marker: 'circle', line: false, kind: 'error' });
    if (flagged.length > 0) {
      plot.add({ name: `p=${p} round-off (not fitted)`, points: flagged, color: orderColor(p), marker: 'circle', hollow: true, line: false, kind: 'roundoff' });
    }
    if (fit) {
      plot.add({
        name: `p=${p} fit`,
        points: fitLine(fit, fitSpan(report.hs, fitted.map(([h]) => h))),
        color: orderColor(p),
        dash: '6 3',
        width: 1.3,
        legend: false,
        kind: 'fit',
        label: `slope ${fit.slope.toFixed(2)}`,
      });
    }
  }
  // Per order, the error bound of the reference each point was measured against: the reference is
  // refined per point, so a small error has its own, smaller bound, and every fitted point sits
  // ≥ 100× above its own shading (one band at the largest bound would wrongly swallow them).
  for (const p of report.orders) {
    const { bounds } = points.get(p)!;
    if (bounds.length === 0) continue;
    plot.add({ name: `p=${p} reference bound`, points: bounds, color: orderColor(p), dash: '2 2', width: 1.2, fillBelow: { opacity: 0.2, depth: BOUND_STRIP }, behind: true, kind: 'reference' });
  }
  // A bound too small for the axis (see BOUND_DECADES): ▾ with its tip just inside the bottom edge
  // (the marker reaches 1.2 × its 3.5 px radius below its centre), each order 7 px to the side of
  // the next so that several at one h stay distinguishable.
  report.orders.forEach((p, j) => {
    const below = domain ? points.get(p)!.bounds.filter(([, b]) => b < domain[0]) : [];
    if (below.length === 0) return;
    const { x, y } = plot.scales(); // not before: a plot with nothing to draw has no scales
    const edge = y.invert(y.range[0] - 6);
    const shift = (j - (report.orders.length - 1) / 2) * 7;
    plot.add({
      name: `p=${p} reference bound below the axis`,
      points: below.map(([h]) => [x.invert(x.map(h) + shift), edge]),
      color: orderColor(p),
      marker: 'triangle-down',
      line: false,
      legend: false,
      kind: 'reference-below',
    });
  });
  const who = o === null ? 'GD' : o.name === 'rk' ? `rk:${o.tableau}` : o.name === 'momentum' ? 'heavy ball' : 'SGD';
  for (const d of report.diverged) plot.note(`${who} diverged at h = ${d.h} (step ${d.step}): no error measured there`);
  return plot;
}

/**
 * The smallest ratio, over the fitted points of one plot, of a point's error to its own reference
 * bound (how far the filled markers sit above their shading); `null` without bounds.
 */
export function boundMargin(report: VerificationReport, kind: Kind): number | null {
  let margin: number | null = null;
  for (const p of report.orders) {
    const errs = (kind === 'global' ? report.globalError : report.localError)[p] ?? [];
    report.hs.forEach((_, i) => {
      const e = errs[i];
      const b = report.referenceBound?.[kind][p]?.[i];
      if (report.roundoff[kind][p]?.[i] || e === null || e === undefined || b === null || b === undefined || !(b > 0)) return;
      margin = Math.min(margin ?? Infinity, e / b);
    });
  }
  return margin;
}

const METHOD_NAMES: Record<string, string> = { dop853: 'DOP853', rk4: 'RK4', dormandPrince54: 'Dormand–Prince 5(4)', 'dop853-adaptive': 'adaptive DOP853' };

/** ` (global points: DOP853 ×15, …; local: RK4 ×15; … field evaluations)`, or '' for a report without the summary. */
function referenceMethods(report: VerificationReport): string {
  const r = report.reference;
  if (r === undefined) return '';
  const counts = (used: Record<string, number>): string => Object.entries(used).map(([m, n]) => `${METHOD_NAMES[m] ?? m} ×${n}`).join(', ') || 'none';
  const e = r.evaluations;
  return ` (global points: ${counts(r.global)}, ${r.crossCheck.points} of them cross-checked by ${METHOD_NAMES[r.crossCheck.method] ?? r.crossCheck.method}; local points: ${counts(r.local)}; ${e.global + e.local + e.crossCheck} field evaluations of the modified flows)`;
}

/** The caption's sentence on the shading of one error plot. */
function boundCaption(report: VerificationReport, kind: Kind, plot: Plot): string {
  if (!report.referenceBound) return ' No per-point reference bound in this report.';
  const margin = boundMargin(report, kind);
  const below = plot.series.some((s) => s.kind === 'reference-below');
  return ` Shaded in each order's colour, up to a dotted line: the reference integrator's error bound for each point${
    margin === null ? '' : ` (every filled marker sits ≥ ${margin < 1000 ? Math.floor(margin) : decadeLabel(Math.floor(Math.log10(margin)))}× above its own)`
  }${below ? '; ▾ at the bottom edge: a bound below the axis' : ''}.`;
}

function errorTable(report: VerificationReport, kind: Kind): string {
  const errors = kind === 'global' ? report.globalError : report.localError;
  const roundoff = report.roundoff[kind];
  const diverged = new Map(report.diverged.map((d) => [d.h, d.step]));
  const rows = report.hs.map((h, i) => {
    const cells: Cell[] = [formatNumber(h), String(report.steps[i] ?? '')];
    for (const p of report.orders) {
      const e = errors[p]?.[i] ?? null;
      if (e === null) {
        const step = diverged.get(h);
        cells.push({ html: step !== undefined ? `diverged at step ${step}` : '—', className: 'roundoff' });
      } else if (roundoff[p]?.[i]) {
        cells.push({ html: `${escapeXml(formatNumber(e))} (round-off)`, className: 'roundoff' });
      } else {
        cells.push(e);
      }
    }
    return cells;
  });
  return table(`${kind === 'global' ? 'Global' : 'Local'} error`, ['h', 'steps n', ...report.orders.map((p) => `p=${p}`)], rows);
}

/** The reference bound of each point of one kind (the shading of its plot); empty without bounds. */
function boundTable(report: VerificationReport, kind: Kind): string {
  const bounds = report.referenceBound?.[kind];
  if (!bounds) return '';
  const rows = report.hs.map((h, i) => [formatNumber(h), ...report.orders.map((p): Cell => bounds[p]?.[i] ?? { html: '—', className: 'roundoff' })]);
  const used = report.reference?.[kind];
  const which = used === undefined ? '' : ` (${Object.entries(used).map(([m, n]) => `${METHOD_NAMES[m] ?? m} at ${n} point${n === 1 ? '' : 's'}`).join(', ')})`;
  return table(`${kind === 'global' ? 'Global' : 'Local'} error: the reference integrator's error bound at each point${which}`, ['h', ...report.orders.map((p) => `p=${p}`)], rows);
}

function slopeTable(report: VerificationReport): string {
  const o = optimizerOf(report);
  const verdict = (f: SlopeFit | null | undefined): Cell =>
    f ? { html: f.pass ? 'PASS' : 'FAIL', className: f.pass ? 'pass' : 'fail' } : { html: 'no fit', className: 'fail' };
  const rows = report.orders.map((p) => {
    const g = report.globalSlope[p];
    const l = report.localSlope[p];
    return [
      `p=${p}`,
      g ? g.slope : null,
      g ? g.expected : o === null ? p : null,
      g ? g.r2 : null,
      g ? String(g.used) : '0',
      verdict(g),
      l ? l.slope : null,
      l ? l.expected : o === null ? p + 1 : null,
      l ? l.r2 : null,
      l ? String(l.used) : '0',
      verdict(l),
    ] as Cell[];
  });
  return table(
    'Fitted slopes of log error against log h (round-off points excluded)',
    ['order', 'global slope', 'expected', 'R²', 'points', '', 'local slope', 'expected', 'R²', 'points', ''],
    rows,
  );
}

/** What an error plot compares, by optimiser (the caption under it). */
function errorCaption(report: VerificationReport, kind: Kind): string {
  const o = optimizerOf(report);
  if (o === null) {
    return kind === 'global'
      ? 'GD after n = T/h steps against the order-p modified flow at time T; expected slope p.'
      : 'One GD step against the order-p flow over time h; expected slope p + 1.';
  }
  const expected = (fits: Record<number, SlopeFit | null>): string => report.orders.map((p) => `${fits[p]?.expected ?? '?'} (p=${p})`).join(', ');
  switch (o.name) {
    case 'rk':
      return kind === 'global'
        ? `rk:${o.tableau} after n = T/h steps against the truncation after f_p at time T; expected slope max(p, ${o.order}): ${expected(report.globalSlope)}.`
        : `One rk:${o.tableau} step against the truncation after f_p over time h; expected slope max(p, ${o.order}) + 1: ${expected(report.localSlope)}.`;
    case 'momentum':
      return kind === 'global'
        ? `Heavy-ball iterate after n = T/h steps against each flow at time T; expected slopes ${expected(report.globalSlope)}.`
        : `One heavy-ball step with its history on the flow (θ₋₁ = y(−h)) against the flow over time h; expected slopes ${expected(report.localSlope)}.`;
    case 'sgd':
      return kind === 'global'
        ? `Mean SGD iterate over minibatch orders after ${o.epochs} epoch${o.epochs === 1 ? '' : 's'} (time ${o.epochs}·${o.batches}ε) against each flow; expected slopes ${expected(report.globalSlope)}.`
        : `Mean SGD iterate after one epoch (time ${o.batches}ε) against each flow; expected slopes ${expected(report.localSlope)}.`;
  }
}

function problemSection(report: VerificationReport, index: number, opts: VerificationReportOptions): string {
  const o = optimizerOf(report);
  // SGD's problems are a list of their own (with data); their names may repeat GD's ('mlp').
  const builtIn = o?.name === 'sgd' ? sgdProblems.find((p) => p.name === report.problem) : problems.find((p) => p.name === report.problem);
  const custom = opts.losses?.[report.problem];
  const loss = custom?.loss ?? (builtIn && 'loss' in builtIn ? builtIn.loss : undefined);
  const description = custom?.description ?? builtIn?.description ?? '';
  const parts: string[] = [];
  const anchor = `problem-${index}`;
  parts.push(`<section class="problem" id="${anchor}" data-problem="${escapeXml(report.problem)}">`);
  parts.push(
    `<h2>${escapeXml(report.problem)}${o === null ? '' : ` — ${escapeXml(o.name === 'rk' ? `rk:${o.tableau}` : o.name)}`} <span class="meta">(${report.dimension} parameters, ${report.pass ? 'all slopes within tolerance' : 'some slope outside tolerance'})</span></h2>`,
  );
  if (description) parts.push(`<p>${escapeXml(description)}</p>`);
  if (o !== null) {
    const flows = (report as VerificationReport & { flows?: Record<number, string> }).flows ?? {};
    parts.push(`<p class="optimizer">Optimizer: ${escapeXml(describeOptimizer(o))}. Compared flows:</p>`);
    parts.push(`<ul class="flows">${report.orders.map((p) => `<li>p=${p}: ${escapeXml(flows[p] ?? '')}</li>`).join('')}</ul>`);
  }
  parts.push(
    `<p class="meta">θ₀ = (${report.theta0.slice(0, 8).map((v) => formatNumber(v)).join(', ')}${report.theta0.length > 8 ? ', …' : ''}), T = ${report.T}, orders ${report.orders.join(', ')}, ${report.seconds.toFixed(2)} s.</p>`,
  );
  const figures: string[] = [];
  const notes: string[] = [];
  let phaseTable = '';
  for (const kind of ['global', 'local'] as const) {
    const plot = errorPlot(report, kind, `${anchor}-${kind}`);
    notes.push(...plot.notes);
    let svg: string;
    try {
      svg = plot.toSvg();
    } catch (error) {
      // Every point diverged or is zero: nothing on a log axis. Say so instead of an empty frame.
      if (!(error instanceof PlotError)) throw error;
      notes.push(`${kind} error: nothing to plot (${error.message})`);
      continue;
    }
    figures.push(
      `<figure>${svg}<figcaption>${escapeXml(errorCaption(report, kind) + boundCaption(report, kind, plot))} Hollow markers: at the round-off / reference floor, not fitted.</figcaption></figure>`,
    );
  }
  if (o?.name === 'sgd') {
    notes.push(`No phase portrait: SGD's problems have ${report.dimension} parameters and data split into minibatches, not a two-parameter loss.`);
  } else if (o !== null) {
    const portrait = report.dimension === 2 && loss ? optimizerPortrait(loss, report, { id: `${anchor}-phase`, labels: custom?.labels }) : null;
    if (portrait !== null) {
      notes.push(...portrait.notes);
      figures.push(`<figure>${portrait.svg}<figcaption>${escapeXml(portrait.caption)}</figcaption></figure>`);
      phaseTable = table(`Phase portrait: distance between the iterates (h = ${portrait.h}, n = ${portrait.steps} steps) and each flow at the same times`, ['flow', '‖θ_n − θ_p(n h)‖', 'max_k ‖θ_k − θ_p(k h)‖', 'note'], portrait.rows);
    } else if (report.dimension !== 2) {
      notes.push(`No phase portrait: the problem has ${report.dimension} parameters (portraits are drawn for two).`);
    }
  } else if (report.dimension === 2 && loss) {
    const ok = report.hs.filter((h) => !report.diverged.some((d) => d.h === h));
    if (ok.length >= 1) {
      // Settings scaled to the curvature at θ0 (the ladder of the verification is often too
      // small to show GD leaving the gradient flow); the ladder is the fallback.
      const suggested = suggestPhaseSettings(loss, report.theta0);
      const hModerate = opts.phase?.hModerate ?? suggested?.hModerate ?? Math.max(...ok);
      const hSmall = opts.phase?.hSmall ?? suggested?.hSmall ?? Math.min(...ok);
      const T = opts.phase?.T ?? suggested?.T ?? report.T;
      const portrait = phasePortrait(loss, report.theta0, {
        hSmall,
        hModerate,
        T,
        orders: [1, 2, 3],
        labels: custom?.labels,
        id: `${anchor}-phase`,
        title: `${report.problem}: phase portrait`,
      });
      notes.push(...portrait.notes);
      figures.push(
        `<figure>${portrait.svg}<figcaption>Loss contours; GD at h = ${hSmall} (dots) and h = ${hModerate} (squares) over [0, ${T}]; from the same start the gradient flow and the order-2 (IGR) and order-3 modified flows of h = ${hModerate} (RK4, 8 substeps per step).${suggested && opts.phase?.hModerate === undefined ? ' The moderate h is 0.5/|λ|max of the Hessian at θ₀ (a quarter of GD\'s stability limit there), the small one an eighth of it.' : ''}</figcaption></figure>`,
      );
      const rows = portrait.moderate.flows.map((f) => [`p=${f.order}`, f.distance, f.diverged ? f.diverged.message : ''] as Cell[]);
      phaseTable = table(`Phase portrait: distance between GD (h = ${hModerate}, n = ${portrait.moderate.steps}) and each flow at T`, ['flow', '‖θ_n − θ_p(T)‖', 'note'], rows);
    }
  }
  parts.push(`<div class="plots">${figures.join('\n')}</div>`);
  for (const n of new Set(notes)) parts.push(`<p class="note">${escapeXml(n)}</p>`);
  parts.push(slopeTable(report));
  const rb = report.referenceErrorBound;
  const np = report.nonGradientPart;
  parts.push(
    `<p>Reference integrator${escapeXml(referenceMethods(report))}: Richardson estimate ${escapeXml(formatNumber(rb.richardson))}, distance to the adaptive cross-check ${escapeXml(formatNumber(rb.dormandPrince))}, ratio to the smallest fitted error ${escapeXml(formatNumber(rb.ratioToSmallestError))}.${
      np.samples > 0 ? ` Non-gradient part of f₃ at θ₀: ${escapeXml(formatNumber(np.order3))} (${np.samples} random pairs).` : ''
    }</p>`,
  );
  parts.push(`<details open><summary>Tables behind the plots</summary>${errorTable(report, 'global')}${errorTable(report, 'local')}${boundTable(report, 'global')}${boundTable(report, 'local')}${phaseTable}</details>`);
  parts.push('</section>');
  return parts.join('\n');
}

/** The report page as a string (no file access). */
export function renderVerificationReport(reports: readonly VerificationReport[], opts: VerificationReportOptions): string {
  const optimizers = reports.map(optimizerOf);
  const anyOptimizer = optimizers.some((o) => o !== null);
  const summary = table(
    'Summary',
    ['problem', ...(anyOptimizer ? ['optimizer'] : []), 'm', 'orders', 'global slopes', 'local slopes', 'verdict'],
    reports.map((r, i) => [
      { html: `<a href="#problem-${i}">${escapeXml(r.problem)}</a>` },
      ...(anyOptimizer ? [describeOptimizer(optimizers[i]!)] : []),
      String(r.dimension),
      r.orders.join(', '),
      r.orders.map((p) => (r.globalSlope[p] ? r.globalSlope[p]!.slope.toFixed(3) : '—')).join(', '),
      r.orders.map((p) => (r.localSlope[p] ? r.localSlope[p]!.slope.toFixed(3) : '—')).join(', '),
      { html: r.pass ? 'PASS' : 'FAIL', className: r.pass ? 'pass' : 'fail' },
    ]),
  );
  return page({
    title: anyOptimizer ? 'igr verify --optimizer: backward error analysis beyond gradient descent' : 'igr verify: backward error analysis of gradient descent',
    command: opts.command,
    generated: (opts.generated ?? new Date()).toISOString(),
    intro:
      (anyOptimizer
        ? '<p>Each optimiser is compared with candidate flows: its iterates after a fixed time (global) and after one step or epoch (local) against the exact flow of each, for a ladder of step sizes. Backward error analysis predicts the slope of log(error) against log(step) for each flow (stated beside it). Each plot shows the measured errors on log-log axes and the fitted slopes.</p>'
        : '<p>Gradient descent with learning rate h follows the order-p modified flow θ′ = f₁ + h f₂ + … + h<sup>p−1</sup> f<sub>p</sub> with global error O(h<sup>p</sup>) over a fixed time and local error O(h<sup>p+1</sup>) per step. Each plot shows the measured errors on log-log axes and the fitted slopes.</p>') +
      summary,
    sections: reports.map((r, i) => problemSection(r, i, opts)),
  });
}
