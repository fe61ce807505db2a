/**
 * `igr verify --workers N`: the (h, order) jobs on worker threads give the output of one worker
 * bit for bit (tables, --json, the HTML report), whatever the loss (a built-in problem by name, a
 * --loss expression recompiled in each worker) and the optimiser; a dying worker is reported and
 * the other problems still run; progress per job on a terminal; bad --workers values rejected.
 * Each worker compiles the sources through tsx (about a second of CPU), so the runs are few and small.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveLoss } from '../../src/cli/verify/spec.js';
import { modelLoss } from '../../src/cli/verify/model.js';
import { makeRunConfig } from '../../src/igr/experiments/config.js';
import { tensor } from '../../src/autodiff/index.js';
import { run, usage } from './verify-run.js';

const dir = mkdtempSync(join(tmpdir(), 'igr-verify-workers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The human output without its wall-clock times (`PASS  (0.4 s)`), the only part that may differ. */
const untimed = (text: string): string => text.replace(/^( {2}(?:PASS|FAIL)) {2}\(\d+\.\d s\)$/gm, '$1');

describe('igr verify --workers', () => {
  it('two built-in problems: --json lines and the HTML report are those of --workers 1, bit for bit', async () => {
    const args = ['--problem', 'two-parameter,quadratic', '--h', '0.004,0.002,0.001', '--T', '0.08', '--orders', '1,2', '--json'];
    const one = await run(...args, '--workers', '1', '--report', join(dir, 'one'));
    const two = await run(...args, '--workers', '2', '--report', join(dir, 'two'));
    expect(one.code).toBe(0);
    expect(two.code).toBe(one.code);
    expect(two.out).toBe(one.out);
    expect(two.out.trim().split('\n')).toHaveLength(2);
    // The page differs only in the command line it quotes, the time it was generated at and the
    // seconds each problem took.
    const page = (name: string): string =>
      readFileSync(join(dir, name, 'index.html'), 'utf8')
        .replaceAll(`--workers ${name === 'one' ? 1 : 2} --report ${join(dir, name)}`, '…')
        .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z/g, 'generated')
        .replace(/, orders ([\d, ]+), \d+(\.\d+)? s\./g, ', orders $1, … s.');
    expect(page('two')).toBe(page('one'));
  });

  it('a --loss expression is recompiled in each worker: the same tables as in one thread', async () => {
    const args = ['--loss', 'sin(a)*cos(b) + a^2/4', '--at', '0.3,0.2', '--h', '0.1,0.05,0.025', '--orders', '2'];
    const one = await run(...args, '--workers', '1');
    const two = await run(...args, '--workers', '2');
    expect(one.err).toBe('');
    expect(two.err).toBe('');
    expect(untimed(two.out)).toBe(untimed(one.out));
    expect(two.out).toContain('sin(a) * cos(b) + a ^ 2 / 4  (m = 2, θ0 = [0.3, 0.2], T = 1)');
  });

  it('--optimizer momentum on workers: the same JSON as in one thread', async () => {
    const args = ['--optimizer', 'momentum', '--beta', '0.5', '--problem', 'double-well', '--h', '0.01,0.005', '--json'];
    const one = await run(...args, '--workers', '1');
    const two = await run(...args, '--workers', '2');
    expect(two.code).toBe(one.code);
    expect(two.out).toBe(one.out);
    expect(JSON.parse(two.out).optimizer).toEqual({ name: 'momentum', beta: 0.5, start: 'shifted' });
  });

  it('--optimizer sgd on workers: the same JSON, its per-ε standard errors gathered from the jobs', async () => {
    const args = ['--optimizer', 'sgd', '--problem', 'least-squares', '--h', '0.01,0.005,0.0025', '--json'];
    const one = await run(...args, '--workers', '1');
    const two = await run(...args, '--workers', '2');
    expect(two.code).toBe(one.code);
    expect(two.out).toBe(one.out);
    expect(JSON.parse(two.out).optimizer.standardError).toHaveLength(3);
  });

  it('a worker that dies (exit, or an uncaught exception) fails its problem in one line (exit 1); the others are still reported', async () => {
    // Every job of two-parameter makes its worker exit, every job of quadratic throws in its worker
    // (a fresh worker replaces each); double-well is measured as usual.
    process.env.IGR_VERIFY_TEST_CRASH = 'two-parameter:exit,quadratic';
    let r: Awaited<ReturnType<typeof run>>;
    try {
      r = await run('--problem', 'two-parameter,quadratic,double-well', '--h', '0.004,0.002', '--T', '0.08', '--orders', '1', '--workers', '2');
    } finally {
      delete process.env.IGR_VERIFY_TEST_CRASH;
    }
    expect(r.code).toBe(1);
    expect(r.err.split('\n')).toEqual([
      'igr verify: two-parameter: the verification could not finish: worker exited with code 70 while running it',
      expect.stringMatching(/^igr verify: quadratic: the verification could not finish: worker crashed: test crash hook \(IGR_VERIFY_TEST_CRASH\) at task \d+$/),
      '',
    ]);
    expect(r.out).not.toContain('two-parameter  (m = 2');
    expect(r.out).not.toContain('quadratic  (m = 5');
    expect(r.out).toContain('double-well  (m = 2');
  });

  it("an automatic ladder's probe points on workers: the same JSON (ladder included) as in one thread", async () => {
    const args = ['--loss', '(x-1)^2/2 + (y+2)^2*z^2/2 + cos(z)', '--at', '0.5,-1,1', '--json'];
    const one = await run(...args, '--workers', '1');
    const two = await run(...args, '--workers', '2');
    expect(one.code).toBe(0);
    expect(two.out).toBe(one.out);
    expect(two.out).toContain('"ladder":{"automatic":true');
  });

  it('a worker that dies during the probe: the ladder could not be chosen, one line, exit 1', async () => {
    process.env.IGR_VERIFY_TEST_CRASH = 'x ^ 2 * y + sin(y)';
    let r: Awaited<ReturnType<typeof run>>;
    try {
      r = await run('--loss', 'x^2*y + sin(y)', '--at', '1,2', '--workers', '2');
    } finally {
      delete process.env.IGR_VERIFY_TEST_CRASH;
    }
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(
      /^igr verify: x \^ 2 \* y \+ sin\(y\): the automatic ladder could not be chosen: a probe point of the automatic ladder could not be measured: worker crashed: test crash hook \(IGR_VERIFY_TEST_CRASH\) at task \d+\n$/,
    );
  });
});

describe('progress and bad input', () => {
  it('on a terminal: one line per (h, order) job with an estimate of the time left, erased before each table', async () => {
    const r = await run('--problem', 'quadratic', '--h', '0.04,0.02', '--orders', '1,2', '--workers', '1');
    expect(r.err).toBe(''); // not a terminal: no progress
    const { runCli } = await import('./run-cli.js');
    const tty = await runCli(['verify', '--problem', 'quadratic', '--h', '0.04,0.02', '--orders', '1,2', '--workers', '1'], true);
    expect(tty.code).toBe(0);
    const lines = tty.err.split('\r').filter((l) => l !== '');
    // A line at once (in one thread nothing is known of the time left until a job is done), then one per job.
    expect(lines[0]).toMatch(/^\[\.{20}\] 0\/4 \(h, order\) jobs · quadratic · 0s elapsed · ~\? left\x1b\[K$/);
    expect(lines[1]).toMatch(/^\[#+\.*\] 1\/4 \(h, order\) jobs · quadratic · \d+s elapsed · ~\d+s left\x1b\[K$/);
    expect(lines.some((l) => /^\[#{20}\] 4\/4 \(h, order\) jobs · quadratic · \d+s elapsed · done\x1b\[K$/.test(l))).toBe(true);
    expect(tty.err.endsWith('\x1b[K')).toBe(true); // erased before the table, nothing left over
  });

  it.each([
    ['0', /--workers must be an integer ≥ 1, got 0/],
    ['1.5', /--workers must be an integer ≥ 1, got 1\.5/],
    ['many', /--workers/],
  ])('--workers %s is a usage error before any work', async (value, message) => {
    await usage(['--problem', 'quadratic', '--workers', value], message);
    await usage(['--optimizer', 'rk:rk4', '--problem', 'quadratic', '--workers', value], message);
  });

  it('a model loss (igr verify --model) in the job spec is built from its config, once per thread', async () => {
    const config = { run: makeRunConfig({ data: 'moons', train: 20, test: 10, hidden: [4] }), afterSteps: 0 };
    const a = await resolveLoss({ kind: 'model', config });
    const b = await resolveLoss({ kind: 'model', config: { ...config, afterSteps: 7 } }); // K only moves the start
    expect(b).toBe(a);
    const { loss, init } = await modelLoss(config);
    expect(loss).toBe(a);
    expect(init).toHaveLength(2 * 4 + 4 + 4 * 2 + 2);
    expect(Number.isFinite(a(tensor(Array.from(init))).item())).toBe(true);
  });
});
