import { describe, expect, it } from 'vitest';
import { meanSd, renderSweepReport, variantName } from '../../src/report/sweep.js';
import { formatNumber } from '../../src/report/html.js';
import { record, sweepRecords } from './fixtures.js';

describe('sweep report', () => {
  it('mean and sample standard deviation ignore nulls', () => {
    expect(meanSd([1, 2, 3, null])).toEqual({ mean: 2, sd: 1, n: 3 });
    expect(meanSd([null])).toBeNull();
    expect(meanSd([5])).toEqual({ mean: 5, sd: 0, n: 1 });
  });

  it('names variants by everything but h and seed', () => {
    expect(variantName(record(0, { optimizer: 'egr', mu: 0.01, hvp: 'exact' }))).toBe('EGR μ=0.01 [32]');
    expect(variantName(record(0, { optimizer: 'gd', hidden: [64, 64] }))).toBe('GD [64,64]');
  });

  it('draws four metrics against h with GD and EGR side by side, three h each', () => {
    const html = renderSweepReport(sweepRecords(), { command: 'igr sweep --quick --report out', generated: new Date(0) });
    expect(html.match(/<svg /g)).toHaveLength(4);
    for (const key of ['testAccuracy', 'rIGOverE', 'gradNorm', 'robustness']) {
      const svg = html.slice(html.indexOf(`id="experiment-0-${key}"`));
      const one = svg.slice(0, svg.indexOf('</svg>'));
      expect(one.match(/class="series metric"/g)).toHaveLength(2);
      expect(one).toContain('data-series="GD [32]" data-points="3"');
      expect(one).toContain('data-series="EGR μ=0.01 [32]" data-points="3"');
      expect(one).toContain('class="bars"');
    }
    expect(html).toContain('test-accuracy drop at σ=0.05');
  });

  it('records with end-point curvature add λ_max (with the 2/h line) and the trace against h', () => {
    const records = sweepRecords().map((r) =>
      r.status === 'ok'
        ? { ...r, curvature: { lambdaMax: 1 / r.config.lr, lambdaMaxResidual: 1e-9, trace: 20 / r.config.lr, traceStderr: 1, traceSamples: 20, hvps: 40 } }
        : { ...r, curvature: null },
    );
    const html = renderSweepReport(records, { command: 'igr sweep', generated: new Date(0) });
    expect(html.match(/<svg /g)).toHaveLength(6);
    const lambda = html.slice(html.indexOf('id="experiment-0-lambdaMax"'));
    const svg = lambda.slice(0, lambda.indexOf('</svg>'));
    expect(svg).toContain('data-series="GD [32]" data-points="3"');
    expect(svg).toContain('data-series="2/h (GD stability limit)" data-points="3"');
    expect(html).toContain('id="experiment-0-trace"');
    // h·λ_max/2 = 0.5 at every h in this fixture
    expect(html).toContain('<th>h·λ_max/2</th>');
    // old records without the field draw no curvature plot
    expect(renderSweepReport(sweepRecords(), { command: 'igr sweep', generated: new Date(0) })).not.toContain('lambdaMax');
  });

  it('runs that recorded sharpness along training add h·λ_max/2 against the step, one series per run, with the line at 1', () => {
    const series = (lr: number) => [0, 50, 100, 150].map((step, k) => ({ step, loss: 1 / (k + 1), lambdaMax: (2 / lr) * (0.6 + 0.1 * k), hvps: 13, converged: true }));
    const records = sweepRecords().map((r, i) => (i < 2 ? { ...r, sharpness: series(r.config.lr) } : r));
    const html = renderSweepReport(records, { command: 'igr sweep --sharpness-every 50', generated: new Date(0) });
    const at = html.indexOf('id="experiment-0-sharpness"');
    expect(at).toBeGreaterThan(0);
    const svg = html.slice(at, html.indexOf('</svg>', at));
    expect(svg.match(/class="series metric"/g)).toHaveLength(2);
    expect(svg).toContain(`data-series="GD [32], h = ${records[0]!.config.lr}, seed ${records[0]!.config.seed}" data-points="4"`);
    expect(svg).toContain('data-series="λ_max = 2/h (GD stability limit)" data-points="2"');
    // a series with fewer than two finite measurements, or none at all, draws no such plot
    const one = sweepRecords().map((r) => ({ ...r, sharpness: [{ step: 0, loss: 1, lambdaMax: 2, hvps: 13, converged: true }] }));
    expect(renderSweepReport(one, { command: 'igr sweep', generated: new Date(0) })).not.toContain('-sharpness"');
    expect(renderSweepReport(sweepRecords(), { command: 'igr sweep', generated: new Date(0) })).not.toContain('-sharpness"');
  });

  it('tables hold mean ± sd over seeds and list the run that diverged', () => {
    const records = sweepRecords();
    const html = renderSweepReport(records, { command: 'igr sweep', generated: new Date(0) });
    const gd01 = records.filter((r) => r.config.optimizer === 'gd' && r.config.lr === 0.1 && r.status === 'ok');
    const s = meanSd(gd01.map((r) => r.testAccuracy))!;
    expect(html).toContain(`${formatNumber(s.mean)} ± ${formatNumber(s.sd, 2)}`);
    expect(html).toContain('Runs that did not finish');
    expect(html).toContain('at step 17 (nonfinite)');
  });

  it('a regression sweep plots test loss and the train-loss increase (no accuracies)', () => {
    const records = sweepRecords().map((r) => ({ ...r, testAccuracy: null, trainAccuracy: null, config: { ...r.config, data: 'teacher' as const } }));
    const html = renderSweepReport(records, { command: 'igr sweep', generated: new Date(0) });
    expect(html).toContain('id="experiment-0-testLoss"');
    expect(html).toContain('train-loss increase at σ=0.05');
  });

  it('an experiment with no finished run says so', () => {
    const html = renderSweepReport([record(0, {}, 'crashed')], { command: 'igr sweep', generated: new Date(0) });
    expect(html).toContain('No run of this experiment finished');
    expect(html).not.toContain('<svg ');
  });
});
