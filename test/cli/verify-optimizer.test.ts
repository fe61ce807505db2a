/**
 * `igr verify --optimizer sgd|momentum|rk:NAME` end to end through `main`: tables, JSON (the GD
 * keys plus `optimizer` and `flows`), exit codes, and every kind of bad input (message listing
 * the valid values, exit code 2, nothing on stdout, no stack trace).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, usage } from './verify-run.js';


const reportRoot = mkdtempSync(join(tmpdir(), 'igr-verify-optimizer-'));
afterAll(() => rmSync(reportRoot, { recursive: true, force: true }));

const GD_KEYS = ['problem', 'T', 'hs', 'orders', 'globalError', 'localError', 'globalSlope', 'localSlope', 'referenceErrorBound', 'nonGradientPart'];

describe('igr verify --optimizer', () => {
  it('rk:midpoint on a typed loss: default orders q, q + 1 with expected slopes 2 and 3, exit 0', async () => {
    const r = await run('--optimizer', 'rk:midpoint', '--loss', '(x^2 - 1)^2/4 + 0.3*x + (y - sin(2*x)/2)^2/2', '--at', '0.2,1', '--h', '0.1,0.05,0.025');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('optimizer rk:midpoint (order 2, 2 stages)');
    expect(r.out).toContain('p=2: truncation after f_2 = the gradient flow (f_2 vanishes)');
    expect(r.out).toMatch(/order 2  global slope +[0-9.]+ \(expected 2, R² [0-9.]+, 3 points\) PASS/);
    expect(r.out).toMatch(/order 3  global slope +[0-9.]+ \(expected 3, R² [0-9.]+, 3 points\) PASS/);
    expect(r.out).not.toContain('non-gradient part');
  });

  it('momentum --json: the GD keys plus optimizer {beta, start} and flows; slopes 1 and 2', async () => {
    const r = await run('--optimizer', 'momentum', '--beta', '0.3', '--problem', 'double-well', '--h', '0.05,0.025,0.0125', '--json');
    expect(r.code).toBe(0);
    const obj = JSON.parse(r.out.trim());
    expect(Object.keys(obj)).toEqual([...GD_KEYS, 'optimizer', 'flows', 'reference']);
    expect(obj.optimizer).toEqual({ name: 'momentum', beta: 0.3, start: 'shifted' });
    expect(obj.orders).toEqual([1, 2]);
    expect(obj.globalSlope['1'].expected).toBe(1);
    expect(obj.globalSlope['2'].expected).toBe(2);
    expect(Math.abs(obj.globalSlope['2'].slope - 2)).toBeLessThanOrEqual(0.1);
    expect(obj.flows['2']).toContain('h(1 + β)/(4(1 − β)²)');
  });

  it('sgd on least squares --batches 3 --epochs 1: three flows, the SGD modified flow at slope 3, parameters in JSON', async () => {
    const r = await run('--optimizer', 'sgd', '--problem', 'least-squares', '--batches', '3', '--epochs', '1', '--json');
    expect(r.code).toBe(0);
    const obj = JSON.parse(r.out.trim());
    expect(obj.optimizer).toMatchObject({ name: 'sgd', batches: 3, batchSize: 4, epochs: 1, averaging: 'exact', sequences: 6 });
    expect(obj.orders).toEqual([1, 2, 3]);
    expect([1, 2, 3].map((k) => obj.localSlope[k].expected)).toEqual([2, 2, 3]);
    expect(Math.abs(obj.localSlope['3'].slope - 3)).toBeLessThanOrEqual(0.1);
    const human = await run('--optimizer', 'sgd', '--problem', 'least-squares', '--batches', '3', '--epochs', '1');
    expect(human.out).toContain('optimizer sgd (random reshuffling): 3 minibatches of 4; mean iterate over 6 epoch-order sequences (exact)');
    expect(human.out).toContain('local = after 1 epoch, global = after 1 epoch;');
  });

  it('--momentum-start theta0: the modified flow from θ_0 is expected (and measured) at slope 1, not 2', async () => {
    const r = await run('--optimizer', 'momentum', '--problem', 'logistic', '--momentum-start', 'theta0', '--h', '0.05,0.025,0.0125', '--T', '1.6', '--json');
    const obj = JSON.parse(r.out.trim());
    expect(obj.optimizer.start).toBe('theta0');
    expect(obj.globalSlope['2'].expected).toBe(1);
    expect(Math.abs(obj.globalSlope['2'].slope - 1)).toBeLessThanOrEqual(0.1);
    expect(r.code).toBe(0);
  });

  it('--help lists the optimizers, the tableaus and the SGD problems', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('--optimizer NAME gd (default), sgd, momentum, or rk:TABLEAU');
    expect(r.out).toContain('euler, midpoint, heun, kutta3, rk4, rk38');
    expect(r.out).toContain('on least-squares, mlp');
    for (const o of ['--beta NUMBER', '--batches M', '--epochs K', '--momentum-start']) expect(r.out).toContain(o);
  });

  it('one step size, or a repeated one, is a usage error here too (nothing to fit a slope through)', async () => {
    await usage(['--optimizer', 'momentum', '--problem', 'double-well', '--h', '0.05'], '--h needs at least 2 distinct step sizes to fit a slope through, got 1 (0.05)');
    await usage(['--optimizer', 'rk:rk4', '--h', '0.1,0.05,0.1'], '--h lists the step size 0.1 more than once');
  });

  it('rk4 without --h on a stiff problem: its own ladder, said in the output (and --h overrides it)', async () => {
    const r = await run('--optimizer', 'rk:rk4', '--problem', 'two-parameter', '--orders', '4');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/^ladder for order 4: h = 0\.002, 0\.001, 0\.0005, T = 0\.08 instead of GD's \(stiff/);
    const j = await run('--optimizer', 'rk:rk4', '--problem', 'two-parameter', '--orders', '4', '--h', '0.004,0.002', '--json');
    expect(JSON.parse(j.out.trim())).toMatchObject({ hs: [0.004, 0.002], T: 0.08 });
  });

  it('--report DIR writes the page for a non-GD run (momentum on a typed loss: heading with β, portrait), path on stderr under --json', async () => {
    const target = join(reportRoot, 'momentum');
    const r = await run('--optimizer', 'momentum', '--beta', '0.3', '--loss', '(1/2)*(1 - a*b)^2', '--at', '1.2,0.6', '--h', '0.02,0.01,0.005', '--T', '0.4', '--json', '--report', target);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out.trim()).optimizer).toEqual({ name: 'momentum', beta: 0.3, start: 'shifted' });
    expect(r.err).toBe(`report: ${join(target, 'index.html')}\n`);
    const html = readFileSync(join(target, 'index.html'), 'utf8');
    expect(html).toContain('heavy-ball momentum, β = 0.3');
    expect(html).toContain('id="problem-0-phase"');
    expect(html).toContain('igr verify --optimizer momentum --beta 0.3');
  });

  it('--report with SGD: the page, and an unwritable directory is refused before any work (exit 2)', async () => {
    const target = join(reportRoot, 'sgd');
    const r = await run('--optimizer', 'sgd', '--problem', 'least-squares', '--batches', '2', '--epochs', '1', '--h', '0.01,0.005', '--report', target);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`report: ${join(target, 'index.html')}`);
    expect(readFileSync(join(target, 'index.html'), 'utf8')).toContain('No phase portrait');
    writeFileSync(join(reportRoot, 'file'), '');
    await usage(['--optimizer', 'rk:rk4', '--problem', 'quadratic', '--report', join(reportRoot, 'file', 'out')], /--report: cannot create report directory/);
    expect(existsSync(join(reportRoot, 'file', 'out'))).toBe(false);
  });

  it('bad input: unknown optimizer or tableau, β outside [0, 1), batches not dividing the data, misplaced options', async () => {
    await usage(['--optimizer', 'adam'], "unknown optimizer 'adam'; valid: gd, sgd, momentum, rk:euler, rk:midpoint, rk:heun, rk:kutta3, rk:rk4, rk:rk38");
    await usage(['--optimizer', 'rk:dopri5'], "unknown Runge–Kutta tableau 'dopri5'; valid: rk:euler, rk:midpoint, rk:heun, rk:kutta3, rk:rk4, rk:rk38");
    await usage(['--optimizer', 'momentum', '--beta', '1'], "the momentum β must be a number in [0, 1), got '1'");
    await usage(['--optimizer', 'momentum', '--beta', '-0.5'], "got '-0.5'");
    await usage(['--optimizer', 'momentum', '--beta', 'x'], "got 'x'");
    await usage(['--optimizer', 'sgd', '--batches', '5'], "--batches 5 does not divide the 12 data points of 'least-squares'; valid: 1, 2, 3, 4, 6, 12");
    await usage(['--optimizer', 'sgd', '--batches', '0'], '--batches must be a whole number ≥ 1');
    await usage(['--optimizer', 'sgd', '--problem', 'quadratic'], "unknown SGD problem 'quadratic'; valid problems for --optimizer sgd are least-squares, mlp");
    await usage(['--beta', '0.5'], '--beta applies only to --optimizer momentum');
    await usage(['--optimizer', 'momentum', '--batches', '2'], '--batches applies only to --optimizer sgd');
    await usage(['--optimizer', 'sgd', '--loss', 'x^2', '--at', '1'], '--loss is not accepted');
    await usage(['--optimizer', 'sgd', '--T', '1'], 'use --epochs K instead of --T');
    await usage(['--optimizer', 'momentum', '--orders', '1,2,3'], '--orders does not apply');
    await usage(['--optimizer', 'momentum', '--momentum-start', 'zero'], "--momentum-start: unknown start 'zero'; valid: shifted, theta0");
    await usage(['--optimizer', 'sgd', '--momentum-start', 'theta0'], '--momentum-start applies only to --optimizer momentum');
    await usage(['--optimizer', 'rk:rk4', '--problem', 'double-well', '--h', '0.5,0.3', '--T', '1'], 'T/h must be a whole number of steps');
    await usage(['--optimizer', 'rk:rk4', '--problem', 'nope'], "unknown problem 'nope'");
  });
});
