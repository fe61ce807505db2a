import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { hessian, tensor } from '../../src/autodiff/index.js';
import { eigvalsh } from '../../src/curvature/index.js';
import { lossFunction, mlp, loadDataset } from '../../src/nn/index.js';
import { sharpnessWorkBound } from '../../src/igr/experiments/config.js';
import { summarize } from '../../src/igr/experiments/summary.js';
import { syntheticData } from '../../src/igr/experiments/config.js';
import type { SweepRecord } from '../../src/igr/experiments/types.js';

const small = ['--data', 'moons', '--train', '60', '--test', '40', '--hidden', '6', '--draws', '2'];

/** The exact λ_max of a moons run's loss at θ (dense Hessian of a 32-parameter model). */
async function exactLambdaMax(theta: number[], loss: 'cross-entropy' | 'mse' = 'cross-entropy'): Promise<number> {
  const { train } = await loadDataset('moons', { train: 60, test: 40, seed: 0, ...syntheticData.moons });
  const f = lossFunction(mlp({ sizes: [2, 6, 2], activation: 'tanh' }), train, { loss });
  return eigvalsh(hessian(f, tensor(theta))).at(-1)!;
}

describe('igr train --sharpness-every: λ_max along training', () => {
  it('records λ_max at steps 0, N, 2N, … and the end, certified, as JSON that round-trips', async () => {
    const { code, out } = await runCli(['train', ...small, '--lr', '0.5', '--steps', '25', '--sharpness-every', '10', '--sharpness-k', '2', '--json']);
    expect(code).toBe(0);
    const record = JSON.parse(out) as SweepRecord;
    expect(JSON.parse(JSON.stringify(record))).toEqual(record);
    const points = record.sharpness!;
    expect(points.map((p) => p.step)).toEqual([0, 10, 20, 25]);
    for (const p of points) {
      expect(p.values).toHaveLength(2);
      expect(p.values![0]).toBe(p.lambdaMax);
      expect(p.values![0]!).toBeGreaterThanOrEqual(p.values![1]!);
      expect(p.residuals!.every((r) => r !== null && r < 1e-4 * Math.abs(p.lambdaMax!))).toBe(true);
      expect(p.hvps).toBeGreaterThan(0);
      expect(p.converged).toBe(true);
    }
    expect(out).not.toMatch(/NaN|Infinity/);
  });

  it('λ_max at θ₀ matches the dense Hessian (tolerance: residual²/gap is far below 1e-8 relative)', async () => {
    const { out } = await runCli(['train', ...small, '--lr', '0.5', '--steps', '1', '--sharpness-every', '1', '--json', '--loss', 'mse']);
    const record = JSON.parse(out) as SweepRecord;
    const theta0 = Array.from(mlp({ sizes: [2, 6, 2], activation: 'tanh' }).init(0));
    const exact = await exactLambdaMax(theta0, 'mse');
    expect(Math.abs(record.sharpness![0]!.lambdaMax! - exact)).toBeLessThan(1e-8 * exact);
  });

  it('prints h·λ_max/2 per step for a person, and the end curvature with --trace-samples', async () => {
    const { code, out } = await runCli(['train', ...small, '--lr', '0.5', '--steps', '20', '--sharpness-every', '10', '--trace-samples', '8']);
    expect(code).toBe(0);
    expect(out).toMatch(/sharpness \(Lanczos every 10 steps, \d+ HVPs\): h·λ_max\/2, 1 = GD's stability limit/);
    expect(out).toMatch(/\n\s+0\s+[\d.e-]+\s+[\d.e-]+\s+0\.\d{3}\s/);
    expect(out).toMatch(/curvature at the end: λ_max [\d.e-]+ \(residual [\d.e-]+\), h·λ_max\/2 = [\d.]+ {3}trace \(Hutchinson, 8 probes\): [-\d.e]+ ± [\d.e-]+/);
  });

  it('--report DIR draws h·λ_max/2 against the step with the stability limit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'igr-train-report-'));
    try {
      const { code, out } = await runCli(['train', ...small, '--lr', '0.5', '--steps', '20', '--sharpness-every', '5', '--report', dir]);
      expect(code).toBe(0);
      expect(out).toContain(`report: ${join(dir, 'index.html')}`);
      const html = readFileSync(join(dir, 'index.html'), 'utf8');
      const at = html.indexOf('-sharpness"');
      expect(at).toBeGreaterThan(0);
      const svg = html.slice(at, html.indexOf('</svg>', at));
      expect(svg).toContain('data-points="5"'); // steps 0, 5, 10, 15, 20
      expect(svg).toContain('data-series="λ_max = 2/h (GD stability limit)"');
      expect(html).toContain('igr train');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--report to a directory that cannot be made is a usage error before training', async () => {
    const { code, out, err } = await runCli(['train', ...small, '--steps', '5', '--report', '/proc/igr/report']);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/^igr train: --report: /);
    expect(err.trim().split('\n')).toHaveLength(1);
  });

  it('a diverging run keeps its measurements up to the divergence, never a NaN', async () => {
    const { code, out } = await runCli(['train', ...small, '--loss', 'mse', '--lr', '20', '--steps', '50', '--sharpness-every', '1', '--json']);
    expect(code).toBe(1);
    const record = JSON.parse(out) as SweepRecord;
    expect(record.status).toBe('diverged');
    expect(record.sharpness!.length).toBeGreaterThan(0);
    expect(record.sharpness!.at(-1)!.step).toBeLessThan(record.diverged!.step);
    expect(out).not.toMatch(/NaN|Infinity/);
  });

  it('the work bound is the measurements times the Lanczos cap plus the certificates', () => {
    expect(sharpnessWorkBound({ stop: { kind: 'steps', steps: 100 }, lr: 0.1 }, { every: 10, k: 1 })).toBe(12 * (100 + 1));
    expect(sharpnessWorkBound({ stop: { kind: 'loss', target: 0.1, maxSteps: 5000 }, lr: 0.1 }, { every: 50, k: 4 })).toBe(102 * (160 + 4));
  });

  const bad: [string, string[], string][] = [
    ['zero interval', ['--sharpness-every', '0'], '--sharpness-every must be an integer ≥ 1, got 0'],
    ['fractional interval', ['--sharpness-every', '2.5'], '--sharpness-every must be an integer ≥ 1, got 2.5'],
    ['non-numeric interval', ['--sharpness-every', 'often'], "--sharpness-every: 'often' is not a number"],
    ['zero k', ['--sharpness-every', '10', '--sharpness-k', '0'], '--sharpness-k must be an integer ≥ 1, got 0'],
    ['k above the bound', ['--sharpness-every', '10', '--sharpness-k', '21'], '--sharpness-k must be at most 20, got 21'],
    ['k without an interval', ['--sharpness-k', '2'], '--sharpness-k goes with --sharpness-every N'],
    ['a bound without an interval', ['--max-hvps', '10'], '--max-hvps goes with --sharpness-every N'],
    ['zero bound', ['--sharpness-every', '10', '--max-hvps', '0'], '--max-hvps must be an integer ≥ 1, got 0'],
    ['more work than the bound', ['--steps', '100', '--sharpness-every', '1', '--max-hvps', '5000'], 'sharpness every 1 steps (top 1) may take up to 10302 HVPs (102 measurements × (100 Lanczos + 1 certificates)), more than the bound of 5000'],
    ['one trace sample', ['--trace-samples', '1'], '--trace-samples must be 0 (λ_max only) or an integer in 2..10000, got 1'],
    ['negative trace samples', ['--trace-samples=-3'], '--trace-samples must be an integer ≥ 0, got -3'],
    ['too many trace samples', ['--trace-samples', '10001'], '--trace-samples must be 0 (λ_max only) or an integer in 2..10000, got 10001'],
    ['unknown loss', ['--loss', 'hinge'], "unknown loss 'hinge': valid losses are cross-entropy, mse"],
    ['cross-entropy on a regression', ['--data', 'teacher', '--loss', 'cross-entropy'], "loss 'cross-entropy' needs class labels, but data set 'teacher' is a regression (use mse)"],
    ['too many Fashion-MNIST training images', ['--data', 'fashion', '--train', '60001'], 'train = 60001 exceeds the 60000 images of the Fashion-MNIST training file'],
    ['too many Fashion-MNIST test images', ['--data', 'fashion', '--test', '10001'], 'test = 10001 exceeds the 10000 images of the Fashion-MNIST test file'],
  ];
  for (const [what, args, message] of bad) {
    it(`bad input: ${what} → exit 2, one line`, async () => {
      const { code, out, err } = await runCli(['train', ...args]);
      expect(code).toBe(2);
      expect(out).toBe('');
      expect(err).toContain(message);
      expect(err.trim().split('\n')).toHaveLength(1);
    });
  }

  it('a missing Fashion-MNIST is an error naming the Debian package (exit 1)', async () => {
    const saved = process.env.IGR_FASHION_MNIST_DIR;
    process.env.IGR_FASHION_MNIST_DIR = '/nonexistent/fashion';
    try {
      const { code, err } = await runCli(['train', '--data', 'fashion', '--train', '10', '--test', '10', '--steps', '1']);
      expect(code).toBe(1);
      expect(err).toContain("could not load data set 'fashion': loadFashionMnist: the Fashion-MNIST files are not in /nonexistent/fashion");
      expect(err).toContain("install Debian's package dataset-fashion-mnist");
    } finally {
      if (saved === undefined) delete process.env.IGR_FASHION_MNIST_DIR;
      else process.env.IGR_FASHION_MNIST_DIR = saved;
    }
  });
});

describe('igr sweep: λ_max and the trace at the end of each run', () => {
  it('records them (default 20 probes), tabulates h·λ_max/2, and --trace-samples 0 keeps λ_max only', async () => {
    const { code, out } = await runCli(['sweep', ...small, '--lr', '0.5,1', '--steps', '15', '--seeds', '0,1', '--workers', '1', '--json']);
    expect(code).toBe(0);
    const records = out.trim().split('\n').map((l) => JSON.parse(l) as SweepRecord);
    for (const r of records) {
      expect(r.curvature).toMatchObject({ traceSamples: 20 });
      expect(r.curvature!.lambdaMax!).toBeGreaterThan(0);
      expect(r.curvature!.traceStderr!).toBeGreaterThan(0);
    }
    const rows = summarize(records);
    expect(rows.every((row) => row.lambdaMax.n === 2 && row.trace.n === 2)).toBe(true);
    expect(rows[0]!.hLambdaHalf.mean).toBeCloseTo((0.5 * rows[0]!.lambdaMax.mean!) / 2, 12);
    const table = await runCli(['sweep', ...small, '--lr', '0.5', '--steps', '5', '--seeds', '0', '--workers', '1', '--trace-samples', '0']);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/λ_max\s+h·λ_max\/2\s+trace/);
    expect(table.out).toMatch(/\s0\.\d{3}\s+—/); // h·λ_max/2 shown, the trace not measured
  });

  it('--trace-samples goes with a preset; a bad value is a usage error', async () => {
    const { code, err } = await runCli(['sweep', '--preset', 'quick', '--trace-samples', '1']);
    expect(code).toBe(2);
    expect(err).toContain('--trace-samples must be 0 (λ_max only) or an integer in 2..10000, got 1');
  });
});
