import { describe, expect, it } from 'vitest';
import { boundMargin, errorPlot, renderVerificationReport } from '../../src/report/verification.js';
import { formatNumber } from '../../src/report/html.js';
import { escapeXml } from '../../src/report/svg.js';
import type { VerificationReport } from '../../src/igr/index.js';
import { optimizerReports, tiltedLoss, tiltedReport } from './fixtures.js';

const command = `igr verify --loss "E<&>" --report out`;
const generated = new Date('2026-01-02T03:04:05Z');

function count(html: string, re: RegExp): number {
  return html.match(re)?.length ?? 0;
}

/** The inside of the `<g>` of one series (series groups hold paths and text, no nested groups). */
function group(svg: string, cls: string, name: string): string {
  const m = svg.match(new RegExp(`<g class="series ${cls}" data-series="${name.replace(/[.*+?^${}()|[\]\\=]/g, '\\$&')}" data-points="\\d+">(.*?)</g>`));
  expect(m, `series ${cls} '${name}'`).not.toBeNull();
  return m![1]!;
}

/** Pixel (x, y) of each vertex of a path's M/L commands, or of each circle marker's centre. */
function pathPoints(groupSvg: string, cls: 'line' | 'markers'): [number, number][] {
  const d = groupSvg.match(new RegExp(`class="${cls}" d="([^"]+)"`))![1]!;
  // Circle markers start at the left edge (x − r, y) of radius r = 3.5.
  return cls === 'line'
    ? Array.from(d.matchAll(/[ML]([\d.-]+),([\d.-]+)/g), (m) => [Number(m[1]), Number(m[2])])
    : Array.from(d.matchAll(/M([\d.-]+),([\d.-]+)a/g), (m) => [Number(m[1]) + 3.5, Number(m[2])]);
}

describe('verification report', () => {
  it('draws global and local error plots with one series per order, and a phase portrait for 2-D losses', () => {
    const report = tiltedReport();
    const html = renderVerificationReport([report], { command, generated, losses: { tilted: { loss: tiltedLoss, labels: ['a', 'b'] } } });
    expect(count(html, /<svg /g)).toBe(3);
    for (const kind of ['global', 'local']) {
      const svg = html.slice(html.indexOf(`id="problem-0-${kind}"`));
      const one = svg.slice(0, svg.indexOf('</svg>'));
      expect(count(one, /class="series error"/g)).toBe(2);
      expect(count(one, /class="series fit"/g)).toBe(2);
      expect(count(one, /class="series reference"/g)).toBe(2);
    }
    // The one grey band at the largest bound is gone: it drew small errors inside it.
    expect(html).not.toContain('class="band"');
    expect(html).toContain('the reference integrator&#39;s error bound for each point (every filled marker sits ≥ ');
    const phase = html.slice(html.indexOf('id="problem-0-phase"'));
    expect(count(phase.slice(0, phase.indexOf('</svg>')), /class="series flow"/g)).toBe(3);
    expect(html).toContain('class="contours"');
    expect(html).toContain('igr verify --loss &quot;E&lt;&amp;&gt;&quot; --report out');
    expect(html).toContain('2026-01-02T03:04:05.000Z');
    expect(html).not.toMatch(/NaN|undefined/);
  });

  it('the tables hold the measured numbers', () => {
    const report = tiltedReport();
    const html = renderVerificationReport([report], { command, generated, losses: { tilted: { loss: tiltedLoss } } });
    for (const p of report.orders) {
      for (const e of report.globalError[p]!) expect(html).toContain(formatNumber(e));
      expect(html).toContain(report.globalSlope[p]!.slope.toFixed(2));
      // The shading's numbers: each point's reference bound, global and local.
      for (const b of [...report.referenceBound!.global[p]!, ...report.referenceBound!.local[p]!]) expect(html).toContain(`>${formatNumber(b)}<`);
    }
    expect(html).toContain('Local error: the reference integrator&#39;s error bound at each point');
  });

  it('the fitted line passes through the data (intercept read as a natural log)', () => {
    const report = tiltedReport();
    const plot = errorPlot(report, 'global');
    for (const p of report.orders) {
      const fit = report.globalSlope[p]!;
      expect(fit.r2).toBeGreaterThan(0.999);
      const line = plot.series.find((s) => s.kind === 'fit' && s.name === `p=${p} fit`)!;
      const [[h0, e0], [h1, e1]] = line.points as [number, number][];
      const slope = Math.log(e1! / e0!) / Math.log(h1! / h0!);
      expect(slope).toBeCloseTo(fit.slope, 10);
      // Each measured error within 5% of the line (R² > 0.999 on an octave ladder allows that).
      report.hs.forEach((h, i) => {
        const onLine = e0! * (h / h0!) ** slope;
        expect(Math.abs(Math.log(report.globalError[p]![i]! / onLine))).toBeLessThan(0.05);
      });
    }
  });

  it('each order’s reference bound is drawn at every h, in its colour, ≥ 100× (two decades of pixels) below each of its fitted points', () => {
    const report = tiltedReport();
    for (const kind of ['global', 'local'] as const) {
      const plot = errorPlot(report, kind, `t-${kind}`);
      const svg = plot.toSvg();
      const { y } = plot.scales();
      const decade = y.map(1e-6) - y.map(1e-5); // pixels per decade (y grows downwards)
      const errors = kind === 'global' ? report.globalError : report.localError;
      for (const p of report.orders) {
        const bounds = report.referenceBound![kind][p]!;
        const series = plot.series.find((s) => s.kind === 'reference' && s.name === `p=${p} reference bound`)!;
        // The data: one point per h, the recorded bound, ≥ 100× below the error at that h.
        expect(series.points).toEqual(report.hs.map((h, i) => [h, bounds[i]]));
        report.hs.forEach((_, i) => expect(100 * bounds[i]!).toBeLessThanOrEqual(errors[p]![i]!));
        expect(series.color).toBe(plot.series.find((s) => s.kind === 'error' && s.name.startsWith(`p=${p}:`))!.color);
        // The drawing: the line's vertex under each filled marker lies ≥ 2 decades lower on the page.
        const ref = group(svg, 'reference', `p=${p} reference bound`);
        expect(ref).toContain('class="area"');
        const line = pathPoints(ref, 'line');
        expect(line).toHaveLength(report.hs.length);
        const markers = pathPoints(group(svg, 'error', plot.series.find((s) => s.kind === 'error' && s.name.startsWith(`p=${p}:`))!.name), 'markers');
        expect(markers).toHaveLength(report.hs.length);
        for (const [mx, my] of markers) {
          const under = line.find(([lx]) => Math.abs(lx - mx) < 0.02)!;
          expect(under, `${kind} p=${p}: a bound under the marker at x = ${mx}`).toBeDefined();
          expect(under[1] - my).toBeGreaterThanOrEqual(2 * decade - 0.02); // 0.01 px rounding on each
        }
      }
      expect(boundMargin(report, kind)!).toBeGreaterThanOrEqual(100);
    }
  });

  it('a bound below the axis (≥ 3 decades under every error) is marked ▾ inside the bottom edge and said in the caption', () => {
    const report: VerificationReport = structuredClone(tiltedReport());
    // DOP853 with its cross-check sits 6–7 decades under these errors, so every bound would be
    // below the axis: put order 1's at error / 200 (drawn), then one of them far below.
    report.referenceBound!.global[1] = report.globalError[1]!.map((e) => e! / 200);
    report.referenceBound!.global[1]![2] = 1e-30;
    const plot = errorPlot(report, 'global', 'below');
    const svg = plot.toSvg();
    const { y } = plot.scales();
    expect(y.domain[0]).toBeGreaterThan(1e-30);
    const below = group(svg, 'reference-below', 'p=1 reference bound below the axis');
    const [[, my]] = Array.from(below.matchAll(/M[\d.-]+,([\d.-]+)L/g), (m) => [0, Number(m[1])]);
    expect(my!).toBeLessThanOrEqual(plot.height - 46); // inside the frame's bottom edge
    expect(svg).toContain('data-series="p=1 reference bound below the axis" data-points="1"');
    const html = renderVerificationReport([report], { command, generated });
    expect(html).toContain('▾ at the bottom edge: a bound below the axis');
  });

  it('a report without per-point bounds (made by hand, or older JSON) draws none and says so', () => {
    const report: VerificationReport = structuredClone(tiltedReport());
    delete report.referenceBound;
    const html = renderVerificationReport([report], { command, generated });
    expect(html).not.toContain('class="series reference"');
    expect(html).toContain('No per-point reference bound in this report.');
  });

  it('marks round-off points hollow and outside the fit, and says where GD diverged', () => {
    const base = tiltedReport();
    const report: VerificationReport = structuredClone(base);
    report.roundoff.global[2] = [false, false, false, true];
    report.globalError[1]![0] = null;
    report.globalError[2]![0] = null;
    report.diverged = [{ h: 0.08, step: 3 }];
    const html = renderVerificationReport([report], { command, generated });
    const global = html.slice(html.indexOf('id="problem-0-global"'));
    const svg = global.slice(0, global.indexOf('</svg>'));
    expect(count(svg, /class="series roundoff"/g)).toBe(1);
    expect(svg).toContain('data-series="p=2 round-off (not fitted)" data-points="1"');
    expect(html).toContain('GD diverged at h = 0.08 (step 3)');
    expect(html).toContain('diverged at step 3');
    expect(html).toContain('(round-off)');
    // 'tilted' is not a built-in problem and no loss was passed: no phase portrait, no error.
    expect(html).not.toContain('id="problem-0-phase"');
  });

  it('a problem whose every point diverged gets a note instead of an empty plot', () => {
    const report: VerificationReport = structuredClone(tiltedReport());
    for (const p of report.orders) {
      report.globalError[p] = report.hs.map(() => null);
      report.localError[p] = report.hs.map(() => null);
      report.globalSlope[p] = null;
      report.localSlope[p] = null;
    }
    const html = renderVerificationReport([report], { command, generated });
    expect(html).toContain('global error: nothing to plot');
    expect(html).toContain('no fit');
  });

  it('non-GD reports: the optimiser and its parameters in the heading, one series per compared flow, the flows listed', () => {
    const [rk, momentum, sgd] = optimizerReports();
    const html = renderVerificationReport([rk, momentum, sgd], { command, generated, losses: { tilted: { loss: tiltedLoss, labels: ['a', 'b'] } } });
    expect(html).toContain('<title>igr verify --optimizer');
    expect(html).toContain('tilted — rk:midpoint');
    expect(html).toContain('rk:midpoint (order 2, 2 stages)');
    expect(html).toContain('heavy-ball momentum, β = 0.5');
    expect(html).toContain('SGD with random reshuffling: 2 minibatches of 6, 1 epoch, mean over 2 order sequences (exact)');
    for (const r of [rk, momentum, sgd]) for (const p of r.orders) expect(html).toContain(`p=${p}: ${escapeXml(r.flows[p]!)}`);
    const svgOf = (id: string): string => {
      const from = html.slice(html.indexOf(`id="${id}"`));
      return from.slice(0, from.indexOf('</svg>'));
    };
    // Error plots: one measured series and one fitted line per flow, slopes labelled with the
    // flow's own expectation (rk: max(p, q); momentum 1, 2 global; SGD 2, 2, 3).
    const expected = [[[2, 3], [3, 4]], [[1, 2], [2, 3]], [[2, 2, 3], [2, 2, 3]]];
    [rk, momentum, sgd].forEach((r, i) => {
      (['global', 'local'] as const).forEach((kind, k) => {
        const svg = svgOf(`problem-${i}-${kind}`);
        expect(count(svg, /class="series error"/g)).toBe(r.orders.length);
        expect(count(svg, /class="series fit"/g)).toBe(r.orders.length);
        expect(count(svg, /class="series reference"/g)).toBe(r.orders.length);
        const fits = kind === 'global' ? r.globalSlope : r.localSlope;
        r.orders.forEach((p, j) => {
          expect(fits[p]!.expected).toBe(expected[i]![k]![j]);
          expect(svg).toContain(`p=${p}: slope ${fits[p]!.slope.toFixed(2)} (expect ${expected[i]![k]![j]})`);
        });
      });
    });
    expect(svgOf('problem-2-global')).toContain('learning rate ε');
    // GD's non-gradient measure is not part of these runs: not shown as a number.
    expect(html).not.toMatch(/NaN|undefined|Non-gradient part of f₃ at θ₀: —/);
  });

  it('portraits: the heavy-ball and midpoint iterates beside their flows; SGD gets none, and the page says why', () => {
    const [rk, momentum, sgd] = optimizerReports();
    const html = renderVerificationReport([rk, momentum, sgd], { command, generated, losses: { tilted: { loss: tiltedLoss, labels: ['a', 'b'] } } });
    for (const [i, flows] of [[0, 2], [1, 2]] as const) {
      const from = html.slice(html.indexOf(`id="problem-${i}-phase"`));
      const svg = from.slice(0, from.indexOf('</svg>'));
      expect(count(svg, /class="series flow"/g)).toBe(flows);
      expect(count(svg, /class="series iterates"/g)).toBe(1);
      expect(svg).toContain('class="contours"');
    }
    expect(html).toContain('data-series="heavy ball β=0.5');
    expect(html).toContain('data-series="midpoint, h=');
    expect(html).not.toContain('id="problem-2-phase"');
    expect(html).toContain('No phase portrait: SGD&#39;s problems have 3 parameters');
  });
});
