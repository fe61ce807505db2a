/**
 * `igr verify` end to end through `main`, with captured output: the human and JSON reports on
 * fast settings, the exit codes, and every kind of bad input (message, exit code 2, no stack
 * trace, no NaN).
 */
import { describe, expect, it } from 'vitest';
import { run, usage } from './verify-run.js';
import { runCli } from './run-cli.js';
import { MAX_ORDER, problems } from '../../src/igr/index.js';


// The paper's loss E(a, b) = (1/2)(1 - a b)^2 from (2.8, 3.5) is stiff (|H| ≈ 21), so the
// fast settings use a gentler start and a short ladder: a few hundred GD steps in all.
const FAST = ['--loss', '(1/2)*(1 - a*b)^2', '--at', '1.2,0.6', '--h', '0.04,0.02,0.01', '--T', '0.4'];

describe('igr verify on a loss typed as text', () => {
  it('prints the error table and one PASS line per order, exit 0', async () => {
    const r = await run(...FAST, '--orders', '1,2,3');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('(1 / 2) * (1 - a * b) ^ 2  (m = 2, θ0 = [1.2, 0.6], T = 0.4)');
    expect(r.out).toMatch(/h\s+steps\s+local p=1\s+local p=2\s+local p=3\s+global p=1\s+global p=2\s+global p=3/);
    for (const p of [1, 2, 3]) {
      expect(r.out).toMatch(new RegExp(`order ${p}  global slope +[0-9.]+ \\(expected ${p}, R² [0-9.]+, 3 points\\) PASS`));
      expect(r.out).toMatch(new RegExp(`local  slope +[0-9.]+ \\(expected ${p + 1}, R² [0-9.]+, 3 points\\) PASS`));
    }
    expect(r.out).toContain('reference integrator (max over all runs): Richardson estimate');
    expect(r.out).toMatch(/references: global RK4 ×\d+, DOP853 ×\d+ \(\d+ field evaluations\), \d+ cross-checked by adaptive DOP853 \(\d+\); local (RK4|DOP853) ×\d+/);
    expect(r.out).toContain('non-gradient part of f_3');
    expect(r.out).not.toMatch(/NaN/);
  });

  it('--json: one object per line with the documented keys, slopes near p and p+1, null not NaN', async () => {
    const r = await run(...FAST, '--orders', '1,2', '--json');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(r.out).not.toMatch(/NaN/);
    const json = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual([
      'problem',
      'T',
      'hs',
      'orders',
      'globalError',
      'localError',
      'globalSlope',
      'localSlope',
      'referenceErrorBound',
      'nonGradientPart',
      'reference',
    ]);
    expect(json.hs).toEqual([0.04, 0.02, 0.01]);
    expect(json.orders).toEqual([1, 2]);
    const globalSlope = json.globalSlope as Record<string, { slope: number }>;
    const localSlope = json.localSlope as Record<string, { slope: number }>;
    // The acceptance tolerance: ±0.1 of p (global) and p + 1 (local).
    expect(Math.abs(globalSlope['1']!.slope - 1)).toBeLessThan(0.1);
    expect(Math.abs(globalSlope['2']!.slope - 2)).toBeLessThan(0.1);
    expect(Math.abs(localSlope['1']!.slope - 2)).toBeLessThan(0.1);
    expect(Math.abs(localSlope['2']!.slope - 3)).toBeLessThan(0.1);
  });

  it('--vars names the order of --at', async () => {
    // (1/2)(1 - a b)^2 is symmetric in a, b, so swap to an asymmetric loss to see the order matter.
    const r = await run('--loss', 'a^2 + 3*b', '--vars', 'b,a', '--at', '2', '--h', '0.1,0.05', '--orders', '1');
    expect(r.code).toBe(2);
    expect(r.err).toContain('--at has 1 value but the loss has 2 variables (b, a), in that order');
  });
});

describe('igr verify on built-in problems', () => {
  it('--problem NAME with a short ladder and --json', async () => {
    const quadratic = problems.find((p) => p.name.includes('quadratic'));
    expect(quadratic).toBeDefined();
    const r = await run('--problem', quadratic!.name, '--orders', '1,2', '--h', '0.1,0.05,0.025', '--T', '0.5', '--json');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as { problem: string; T: number };
    expect(json.problem).toBe(quadratic!.name);
    expect(json.T).toBe(0.5);
  });

  it('the paper\'s model typed as text reproduces the built-in two-parameter problem', async () => {
    const common = ['--h', '0.004,0.002', '--T', '0.08', '--orders', '1,2', '--json'];
    const builtIn = await run('--problem', 'two-parameter', ...common);
    const typed = await run('--loss', '(1/2)*(1 - a*b)^2', '--at', '2.8,3.5', ...common);
    expect(builtIn.code).toBe(0);
    expect(typed.code).toBe(0);
    type Errors = { globalError: Record<string, number[]>; localError: Record<string, number[]> };
    const a = JSON.parse(builtIn.out) as Errors;
    const b = JSON.parse(typed.out) as Errors;
    // Same function through different operations (pow vs square): the gradients differ by a few
    // ulps, the measured errors (≥ 1e-5 here) by far less than 1e-9 relative.
    for (const p of ['1', '2']) {
      for (const key of ['globalError', 'localError'] as const) {
        a[key][p]!.forEach((e, i) => expect(Math.abs(e - b[key][p]![i]!)).toBeLessThan(1e-9 * e));
      }
    }
  });

  it('--help lists every built-in problem and the order range, exit 0', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    for (const p of problems) expect(r.out).toContain(p.name);
    expect(r.out).toContain(`each in 1..${MAX_ORDER}`);
  });
});

describe('igr verify bad input', () => {
  it('unknown problem: lists the valid ones', async () => {
    const err = await usage(['--problem', 'nosuch'], /nosuch/);
    for (const p of problems) expect(err).toContain(p.name);
  });

  it('an expression that does not parse: the position', async () => {
    await usage(['--loss', 'a*(b +', '--at', '1,2'], 'cannot parse the expression at character 7');
  });

  it('an unknown function', async () => {
    await usage(['--loss', 'foo(a)', '--at', '1'], "--loss: unknown function 'foo'; valid functions: sin, cos");
  });

  it('an unknown variable under --vars', async () => {
    await usage(['--loss', 'a*b + c', '--vars', 'a,b', '--at', '1,2'], "--loss: unknown symbol 'c'; variables: a, b");
  });

  it('a non-scalar expression', async () => {
    await usage(['--loss', '[a, b]', '--at', '1,2'], "--loss: the loss must be a scalar expression, but '[a, b]' is a matrix or array literal");
  });

  it('--at with the wrong count, or missing, or not numbers', async () => {
    await usage(['--loss', 'a*b', '--at', '1,2,3'], '--at has 3 values but the loss has 2 variables (a, b), in that order');
    await usage(['--loss', 'a*b'], '--loss needs a start point: --at x0,y0,...');
    await usage(['--loss', 'a*b', '--at', '1,x'], "--at: 'x' is not a finite number");
  });

  it('a start point outside the loss domain', async () => {
    // A negative first value after --at is taken as the value, not as an option.
    await usage(['--loss', 'log(a)', '--at', '-1'], "the loss 'log(a)' is not finite at --at [-1]; choose a start point inside its domain");
    await usage(['--loss', 'sqrt(a)', '--at', '0'], "the gradient of the loss 'sqrt(a)' is not finite at --at [0]");
  });

  it('non-positive h or T', async () => {
    await usage(['--loss', 'a^2', '--at', '1', '--h', '0.1,0,0.05'], '--h: every step size must be positive, got 0');
    await usage(['--loss', 'a^2', '--at', '1', '--h', '-0.1'], '--h: every step size must be positive, got -0.1');
    await usage(['--loss', 'a^2', '--at', '1', '--T', '0'], '--T must be positive, got 0');
    await usage(['--loss', 'a^2', '--at', '1', '--T', '-1'], '--T must be positive, got -1');
  });

  it('a ladder whose T/h is not a whole number of steps', async () => {
    await usage(['--problem', 'quadratic', '--h', '0.04,0.03'], /T\/h must be a whole number of steps, but T = 1, h = 0\.03/);
  });

  it('orders outside 1..max: says the max', async () => {
    await usage(['--orders', '0'], `--orders: 0 is not an order in 1..${MAX_ORDER}`);
    await usage(
      ['--orders', `1,${MAX_ORDER + 1}`],
      `--orders: ${MAX_ORDER + 1} is not an order in 1..${MAX_ORDER}: the largest order igr verify measures is ${MAX_ORDER}, because at order 9 the errors h^9 fall below round-off on every built-in ladder (not one global point of two-parameter, the cheapest problem, could be fitted), while the cost grows 2.6× (19 s of CPU against 7 s there)`,
    );
    await usage(['--optimizer', 'rk:rk4', '--orders', '20'], /^igr verify: --orders: 20 is not an order in 1\.\.8: the largest order igr verify measures is 8, because at order 9 the errors/);
    await usage(['--orders', '1.5'], `--orders: 1.5 is not an order in 1..${MAX_ORDER}`);
  });

  it('unknown options and --problem with --loss', async () => {
    await usage(['--nosuch'], /^igr verify: unknown option --nosuch; valid options: --problem, --loss, --at,/);
    await usage(['--problem', problems[0]!.name, '--loss', 'a', '--at', '1'], 'use either --problem or --loss, not both');
    await usage(['--problem', problems[0]!.name, '--at', '1'], '--at applies only to a loss typed with --loss EXPR');
    await usage(['--vars', 'a'], '--vars applies only to a loss typed with --loss EXPR');
  });

  it('h beyond the stability limit of GD: that h is reported diverged, the rest still measured', async () => {
    // E = 5a² + 0.005b²: GD multiplies a by 1 − 10h per step; h = 1.9 gives −18, past the core's
    // divergence threshold 1e6 · (1 + max|θ0|) = 2e6 at step 6 (18^6 ≈ 3.4e7 > 2e6 > 18^5). The
    // slow b-direction keeps the other step sizes' global errors far above round-off over T = 11.4.
    const args = ['--loss', '5*a^2 + 0.005*b^2', '--at', '1,1', '--h', '1.9,0.019,0.0095,0.00475', '--T', '11.4', '--orders', '1,2'];
    const r = await run(...args);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^ {2}1\.9\s+6\s+—\s+—\s+diverged at step 6$/m);
    expect(r.out).toMatch(/order 1  global slope +[0-9.]+ \(expected 1, R² [0-9.]+, 3 points\) PASS/);
    expect(r.out).not.toMatch(/NaN/);
    // The exit code depends on the remaining fits only: all pass here.
    expect(r.code).toBe(0);
    const json = await run(...args, '--json');
    expect(json.out).not.toMatch(/NaN/);
    const parsed = JSON.parse(json.out) as { globalError: Record<string, (number | null)[]>; localError: Record<string, (number | null)[]> };
    expect(parsed.globalError['1']![0]).toBeNull();
    expect(parsed.localError['2']![0]).toBeNull();
    expect(json.code).toBe(0);
  });

  it('a stiff flow never produces a stack trace or NaN, whatever the integrators make of it', async () => {
    // E = a⁴ from a = 1 over T = 3 (curvature 12): GD with h = 0.75 diverges at step 4, and a coarse
    // RK4 reference of the flow is unstable too. Either the run is measured (exit 0/1) or it is
    // reported in one line as not finished (exit 1); never a crash.
    const r = await run('--loss', 'a^4', '--at', '1', '--h', '0.75,0.01,0.005,0.0025', '--T', '3', '--orders', '1,2');
    expect([0, 1]).toContain(r.code);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.out + r.err).not.toMatch(/NaN/);
    if (r.err !== '') expect(r.err).toMatch(/^igr verify: a \^ 4: the verification could not finish: /);
  });
});

describe('igr verify exit code 1', () => {
  it('a ladder too coarse for the asymptotic regime fails the slope check: FAIL lines, exit 1', async () => {
    // E = a^4 from a = 1 over T = 1 with h = 1 in the ladder: one huge step (a → −3) is far from
    // the h → 0 regime, so the fitted order-1 slopes miss 1 and 2 by more than 0.1.
    const r = await run('--loss', 'a^4', '--at', '1', '--h', '1,0.02,0.01,0.005', '--T', '1', '--orders', '1');
    expect(r.code).toBe(1);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/order 1  global slope +[0-9.]+ \(expected 1, R² [0-9.]+, 4 points\) FAIL/);
    expect(r.out).toMatch(/^ {2}FAIL/m);
  });

  it('--loss without --h: the automatic ladder, said before the table and as the JSON line\'s ladder; the issue\'s example passes', async () => {
    // Issue 13: on the old fixed ladder (h = 0.1 … 0.0125, T = 1) this loss missed its local
    // slopes at orders 2 and 3 (2.90, 3.87); |λ|max(θ0) = 4.71 gives h0 ≤ 0.1/4.71 → 0.02.
    const r = await run('--loss', 'x^2*y + sin(y)', '--at', '1,2');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe('ladder (automatic): h = 0.02, 0.01, 0.005, 0.0025; T = 0.32 = 16·h0');
    expect(lines[1]).toMatch(/^ {2}κ = 4\.71e0 \(\|λ\|max\(θ0\) = 4\.71e0 by Lanczos, residual [0-9.e-]+; largest \|f_\{j\+1\}\|\/\|f_j\| = 3\.92e0\): h0 ≤ 0\.1\/κ = 2\.12e-2, 0\.02 on the 1-2-5 grid$/);
    expect(lines[2]).toMatch(/^ {2}probe 1, h = 0\.02, 0\.01, 0\.005, 0\.0025: keep: every local slope within 0\.1 of p \+ 1/);
    expect(lines[3]).toMatch(/^ {2}global round-off floor at the smallest h: [0-9.]+e-12$/);
    expect(r.out).toContain('x ^ 2 * y + sin(y)  (m = 2, θ0 = [1, 2], T = 0.32)');
    expect(r.out).toMatch(/^ {2}PASS/m);
    const json = JSON.parse((await run('--loss', 'x^2*y + sin(y)', '--at', '1,2', '--json')).out) as Record<string, unknown> & { ladder: Record<string, unknown> };
    expect(json.hs).toEqual([0.02, 0.01, 0.005, 0.0025]);
    expect(json.T).toBe(0.32);
    expect(Object.keys(json).at(-1)).toBe('ladder');
    expect(json.ladder).toMatchObject({ automatic: true, hs: [0.02, 0.01, 0.005, 0.0025], T: 0.32, kappaSource: 'lambda', boundSource: 'curvature', settled: true });
    expect((json.ladder.lambdaMax as number).toFixed(3)).toBe('4.712');
    expect((json.ladder.probes as { decision: string }[]).map((p) => p.decision)).toEqual(['keep']);
    // A ladder the user gives has no ladder key.
    const given = await run('--loss', 'x^2*y + sin(y)', '--at', '1,2', '--h', '0.02,0.01', '--T', '0.2', '--json');
    expect(Object.keys(JSON.parse(given.out) as object)).not.toContain('ladder');
  });

  it("the probe's measured jobs, reused by the verification, give the report of the same ladder given by --h and --T, bit for bit", async () => {
    const auto = JSON.parse((await run('--loss', '(x-1)^2/2 + (y+2)^2*z^2/2 + cos(z)', '--at', '0.5,-1,1', '--json')).out) as Record<string, unknown> & { hs: number[]; T: number };
    const given = JSON.parse(
      (await run('--loss', '(x-1)^2/2 + (y+2)^2*z^2/2 + cos(z)', '--at', '0.5,-1,1', '--h', auto.hs.join(','), '--T', String(auto.T), '--json')).out,
    ) as Record<string, unknown>;
    const { ladder: _ladder, ...rest } = auto;
    expect(rest).toEqual(given);
  });

  it('an automatic ladder that does not settle (a linear loss: every error on the floor) says so before the table and on stderr, exit 1', async () => {
    const r = await run('--loss', 'x + 2*y', '--at', '0.5,0.5', '--orders', '1');
    expect(r.code).toBe(1);
    expect(r.out).toContain('no curvature at θ0 (|λ|max = 0, modified terms that do not grow): h0 ≤ 0.1·max(1, |θ0|∞)/|∇E(θ0)| = 4.47e-2');
    expect(r.out).toMatch(/probe 9, h = [0-9., ]+: larger: order 1's local error is on the round-off floor at 4 of 4 step sizes/);
    expect(r.out).toContain('NOT settled: the slopes may miss');
    expect(r.err).toBe('igr verify: x + 2 * y: the automatic ladder did not settle (see the ladder line above the table): the slopes may miss; give a ladder with --h LIST --T T\n');
  });

  it('on a terminal the ladder probe shows a progress line on stderr, erased before the table', async () => {
    const r = await runCli(['verify', '--loss', 'x^2*y + sin(y)', '--at', '1,2', '--orders', '1,2', '--workers', '1'], true);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/\r\[#+\.*\] 1\/12 points · ladder probe 1 · x \^ 2 \* y \+ sin\(y\) · \d+s elapsed/);
    expect(r.err).toMatch(/\[#{20}\] 12\/12 points · ladder probe 1 · x \^ 2 \* y \+ sin\(y\) · \d+s elapsed · done/);
  });

  it('--ladder auto on a built-in problem, and the ladder options it refuses', async () => {
    const r = await run('--problem', 'quadratic', '--ladder', 'auto', '--orders', '1,2');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toBe('ladder (automatic): h = 0.02, 0.01, 0.005, 0.0025; T = 0.32 = 16·h0');
    await usage(['--problem', 'quadratic', '--ladder', 'tuned'], '--ladder: unknown value tuned; valid: auto');
    await usage(['--problem', 'quadratic', '--ladder', 'auto', '--h', '0.1,0.05'], 'give either --ladder auto or --h/--T, not both');
    await usage(['--problem', 'quadratic', '--ladder', 'auto', '--T', '1'], 'give either --ladder auto or --h/--T, not both');
    await usage(['--optimizer', 'rk:rk4', '--ladder', 'auto'], '--ladder auto applies to gradient descent');
    await usage(['--truncation', '--ladder', 'auto'], '--ladder applies to the gradient-descent verification, not --truncation');
    await usage(['--loss', 'x^2', '--at', '1', '--T', '2'], '--T goes with --h: without --h the ladder and T of --loss are chosen for the loss');
    // A stationary start: nothing moves, no ladder can be chosen.
    await usage(['--loss', 'x^2 + y^2', '--at', '0,0'], 'x ^ 2 + y ^ 2: chooseLadder: the gradient of the loss is 0 at θ0');
  });

  it('a ladder with one usable point leaves nothing to fit: "no fit" lines (not NaN), JSON null slopes, exit 1', async () => {
    // E = 5a²: h = 1 multiplies a by −9 per step and diverges within T = 10; only h = 0.01 is measured.
    const args = ['--loss', '5*a^2', '--at', '1', '--h', '1,0.01', '--T', '10', '--orders', '1'];
    const r = await run(...args);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/diverged at step \d+/);
    expect(r.out).toMatch(/order 1  global no fit \(fewer than 2 usable points\) +FAIL/);
    expect(r.out).not.toMatch(/NaN/);
    const json = await run(...args, '--json');
    expect(json.code).toBe(1);
    expect((JSON.parse(json.out) as { globalSlope: Record<string, unknown> }).globalSlope['1']).toBeNull();
  });
});
