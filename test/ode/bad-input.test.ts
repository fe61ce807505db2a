/** Every bad input and every failed integration gets an OdeError whose message says what was wrong. */
import { describe, expect, it } from 'vitest';
import {
  dormandPrince,
  integrate,
  integrateAdaptive,
  integrateTrajectory,
  OdeError,
  richardsonError,
  type OdeErrorKind,
  type VectorField,
} from '../../src/ode/index.js';

const decay: VectorField = (_t, y) => y.map((v) => -v);

/** Runs `run`, expects an OdeError of `kind` whose message matches, and returns it. */
function expectOdeError(run: () => unknown, kind: OdeErrorKind, message: RegExp): OdeError {
  let caught: unknown;
  try {
    run();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(OdeError);
  const err = caught as OdeError;
  expect(err.kind).toBe(kind);
  expect(err.message).toMatch(message);
  return err;
}

describe('fixed-step options', () => {
  for (const steps of [0, -3, 1.5, NaN, Infinity, '10' as unknown as number, undefined as unknown as number]) {
    it(`steps = ${String(steps)} is rejected`, () => {
      const err = expectOdeError(() => integrate(decay, [1], { t1: 1, steps }), 'bad-input', /^integrate: steps must be a positive integer, got /);
      expect(err.message).toContain(`got ${String(steps)}`);
      expect(err.step).toBeUndefined();
    });
  }
  it('non-finite t0', () => {
    expectOdeError(() => integrate(decay, [1], { t0: NaN, t1: 1, steps: 1 }), 'bad-input', /^integrate: t0 must be a finite number, got NaN$/);
  });
  it('non-finite t1', () => {
    expectOdeError(() => integrate(decay, [1], { t1: Infinity, steps: 1 }), 'bad-input', /^integrate: t1 must be a finite number, got Infinity$/);
  });
  it('non-finite dt', () => {
    expectOdeError(() => integrate(decay, [1], { dt: -Infinity, steps: 1 }), 'bad-input', /^integrate: dt must be a finite number, got -Infinity$/);
  });
  it('an end time that overflows', () => {
    expectOdeError(() => integrate(decay, [1], { dt: 1e308, steps: 10 }), 'bad-input', /^integrate: the end time t0 \+ steps·dt = Infinity is not finite$/);
  });
  it('an interval that overflows', () => {
    expectOdeError(() => integrate(decay, [1], { t0: -1e308, t1: 1e308, steps: 1 }), 'bad-input', /^integrate: t1 - t0 = Infinity overflows; the interval must be finite$/);
  });
  it('both t1 and dt', () => {
    expectOdeError(() => integrate(decay, [1], { t1: 1, dt: 0.1, steps: 10 }), 'bad-input', /^integrate: give either t1 or dt, not both \(got t1 = 1, dt = 0\.1\)$/);
  });
  it('neither t1 nor dt', () => {
    expectOdeError(() => integrate(decay, [1], { steps: 10 }), 'bad-input', /^integrate: give the end time t1 or the step size dt$/);
  });
  it('non-finite y0 names the component', () => {
    expectOdeError(() => integrate(decay, [1, NaN, 2], { t1: 1, steps: 1 }), 'bad-input', /^integrate: y0\[1\] is NaN; the initial state must be finite$/);
    expectOdeError(() => integrate(decay, Float64Array.of(0, 0, -Infinity), { t1: 1, steps: 1 }), 'bad-input', /y0\[2\] is -Infinity/);
  });
  it('y0 that is not an array', () => {
    expectOdeError(() => integrate(decay, 3 as unknown as number[], { t1: 1, steps: 1 }), 'bad-input', /^integrate: y0 must be a Float64Array \(or array of numbers\), got 3$/);
  });
  it('an unknown method lists the valid ones', () => {
    expectOdeError(
      () => integrate(decay, [1], { t1: 1, steps: 1, method: 'rk5' as 'rk4' }),
      'bad-input',
      /^integrate: unknown method 'rk5'; valid methods: euler, midpoint, heun, kutta3, rk4, rk38, dormandPrince54, bogackiShampine32, dop853 \(or pass a ButcherTableau\)$/,
    );
  });
  it('a field that is not a function', () => {
    expectOdeError(() => integrate(null as unknown as VectorField, [1], { t1: 1, steps: 1 }), 'bad-input', /^integrate: field must be a function \(t, y\) => Float64Array, got object$/);
  });
  it('every not a positive integer', () => {
    expectOdeError(() => integrateTrajectory(decay, [1], { t1: 1, steps: 4, every: 0 }), 'bad-input', /^integrateTrajectory: every must be a positive integer, got 0$/);
  });
  it('a non-positive blow-up threshold', () => {
    expectOdeError(() => integrate(decay, [1], { t1: 1, steps: 4, blowup: -1 }), 'bad-input', /^integrate: blowup must be a positive number \(or Infinity\), got -1$/);
  });
});

describe('failures during integration name the step and the time', () => {
  it('a field returning the wrong length', () => {
    const field: VectorField = (t, y) => (t >= 0.5 ? new Float64Array(3) : y.map((v) => -v));
    const err = expectOdeError(
      () => integrate(field, [1, 2], { t1: 1, steps: 4, method: 'euler' }),
      'wrong-length',
      /^vector field returned length 3, expected a Float64Array of length 2 \(the state's length\), at step 3, t = 0\.5$/,
    );
    expect([err.step, err.t]).toEqual([3, 0.5]);
  });
  it('a field returning nothing', () => {
    expectOdeError(() => integrate((() => undefined) as unknown as VectorField, [1], { t1: 1, steps: 1 }), 'wrong-length', /^vector field returned undefined, expected a Float64Array of length 1/);
  });
  it('a field returning a non-finite value (at an RK4 stage time)', () => {
    const field: VectorField = (t, y) => Float64Array.of(-y[0]!, t > 0.6 ? Infinity : 0);
    const err = expectOdeError(
      () => integrate(field, [1, 0], { t1: 1, steps: 4, method: 'rk4' }),
      'nonfinite',
      /^vector field returned a non-finite value \(component 1 is Infinity\) at step 3, t = 0\.625$/,
    );
    expect([err.step, err.t, err.component]).toEqual([3, 0.625, 1]);
  });
  it('divergent gradient descent (h > 2/λ) is a blowup at the first step beyond 1e100, reported with its time', () => {
    // E = ½ λ θ², GD θ ← θ - hλθ = (1 - hλ)θ with |1 - hλ| = 3: |θ_n| = 3^n first exceeds 1e100 at n = 210.
    const lambda = 4;
    const h = 1;
    const err = expectOdeError(
      () => integrateTrajectory((_t, th) => Float64Array.of(-lambda * th[0]!), [1], { dt: h, steps: 1000, method: 'euler' }),
      'blowup',
      /^solution blew up at step 210, t = 210: \|y\[0\]\| = 1\.\d+e\+100 exceeds the blow-up threshold 1e\+100$/,
    );
    expect(Math.ceil(100 / Math.log10(3))).toBe(210);
    expect([err.step, err.t, err.component]).toEqual([210, 210, 0]);
    // The trajectory's finite part travels with the error: states 0..209 (every 50th here), θ_n = −3 θ_{n−1}
    // (each Euler step θ + (−4θ) is the correctly rounded −3θ).
    const exact: number[] = [];
    for (let n = 0, v = 1; n <= 200; n++, v *= -3) if (n % 50 === 0) exact.push(v);
    const partial = expectOdeError(
      () => integrateTrajectory((_t, th) => Float64Array.of(-lambda * th[0]!), [1], { dt: h, steps: 1000, method: 'euler', every: 50 }),
      'blowup',
      /^solution blew up at step 210/,
    ).partial!;
    expect(partial.stepIndices).toEqual([0, 50, 100, 150, 200]);
    expect(Array.from(partial.times)).toEqual([0, 50, 100, 150, 200]);
    expect(partial.states.map((y) => y[0])).toEqual(exact);
  });
  it('a state that overflows is a blowup even with blowup: Infinity', () => {
    expectOdeError(
      () => integrate(() => Float64Array.of(1e308), [0], { dt: 10, steps: 3, method: 'euler', blowup: Infinity }),
      'blowup',
      /^solution blew up at step 1, t = 10: y\[0\] is Infinity$/,
    );
  });
  it('a custom blow-up threshold', () => {
    const err = expectOdeError(() => integrate((_t, y) => y.slice(), [1], { dt: 1, steps: 10, method: 'euler', blowup: 100 }), 'blowup', /at step 7, t = 7: \|y\[0\]\| = 1\.280e\+2 exceeds the blow-up threshold 100/);
    expect(err.step).toBe(7);
  });
});

describe('adaptive options', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['negative rtol', () => dormandPrince(decay, [1], { t1: 1, rtol: -1e-8 }), /^dormandPrince: rtol must be a finite number ≥ 0, got -1e-8$/],
    ['zero atol', () => dormandPrince(decay, [1], { t1: 1, atol: 0 }), /^dormandPrince: atol must be a finite number > 0, got 0$/],
    ['maxSteps not a positive integer', () => dormandPrince(decay, [1], { t1: 1, maxSteps: 0 }), /^dormandPrince: maxSteps must be a positive integer, got 0$/],
    ['non-positive h0', () => dormandPrince(decay, [1], { t1: 1, h0: -0.1 }), /^dormandPrince: h0 must be a finite number > 0 \(its sign follows t1 - t0\), got -0\.1$/],
    ['missing t1', () => dormandPrince(decay, [1], {} as { t1: number }), /^dormandPrince: t1 must be a finite number, got undefined$/],
    ['non-finite t0', () => dormandPrince(decay, [1], { t0: NaN, t1: 1 }), /^dormandPrince: t0 must be a finite number, got NaN$/],
    ['non-finite y0', () => dormandPrince(decay, [Infinity], { t1: 1 }), /^dormandPrince: y0\[0\] is Infinity; the initial state must be finite$/],
    ['unknown embedded method', () => integrateAdaptive(decay, [1], { t1: 1, method: 'rkf45' as 'dormandPrince54' }), /^integrateAdaptive: unknown embedded method 'rkf45'; valid methods: dormandPrince54, bogackiShampine32, dop853/],
    ['a plain tableau where an embedded pair is needed', () => integrateAdaptive(decay, [1], { t1: 1, method: { name: 'x', order: 1, stages: 1, a: [[0]], b: [1], c: [0] } as never }), /must be one of dormandPrince54, bogackiShampine32, dop853 or an EmbeddedTableau/],
    ['richardsonError with dt', () => richardsonError(decay, [1], { dt: 0.1, steps: 10 }), /^richardsonError: give the end time t1 \(not dt\)/],
    ['richardsonError with bad steps', () => richardsonError(decay, [1], { t1: 1, steps: 0 }), /^richardsonError: steps must be a positive integer, got 0$/],
    ['richardsonError with an unknown method', () => richardsonError(decay, [1], { t1: 1, steps: 2, method: 'rk9' as 'rk4' }), /^richardsonError: unknown method 'rk9'; valid methods: euler, /],
  ];
  for (const [what, run, message] of cases) {
    it(what, () => {
      expectOdeError(run, 'bad-input', message);
    });
  }
});
