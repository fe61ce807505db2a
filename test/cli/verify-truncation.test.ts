/**
 * `igr verify --truncation` and `igr verify --principal` end to end through `main`: the human and
 * JSON reports on fast settings, the report page, the exit codes, and every usage error (exit 2,
 * one line, no stack trace).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, usage } from './verify-run.js';

// One step from the Riccati problem's inflection point for four h: a second of work.
const FAST = ['--truncation', '--problem', 'riccati', '--h', '0.5,0.45,0.4,0.35', '--max-order', '42'];

describe('igr verify --truncation', () => {
  it('prints p*(h), the minimal errors and the fit, and says whether the regime is shown (exit 0 when it is)', async () => {
    const r = await run(...FAST);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('riccati  (m = 1, θ0 = [0], orders 1..42 from closed form, n = 1 step)');
    expect(r.out).toMatch(/after 1 step: log\(min error\) = [-\d.]+ − [\d.]+\/h, R² [\d.]+ over 4 h/);
    expect(r.out).toContain('theory: c = 9.870');
    expect(r.out).toMatch(/exponentially small regime \(R² ≥ 0\.95 over ≥ 4 h\): shown/);
    expect(r.out).not.toMatch(/NaN/);
  });

  it('--json: optimalOrder per h and exponentialFit { c, r2, points }, null never NaN', async () => {
    const r = await run(...FAST, '--json');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const json = JSON.parse(lines[0]!) as { optimalOrder: number[]; exponentialFit: { c: number; r2: number; points: number }; envelopeFit: unknown; hs: number[]; exponentialRegime: boolean };
    expect(json.hs).toEqual([0.5, 0.45, 0.4, 0.35]);
    expect(json.optimalOrder).toHaveLength(4);
    json.optimalOrder.forEach((p) => expect(Number.isInteger(p)).toBe(true));
    expect(json.exponentialFit.points).toBe(4);
    expect(json.exponentialFit.r2).toBeGreaterThanOrEqual(0.95);
    expect(json.exponentialFit.c).toBeGreaterThan(5);
    expect(json.envelopeFit).not.toBeNull();
    expect(json.exponentialRegime).toBe(true);
    expect(r.out).not.toMatch(/NaN/);
  });

  it('exit 1 when the regime is not shown: a convergent series (the quadratic) has no interior optimum', async () => {
    const r = await run('--truncation', '--problem', 'quadratic', '--h', '0.1,0.05', '--max-order', '12', '--steps', '1');
    expect(r.code).toBe(1);
    expect(r.out).toContain('round-off');
    expect(r.out).toContain('not shown');
  });

  it('--steps n compares after n steps and after one step; --report writes the page with both plots', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'igr-truncation-'));
    try {
      const r = await run('--truncation', '--problem', 'riccati', '--h', '0.6,0.5', '--max-order', '20', '--steps', '2', '--report', dir);
      expect([0, 1]).toContain(r.code);
      expect(r.out).toMatch(/h\s+steps\s+p\* \(n steps\)\s+min error\s+bound\s+optimum\s+p\* \(1 step\)/);
      expect(r.out).toContain(`report: ${join(dir, 'index.html')}`);
      const html = readFileSync(join(dir, 'index.html'), 'utf8');
      expect(html).toContain('igr verify --truncation: where the modified equation stops converging');
      expect(html).toContain('id="truncation-0-global"');
      expect(html).toContain('id="truncation-0-local"');
      expect(html).toContain('id="truncation-0-minimum"');
      // Each plot also as a file of its own, for Markdown.
      expect(readFileSync(join(dir, 'truncation-0-minimum.svg'), 'utf8')).toMatch(/^<svg [^>]*id="truncation-0-minimum"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a loss typed as text runs with the trees', async () => {
    const r = await run('--truncation', '--loss', 'x - x^3/3', '--at', '0', '--h', '0.8,0.6', '--max-order', '5', '--json');
    expect([0, 1]).toContain(r.code);
    const json = JSON.parse(r.out.trim()) as { terms: string; maxOrder: number };
    expect(json.terms).toBe('trees');
    expect(json.maxOrder).toBe(5);
  });
});

describe('igr verify --principal', () => {
  it('prints r(h) per flow and where each stops tracking; --json carries the limits', async () => {
    const r = await run('--principal', '--problem', 'quadratic', '--h-lambda', '0.5,1.5', '--steps', '4');
    expect(r.code).toBe(0);
    expect(r.out).toContain('quadratic  (m = 5');
    expect(r.out).toMatch(/principal flow\s+stops tracking at hλ\(θ0\) = 1\.50/);
    expect(r.out).toContain('over even steps: tracks throughout');
    const j = await run('--principal', '--problem', 'quadratic', '--h-lambda', '0.5', '--steps', '3', '--orders', '1', '--json');
    const json = JSON.parse(j.out.trim()) as { flows: { key: string; stopsTracking: unknown }[]; hLambda0: number[] };
    expect(json.flows.map((f) => f.key)).toEqual(['order 1', 'principal']);
    expect(json.hLambda0[0]).toBeCloseTo(0.5, 12);
  });

  it('--report writes the tracking page', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'igr-principal-'));
    try {
      const r = await run('--principal', '--problem', 'quadratic', '--h-lambda', '0.5,1.5', '--steps', '4', '--orders', '1,2', '--report', dir);
      expect(r.code).toBe(0);
      const html = readFileSync(join(dir, 'index.html'), 'utf8');
      expect(html).toContain('igr verify --principal: where each continuous model stops tracking gradient descent');
      expect(html).toContain('id="tracking-0-all"');
      expect(html).toContain('id="tracking-0-even"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('igr verify --truncation / --principal: usage errors', () => {
  const cases: [string[], string][] = [
    [['--truncation', '--principal'], 'use either --truncation or --principal, not both'],
    [['--truncation', '--optimizer', 'sgd'], '--truncation studies gradient descent; it does not take --optimizer sgd'],
    [['--truncation', '--steps', '2', '--T', '1'], 'give either --steps or --T, not both'],
    [['--truncation', '--orders', '1,2'], '--truncation compares every order 1..P: give --max-order P, not --orders'],
    [['--truncation', '--h-lambda', '0.5'], '--h-lambda applies to --principal, not --truncation'],
    [['--truncation', '--threshold', '0.2'], '--threshold applies to --principal, not --truncation'],
    [['--truncation', '--at', '1,2'], '--at applies only to a loss typed with --loss EXPR'],
    [['--truncation', '--problem', 'riccati', '--max-order', '1'], '--max-order must be an integer in 2..100, got 1'],
    [['--truncation', '--problem', 'double-well', '--max-order', '13'], '--max-order must be an integer in 2..12, got 13'],
    [['--truncation', '--problem', 'riccati', '--steps', '0'], '--steps must be an integer in 1..100000, got 0'],
    [['--truncation', '--problem', 'riccati', '--max-work', '-3'], '--max-work must be positive, got -3'],
    [['--truncation', '--problem', 'nope'], "unknown problem 'nope'; valid problems are riccati, two-parameter, double-well, logistic, quadratic, mlp"],
    [['--truncation', '--problem', 'riccati', '--h', '0.3', '--T', '1'], 'truncationStudy: T/h must be a whole number of steps, but T = 1, h = 0.3'],
    [['--truncation', '--problem', 'mlp'], 'truncationStudy: the study would take about'],
    [['--truncation', '--problem', 'two-parameter', '--max-work', '10'], 'above the bound 1.00e+1'],
    [['--principal', '--max-order', '3'], '--max-order applies to --truncation, not --principal'],
    [['--principal', '--max-work', '3'], '--max-work applies to --truncation, not --principal'],
    [['--principal', '--T', '1'], '--principal runs a fixed number of GD steps per h: give --steps N, not --T'],
    [['--principal', '--h', '0.1', '--h-lambda', '0.5'], 'give either --h or --h-lambda, not both'],
    [['--principal', '--steps', '1'], '--steps must be an integer in 2..10000, got 1'],
    [['--principal', '--threshold', '0'], '--threshold must be positive, got 0'],
    [['--principal', '--h-lambda', '0.5,-1'], '--h-lambda: every step size must be positive, got -1'],
    [['--principal', '--problem', 'nope'], "unknown problem 'nope'"],
    [['--truncation', '--problem', 'riccati', '--h', '0.1,0.1'], '--h lists the step size 0.1 more than once'],
    [['--principal', '--h', '0.2,0.1,0.2'], '--h lists the step size 0.2 more than once'],
    [['--max-order', '4'], '--max-order applies to --truncation or --principal'],
    [['--steps', '4'], '--steps applies to --truncation or --principal'],
  ];
  for (const [argv, message] of cases) {
    it(`${argv.join(' ')} → exit 2: ${message}`, async () => {
      await usage(argv, message);
    });
  }

  it('--help lists the new options', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    for (const o of ['--truncation', '--max-order P', '--steps N', '--max-work W', '--principal', '--h-lambda LIST', '--threshold R']) expect(r.out).toContain(o);
    expect(r.out.indexOf('--truncation ')).toBeLessThan(r.out.indexOf('  --help '));
  });
});
