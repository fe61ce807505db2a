/**
 * The HTML reports of `igr verify --truncation --report DIR` and `igr verify --principal --report
 * DIR` (issue 14), as strings (browser-safe; the CLI writes them with ./write.ts):
 *
 * - truncation: per problem, the error against the order p, one line per h (colour from small to
 *   large h), the optimum of each h marked ◆, points the reference cannot certify hollow; the
 *   minimal error against 1/h on a log axis with the fitted line log(error) = a − c/h (interior
 *   optima filled, the others hollow and not fitted); the same after one step; the tables.
 * - principal: per problem, r(h) = max_k ‖θ_k − φ(kh)‖ / max_k ‖θ_k − θ_0‖ against h·λ_max(θ0),
 *   one series per flow (orders 1–3 and the principal flow), the tracking threshold drawn; the
 *   same over even steps; the table.
 */
import type { TrackingReport, TruncationOptimum, TruncationProblem, TruncationReport, TruncationSide } from '../igr/index.js';
import { formatNumber, page, table, type Cell } from './html.js';
import { Plot, PlotError, escapeXml, orderColor } from './svg.js';

/** Options of {@link renderTruncationReport}. */
export interface TruncationReportOptions {
  command: string;
  /** The problems the reports came from (their start notes and theory are shown). */
  problems?: readonly TruncationProblem[];
  generated?: Date;
}

/** Colour stops from small h (dark blue) to large h (green-yellow): a viridis-like ramp that stays legible on white. */
const RAMP = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [190, 190, 0],
] as const;

/** The ramp colour at t ∈ [0, 1]. */
export function rampColor(t: number): string {
  const x = Math.min(1, Math.max(0, t)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const f = x - i;
  const c = RAMP[i]!.map((v, k) => Math.round(v + f * (RAMP[i + 1]![k]! - v)));
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

function svgOrNote(plot: Plot, notes: string[], what: string): string | null {
  try {
    return plot.toSvg();
  } catch (error) {
    if (!(error instanceof PlotError)) throw error;
    notes.push(`${what}: nothing to plot (${error.message})`);
    return null;
  }
}

/** Error against the order p, one line per h, the optimum of each h marked. */
export function errorByOrderPlot(report: TruncationReport, side: 'global' | 'local', id?: string): Plot {
  const s = side === 'global' ? report.global : report.local;
  const n = report.steps[0]!;
  const steps = side === 'global' ? (new Set(report.steps).size === 1 ? (n === 1 ? 'one step' : `${n} steps`) : 'n = T/h steps') : 'one step';
  const plot = new Plot({
    title: `${report.problem}: error after ${steps} vs order p`,
    x: { kind: 'linear', label: 'truncation order p' },
    y: { kind: 'log', label: side === 'global' ? '‖θ_n − φ_p(nh)‖' : '‖θ_1 − φ_p(h)‖' },
    width: 560,
    id,
  });
  const hs = report.hs;
  const lo = Math.min(...hs);
  const hi = Math.max(...hs);
  hs.forEach((h, i) => {
    if (s.optimum[i] === 'diverged') {
      plot.note(`GD diverged at h = ${h}: no errors`);
      return;
    }
    const color = rampColor(hi === lo ? 0.5 : (Math.log(h) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)));
    const fitted: [number, number][] = [];
    const flagged: [number, number][] = [];
    for (let p = 1; p <= report.maxOrder; p++) {
      const e = s.error[p]?.[i];
      if (e === null || e === undefined || !(e > 0)) continue;
      (s.flagged[p]?.[i] ? flagged : fitted).push([p, e]);
    }
    const all = [...fitted, ...flagged].sort((a, b) => a[0] - b[0]);
    plot.add({ name: `h = ${formatNumber(h)}`, points: all, color, width: 1.3, kind: 'error-line' });
    if (flagged.length > 0) plot.add({ name: `h = ${formatNumber(h)} not certified`, points: flagged, color, marker: 'circle', hollow: true, line: false, legend: false, kind: 'roundoff', markerSize: 2.5 });
    const p = s.optimalOrder[i];
    const e = s.minimalError[i];
    if (p !== null && p !== undefined && e !== null && e !== undefined && e > 0) {
      plot.add({ name: `h = ${formatNumber(h)} optimum`, points: [[p, e]], color, marker: 'diamond', hollow: s.optimum[i] !== 'interior', line: false, legend: false, kind: 'optimum', markerSize: 5 });
    }
  });
  return plot;
}

/** Minimal error against 1/h, with the fitted e^(a − c/h) over the interior optima. */
export function minimalErrorPlot(report: TruncationReport, id?: string): Plot {
  const plot = new Plot({
    title: `${report.problem}: minimal error vs 1/h`,
    x: { kind: 'linear', label: '1/h' },
    y: { kind: 'log', label: 'min_p error' },
    id,
  });
  const sides: ['global' | 'local', TruncationSide, string, string][] = [
    ['global', report.global, orderColor(1), new Set(report.steps).size === 1 ? (report.steps[0] === 1 ? 'after one step' : `after ${report.steps[0]} steps`) : 'after n steps'],
    ['local', report.local, orderColor(2), 'after one step'],
  ];
  for (const [kind, s, color, label] of sides) {
    if (kind === 'local' && report.steps.every((n) => n === 1)) continue; // the same measurement
    const interior: [number, number][] = [];
    const other: [number, number][] = [];
    report.hs.forEach((h, i) => {
      const e = s.minimalError[i];
      if (e === null || e === undefined || !(e > 0)) return;
      (s.optimum[i] === 'interior' ? interior : other).push([1 / h, e]);
    });
    const f = s.exponentialFit;
    plot.add({ name: f ? `${label}: c = ${f.c.toFixed(2)}, R² ${f.r2.toFixed(3)} (${f.points} h)` : `${label}: no fit`, points: interior, color, marker: 'circle', line: false, kind: 'minimum' });
    if (other.length > 0) plot.add({ name: `${label}: not fitted (optimum not interior)`, points: other, color, marker: 'circle', hollow: true, line: false, kind: 'roundoff' });
    if (f) {
      const xs = f.hs.map((h) => 1 / h);
      const x0 = Math.min(...xs);
      const x1 = Math.max(...xs);
      plot.add({ name: `${label} fit`, points: [[x0, Math.exp(f.intercept - f.c * x0)], [x1, Math.exp(f.intercept - f.c * x1)]], color, dash: '6 3', width: 1.3, legend: false, kind: 'fit', label: `c = ${f.c.toFixed(2)}` });
    }
  }
  return plot;
}

const OPTIMUM_TEXT: Record<TruncationOptimum, string> = {
  interior: 'interior (fitted)',
  'at-max-order': 'at p = P (may lie beyond)',
  'before-blowup': 'next order blows up',
  'round-off': 'on the round-off floor',
  unresolved: 'reference cannot certify',
  diverged: 'GD diverged',
};

function optimumTable(report: TruncationReport): string {
  const both = !report.steps.every((n) => n === 1);
  const cells = (s: TruncationSide, i: number): Cell[] => {
    const p = s.optimalOrder[i];
    const bound = p === null || p === undefined ? null : (s.bound[p]?.[i] ?? null);
    return [p === null || p === undefined ? '—' : String(p), s.minimalError[i] ?? null, bound, s.floor[i] ?? null, { html: escapeXml(OPTIMUM_TEXT[s.optimum[i]!] ?? '') }];
  };
  const head = ['h', '1/h', 'steps', 'p*', 'min error', 'its bound', 'round-off floor', 'optimum'];
  const rows = report.hs.map((h, i) => [formatNumber(h), 1 / h, String(report.steps[i]), ...cells(report.global, i), ...(both ? cells(report.local, i) : [])]);
  return table(
    both ? 'Optimal order and minimal error per h: after n steps, then after one step' : 'Optimal order and minimal error per h (one step)',
    both ? [...head, 'p* (1 step)', 'min error', 'its bound', 'floor', 'optimum'] : head,
    rows,
  );
}

function errorMatrix(report: TruncationReport, side: 'global' | 'local'): string {
  const s = side === 'global' ? report.global : report.local;
  const rows = report.hs.map((h, i) => [
    formatNumber(h),
    ...Array.from({ length: report.maxOrder }, (_, k): Cell => {
      const e = s.error[k + 1]?.[i] ?? null;
      if (e === null) return { html: '—', className: 'roundoff' };
      const opt = s.optimalOrder[i] === k + 1;
      const text = `${escapeXml(formatNumber(e, 3))}${s.flagged[k + 1]?.[i] ? '*' : ''}`;
      return { html: opt ? `<b>${text}</b>` : text, className: s.flagged[k + 1]?.[i] ? 'roundoff' : 'num' };
    }),
  ]);
  return table(`Error ${side === 'global' ? 'after n steps' : 'after one step'} per h (rows) and order p (columns); bold: the optimum; * not certified (round-off or reference); —: the flow blew up`, ['h', ...Array.from({ length: report.maxOrder }, (_, k) => `p=${k + 1}`)], rows);
}

function truncationSection(report: TruncationReport, index: number, problem: TruncationProblem | undefined): string {
  const anchor = `truncation-${index}`;
  const parts: string[] = [`<section class="problem" id="${anchor}" data-problem="${escapeXml(report.problem)}">`];
  parts.push(`<h2>${escapeXml(report.problem)} <span class="meta">(${report.dimension} parameter${report.dimension === 1 ? '' : 's'}, orders 1..${report.maxOrder} from ${report.terms})</span></h2>`);
  if (problem?.description) parts.push(`<p>${escapeXml(problem.description)}</p>`);
  if (problem?.startNote) parts.push(`<p class="meta">Start: ${escapeXml(problem.startNote)}.</p>`);
  parts.push(`<p class="meta">θ₀ = (${report.theta0.slice(0, 8).map((v) => formatNumber(v)).join(', ')}${report.theta0.length > 8 ? ', …' : ''}), steps n = ${[...new Set(report.steps)].join(', ')}, reference factor ${report.referenceFactor}, ${report.evaluations} field evaluations, ${report.seconds.toFixed(1)} s.</p>`);
  const notes: string[] = [];
  const figures: string[] = [];
  const sides: ('global' | 'local')[] = report.steps.every((n) => n === 1) ? ['global'] : ['global', 'local'];
  for (const side of sides) {
    const plot = errorByOrderPlot(report, side, `${anchor}-${side}`);
    notes.push(...plot.notes);
    const svg = svgOrNote(plot, notes, `${side} errors`);
    if (svg) figures.push(`<figure>${svg}<figcaption>${escapeXml(`Distance of gradient descent ${side === 'global' ? 'after n steps' : 'after one step'} from the order-p truncated flow, one line per h (dark: small h, light: large h). ◆ the smallest error of each h (hollow when it is not an interior optimum: at p = P, before a flow that blows up, or not certified); hollow dots: points whose reference bound is not ${report.referenceFactor}× below them or that sit on the round-off floor.`)}</figcaption></figure>`);
  }
  const minPlot = minimalErrorPlot(report, `${anchor}-minimum`);
  const svg = svgOrNote(minPlot, notes, 'minimal errors');
  if (svg) {
    const theory = problem?.theory ? ` Theory: c = ${problem.theory.c.toFixed(3)} (${problem.theory.reason}).` : '';
    figures.push(`<figure>${svg}<figcaption>${escapeXml(`The minimal error over p against 1/h on a log scale: the exponentially small regime is a straight line, log(error) = a − c/h, fitted by least squares over the interior optima (filled).${theory}`)}</figcaption></figure>`);
  }
  parts.push(`<div class="plots">${figures.join('\n')}</div>`);
  for (const n of new Set(notes)) parts.push(`<p class="note">${escapeXml(n)}</p>`);
  const fitRow = (label: string, s: Pick<TruncationSide, 'exponentialFit' | 'orderFit'>): Cell[] => [
    label,
    s.exponentialFit?.c ?? null,
    s.exponentialFit?.intercept ?? null,
    s.exponentialFit?.r2 ?? null,
    String(s.exponentialFit?.points ?? 0),
    s.orderFit?.slope ?? null,
    s.orderFit?.intercept ?? null,
    s.orderFit?.r2 ?? null,
  ];
  parts.push(
    table(
      'Fits over the interior optima: log(min error) = a − c/h and p* = c′/h + b (envelope: the best window of three consecutive orders, max(e_{p−1}, e_p, e_{p+1}))',
      ['comparison', 'c', 'a', 'R²', 'points', 'c′', 'b', 'R² (p*)'],
      sides.flatMap((side) => {
        const s = side === 'global' ? report.global : report.local;
        const label = side === 'global' && sides.length === 2 ? 'after n steps' : 'after one step';
        return [fitRow(label, s), fitRow(`${label}, envelope`, s.envelope)];
      }),
    ),
  );
  parts.push(optimumTable(report));
  parts.push(`<details><summary>Every error (the table behind the plots)</summary>${sides.map((side) => errorMatrix(report, side)).join('')}</details>`);
  parts.push('</section>');
  return parts.join('\n');
}

/** The page of `igr verify --truncation --report DIR`. */
export function renderTruncationReport(reports: readonly TruncationReport[], opts: TruncationReportOptions): string {
  const summary = table(
    'Summary: the constant c of e^(−c/h)',
    ['problem', 'm', 'P', 'c (n steps)', 'R²', 'points', 'c (one step)', 'R²', 'points'],
    reports.map((r, i) => [
      { html: `<a href="#truncation-${i}">${escapeXml(r.problem)}</a>` },
      String(r.dimension),
      String(r.maxOrder),
      r.global.exponentialFit?.c ?? null,
      r.global.exponentialFit?.r2 ?? null,
      String(r.global.exponentialFit?.points ?? 0),
      r.local.exponentialFit?.c ?? null,
      r.local.exponentialFit?.r2 ?? null,
      String(r.local.exponentialFit?.points ?? 0),
    ]),
  );
  return page({
    title: 'igr verify --truncation: where the modified equation stops converging',
    command: opts.command,
    generated: (opts.generated ?? new Date()).toISOString(),
    intro:
      '<p>The modified equation θ′ = f₁ + h f₂ + h² f₃ + … of gradient descent is asymptotic, not convergent. For each h, gradient descent is compared with the flow of every truncation after f<sub>p</sub>; the distance first falls with p and then rises. At the best order p* ≈ c′/h the error is exponentially small, e<sup>−c/h</sup> (Hairer, Lubich &amp; Wanner, <i>Geometric Numerical Integration</i>, IX.7). Every error is measured against a DOP853 reference whose bound sits at least the reference factor below it; the optimum is cross-checked by adaptive DOP853.</p>' +
      summary,
    sections: reports.map((r, i) => truncationSection(r, i, opts.problems?.find((p) => p.name === r.problem))),
  });
}

// ---- the principal-flow comparison ----------------------------------------------------------

const PRINCIPAL_COLOR = '#000000';

function flowColor(key: string): string {
  return key === 'principal' ? PRINCIPAL_COLOR : orderColor(Number(key.slice(6)));
}

/** r(h) against h·λ_max(θ0), one series per flow, the threshold drawn. */
export function trackingPlot(report: TrackingReport, even: boolean, id?: string): Plot {
  const plot = new Plot({
    title: `${report.problem}: distance from GD${even ? ' (even steps)' : ''} vs hλ_max`,
    x: { kind: 'linear', label: 'h · λ_max(θ₀)' },
    y: { kind: 'log', label: even ? 'max over even k of ‖θ_k − φ(kh)‖ / GD travel' : 'max_k ‖θ_k − φ(kh)‖ / max_k ‖θ_k − θ₀‖' },
    width: 520,
    id,
  });
  for (const f of report.flows) {
    const values = even ? f.relativeEven : f.relative;
    const points: [number, number][] = [];
    report.hLambda0.forEach((x, i) => {
      const r = values[i];
      if (r !== null && r !== undefined && r > 0) points.push([x, r]);
    });
    const limit = even ? f.stopsTrackingEven : f.stopsTracking;
    plot.add({
      name: `${f.label}: ${limit === null ? 'tracks throughout' : `stops at hλ = ${limit.hLambda0.toFixed(2)}`}`,
      points,
      color: flowColor(f.key),
      marker: f.key === 'principal' ? 'square' : 'circle',
      width: f.key === 'principal' ? 2 : 1.5,
      kind: 'tracking',
    });
    const blown = report.hLambda0.filter((_, i) => values[i] === null && report.travelled[i] !== null);
    if (blown.length > 0) plot.note(`${f.label}: blew up at hλ = ${blown.map((x) => x.toFixed(2)).join(', ')}`);
  }
  const x0 = Math.min(...report.hLambda0);
  const x1 = Math.max(...report.hLambda0);
  plot.add({ name: `threshold ${report.threshold}`, points: [[x0, report.threshold], [x1, report.threshold]], color: '#b00020', dash: '4 3', width: 1, kind: 'threshold' });
  for (const d of report.diverged) plot.note(`GD diverged at h = ${formatNumber(d.h)} (step ${d.step})`);
  return plot;
}

function trackingTable(report: TrackingReport): string {
  const rows = report.hs.map((h, i) => [
    formatNumber(h),
    report.hLambda0[i] ?? null,
    report.hLambdaPath[i] ?? null,
    report.travelled[i] ?? null,
    ...report.flows.map((f): Cell => {
      const r = f.relative[i];
      if (r === null || r === undefined) return { html: escapeXml(f.failure[i] ?? '—'), className: 'roundoff' };
      return { html: `${escapeXml(formatNumber(r, 3))} / ${escapeXml(formatNumber(f.relativeEven[i] ?? null, 3))}`, className: r > report.threshold ? 'fail' : 'num' };
    }),
  ]);
  return table(
    `r(h) per flow, all steps / even steps (red: above ${report.threshold}); GD travelled = max_k ‖θ_k − θ₀‖`,
    ['h', 'hλ(θ₀)', 'hλ (GD path max)', 'GD travelled', ...report.flows.map((f) => f.label)],
    rows,
  );
}

/** The page of `igr verify --principal --report DIR`. */
export function renderTrackingReport(reports: readonly TrackingReport[], opts: { command: string; generated?: Date }): string {
  const summary = table(
    'Where each flow stops tracking gradient descent (h · λ_max(θ₀) of the first h with r > threshold; over all steps / even steps)',
    ['problem', 'm', 'λ_max(θ₀)', 'n', ...(reports[0]?.flows.map((f) => f.label) ?? [])],
    reports.map((r, i) => [
      { html: `<a href="#tracking-${i}">${escapeXml(r.problem)}</a>` },
      String(r.dimension),
      r.lambda0,
      String(r.steps),
      ...r.flows.map((f): Cell => `${f.stopsTracking ? f.stopsTracking.hLambda0.toFixed(2) : 'never'} / ${f.stopsTrackingEven ? f.stopsTrackingEven.hLambda0.toFixed(2) : 'never'}`),
    ]),
  );
  const sections = reports.map((r, i) => {
    const anchor = `tracking-${i}`;
    const notes: string[] = [];
    const figures: string[] = [];
    for (const even of [false, true]) {
      const plot = trackingPlot(r, even, `${anchor}-${even ? 'even' : 'all'}`);
      notes.push(...plot.notes);
      const svg = svgOrNote(plot, notes, even ? 'even steps' : 'all steps');
      if (svg) {
        figures.push(
          `<figure>${svg}<figcaption>${escapeXml(
            even
              ? 'The same over even steps only: where hλ > 1 gradient descent flips sign every step in the stiff directions, which no real flow does; the real-part principal flow is exact at even steps on a quadratic.'
              : `Largest distance of gradient descent (n = ${r.steps} steps) from each flow, relative to the distance gradient descent travelled, against h · λ_max(θ₀) up to the stability limit 2; a flow tracks while it stays below the dashed threshold.`,
          )}</figcaption></figure>`,
        );
      }
    }
    return [
      `<section class="problem" id="${anchor}" data-problem="${escapeXml(r.problem)}">`,
      `<h2>${escapeXml(r.problem)} <span class="meta">(${r.dimension} parameters, λ_max(θ₀) = ${formatNumber(r.lambda0)}, n = ${r.steps} steps, ${r.seconds.toFixed(1)} s)</span></h2>`,
      `<div class="plots">${figures.join('\n')}</div>`,
      ...[...new Set(notes)].map((n) => `<p class="note">${escapeXml(n)}</p>`),
      trackingTable(r),
      '</section>',
    ].join('\n');
  });
  return page({
    title: 'igr verify --principal: where each continuous model stops tracking gradient descent',
    command: opts.command,
    generated: (opts.generated ?? new Date()).toISOString(),
    intro:
      '<p>The principal flow θ′ = Σ<sub>i</sub> [log(1 − hλ<sub>i</sub>)/(hλ<sub>i</sub>)] (∇E·u<sub>i</sub>) u<sub>i</sub> (Rosca, Wu, Qin &amp; Dherin, TMLR 2023) sums the Hessian part of the modified equation to all orders; where hλ<sub>i</sub> &gt; 1 its real part log|1 − hλ<sub>i</sub>| is used. It is compared here with the truncated modified flows of orders 1–3: r(h) = max<sub>k</sub> ‖θ<sub>k</sub> − φ(kh)‖ / max<sub>k</sub> ‖θ<sub>k</sub> − θ<sub>0</sub>‖, and a flow stops tracking at the first h where r exceeds the threshold.</p>' +
      summary,
    sections,
  });
}
