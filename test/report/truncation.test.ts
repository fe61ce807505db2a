/**
 * The pages of `igr verify --truncation --report` and `--principal --report`
 * (src/report/truncation.ts): what each plot draws, and a report with nothing to draw.
 */
import { describe, expect, it } from 'vitest';
import { dot, matmul, mul, tensor, type Tensor } from '../../src/autodiff/index.js';
import { findTruncationProblem, trackingStudy, truncationStudy } from '../../src/igr/index.js';
import { errorByOrderPlot, minimalErrorPlot, rampColor, renderTrackingReport, renderTruncationReport, trackingPlot } from '../../src/report/truncation.js';

const generated = new Date('2026-01-02T03:04:05Z');
const riccati = findTruncationProblem('riccati');
const study = truncationStudy(riccati.loss, riccati.theta0, { hs: [0.6, 0.5, 0.45], maxOrder: 30, steps: 2, terms: riccati.closedForm!, name: 'riccati' });

const count = (text: string, re: RegExp): number => text.match(re)?.length ?? 0;

describe('truncation report', () => {
  it('error-against-order plot: one line per h, one optimum marker per h, hollow where not interior', () => {
    const svg = errorByOrderPlot(study, 'local', 'x').toSvg();
    expect(count(svg, /class="series error-line"/g)).toBe(3);
    expect(count(svg, /class="series optimum"/g)).toBe(3);
    study.hs.forEach((h) => expect(svg).toContain(`data-series="h = ${h}"`));
  });

  it('minimal-error plot: the fitted points, the fit line labelled with c, the others hollow', () => {
    const plot = minimalErrorPlot(study);
    const fit = plot.series.find((s) => s.kind === 'fit' && s.name.startsWith('after one step'))!;
    expect(fit.label).toBe(`c = ${study.local.exponentialFit!.c.toFixed(2)}`);
    const fitted = plot.series.find((s) => s.kind === 'minimum' && s.name.startsWith('after one step'))!;
    expect(fitted.points).toHaveLength(study.local.exponentialFit!.points);
    expect(fitted.points[0]![0]).toBeCloseTo(1 / 0.6, 12);
  });

  it('the page: summary, both error plots and the minimal-error plot, the tables, the problem’s theory', () => {
    const html = renderTruncationReport([study], { command: 'igr verify --truncation', problems: [riccati], generated });
    expect(count(html, /<svg /g)).toBe(3);
    expect(html).toContain('Summary: the constant c of e^(−c/h)');
    expect(html).toContain('Theory: c = 9.870');
    expect(html).toContain('Every error (the table behind the plots)');
    expect(html).toContain('2026-01-02T03:04:05.000Z');
  });

  it('a study whose every h diverged says so instead of drawing empty axes', () => {
    const diverged = truncationStudy(riccati.loss, [0], { hs: [3], maxOrder: 3, steps: 6, terms: riccati.closedForm! });
    const html = renderTruncationReport([diverged], { command: 'c', generated });
    expect(html).toContain('nothing to plot');
    expect(html).toContain('GD diverged at h = 3: no errors');
  });

  it('rampColor runs from dark blue to yellow-green and clamps', () => {
    expect(rampColor(0)).toBe('#440154');
    expect(rampColor(1)).toBe('#bebe00');
    expect(rampColor(-1)).toBe(rampColor(0));
    expect(rampColor(2)).toBe(rampColor(1));
  });
});

describe('principal-flow report', () => {
  const At = tensor([
    [2, 0.6],
    [0.6, 1],
  ]);
  const loss = (x: Tensor): Tensor => mul(0.5, dot(x, matmul(At, x)));
  const report = trackingStudy(loss, [1, -0.5], { hLambda: [0.5, 1.5], steps: 4, orders: [1, 2], name: 'q' });

  it('one series per flow and the threshold, on both plots; the table and the summary', () => {
    for (const even of [false, true]) {
      const svg = trackingPlot(report, even).toSvg();
      expect(count(svg, /class="series tracking"/g)).toBe(3);
      expect(count(svg, /class="series threshold"/g)).toBe(1);
    }
    const html = renderTrackingReport([report], { command: 'igr verify --principal', generated });
    expect(count(html, /<svg /g)).toBe(2);
    expect(html).toContain('Where each flow stops tracking gradient descent');
    expect(html).toContain('principal flow');
  });
});
