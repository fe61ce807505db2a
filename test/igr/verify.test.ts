import { describe, expect, it } from 'vitest';
import { cos, dot, mul, pow, sin, slice, square, sum, tensor, type Tensor } from '../../src/autodiff/index.js';
import {
  assembleComparison,
  comparisonJobs,
  comparisonMeasurer,
  findProblem,
  fitSlope,
  IgrError,
  modifiedField,
  prepareBackwardError,
  problems,
  referenceFlow,
  verificationJson,
  verifyBackwardError,
  verifyProblem,
  type VerificationReport,
} from '../../src/igr/index.js';

/** Every fitted slope within ±0.1 of its expectation, with all points of the ladder used. */
function expectSlopes(r: VerificationReport, points: number): void {
  for (const p of r.orders) {
    const g = r.globalSlope[p]!;
    const l = r.localSlope[p]!;
    expect(g, `${r.problem} global p=${p}`).not.toBeNull();
    expect(l, `${r.problem} local p=${p}`).not.toBeNull();
    expect(Math.abs(g.slope - p), `${r.problem} global slope p=${p}: ${g.slope}`).toBeLessThanOrEqual(0.1);
    expect(Math.abs(l.slope - (p + 1)), `${r.problem} local slope p=${p}: ${l.slope}`).toBeLessThanOrEqual(0.1);
    expect(g.used + l.used).toBeGreaterThanOrEqual(2 * points - 1); // at most one point on the round-off floor
  }
  expect(r.pass).toBe(true);
  // The reference integrator sits at least 100× below every error it measured.
  expect(r.referenceErrorBound.ratioToSmallestError).toBeLessThanOrEqual(0.01);
}

describe('fitSlope', () => {
  it('recovers an exact power law with R² = 1 and skips null, zero and non-finite points', () => {
    const hs = [0.1, 0.05, 0.025, 0.0125];
    const fit = fitSlope(hs, [3e-3, 3e-3 / 8, null, 3e-3 / 512], 3, 0.1)!;
    expect(fit.slope).toBeCloseTo(3, 12);
    expect(fit.r2).toBeCloseTo(1, 12);
    expect(fit.used).toBe(3);
    expect(fit.pass).toBe(true);
    expect(fitSlope(hs, [1, null, 0, NaN], 1, 0.1)).toBeNull();
    expect(fitSlope([0.1, 0.05], [1, 0.25], 1, 0.1)!.pass).toBe(false);
  });
});

describe('verifyBackwardError on the built-in problems (orders 1–3)', () => {
  for (const name of ['quadratic', 'two-parameter', 'double-well', 'logistic']) {
    it(`${name}: default ladder, global slopes p ± 0.1 and local slopes p + 1 ± 0.1`, () => {
      const problem = findProblem(name);
      const r = verifyProblem(problem);
      expect(r.hs).toEqual(problem.hs);
      expect(r.diverged).toEqual([]);
      expectSlopes(r, problem.hs.length);
    });
  }

  it('mlp (97 parameters): a shorter ladder and time, same slopes', () => {
    // The full default (5 step sizes, T = 1.6) is measured by `igr verify`; this keeps the test fast.
    const r = verifyProblem(findProblem('mlp'), { hs: [0.05, 0.025, 0.0125], T: 0.4 });
    expect(r.dimension).toBe(97);
    expectSlopes(r, 3);
  });

  it('order 4 on the quadratic and the double well, where round-off allows', () => {
    for (const name of ['quadratic', 'double-well']) {
      const p = findProblem(name);
      const r = verifyProblem(p, { orders: [4], hs: p.hs.slice(0, 3) });
      expectSlopes(r, 3);
    }
  });

  it('reports the non-gradient part of f_3: zero for the quadratic, non-zero for the paper’s model', () => {
    const q = verifyProblem(findProblem('quadratic'), { orders: [1], hs: [0.04, 0.02] });
    expect(q.nonGradientPart.order3!).toBeLessThan(1e-12);
    const paper = verifyProblem(findProblem('two-parameter'), { orders: [1], hs: [0.004, 0.002] });
    expect(paper.nonGradientPart.order3!).toBeGreaterThan(1e-3);
    expect(paper.nonGradientPart.samples).toBeGreaterThan(0);
  });
});

describe('determinism and progress', () => {
  it('the same inputs give the same report (up to wall time), and progress is reported per (h, order) job', () => {
    const p = findProblem('double-well');
    const progress: [number, number][] = [];
    const options = { hs: [0.04, 0.02], T: 1, orders: [1, 2] };
    const a = verifyBackwardError(p.loss, p.theta0, { ...options, onProgress: (done, total) => progress.push([done, total]) });
    const b = verifyBackwardError(p.loss, p.theta0, options);
    expect({ ...a, seconds: 0 }).toEqual({ ...b, seconds: 0 });
    expect(progress).toEqual([[1, 4], [2, 4], [3, 4], [4, 4]]);
  });
});

describe('the per-point reference bound', () => {
  // A diagonal quadratic E = ½ Σ a_i θ_i²: GD is θ_n,i = (1 − h a_i)^n θ0_i and the order-p flow
  // θ' = −(A + hA²/2 + … + h^{p−1}A^p/p) θ (the truncated (1/h) log(I − hA)) is exp(−m_i t) θ0_i,
  // so each point's true error is known in closed form, independently of the reference integrator.
  const a = [1, 2.5, 0.4];
  const theta0 = [1, -0.7, 2];
  const loss = (x: Tensor) => mul(sum(mul(tensor(a), square(x))), 0.5);
  const hs = [0.08, 0.04, 0.02, 0.01];
  const T = 0.8;
  const r = verifyBackwardError(loss, theta0, { hs, T, orders: [1, 2, 3] });
  const flow = (h: number, p: number, t: number): number[] =>
    a.map((ai, i) => {
      let m = 0;
      for (let j = 1; j <= p; j++) m += (h ** (j - 1) * ai ** j) / j;
      return Math.exp(-m * t) * theta0[i]!;
    });
  const gd = (h: number, n: number): number[] => a.map((ai, i) => (1 - h * ai) ** n * theta0[i]!);
  const dist = (u: number[], v: number[]): number => Math.hypot(...u.map((x, i) => x - v[i]!));

  it('is recorded for every order and h, and every fitted point sits ≥ 100× above its own bound', () => {
    for (const kind of ['global', 'local'] as const) {
      for (const p of r.orders) {
        const bounds = r.referenceBound![kind][p]!;
        const errors = (kind === 'global' ? r.globalError : r.localError)[p]!;
        expect(bounds).toHaveLength(hs.length);
        bounds.forEach((b, k) => {
          expect(r.roundoff[kind][p]![k]).toBe(false);
          expect(b, `${kind} p=${p} h=${hs[k]}`).not.toBeNull();
          expect(100 * b!).toBeLessThanOrEqual(errors[k]!); // referenceFactor = 100, the default
        });
      }
    }
  });

  it('the scalar summary is its maximum, and the ratio its worst bound / error', () => {
    const all = (['global', 'local'] as const).flatMap((kind) => r.orders.flatMap((p) => r.referenceBound![kind][p]!.map((b) => b!)));
    const { richardson, dormandPrince, ratioToSmallestError } = r.referenceErrorBound;
    expect(Math.max(...all)).toBe(Math.max(richardson, dormandPrince));
    const ratios = (['global', 'local'] as const).flatMap((kind) =>
      r.orders.flatMap((p) => r.referenceBound![kind][p]!.map((b, k) => b! / (kind === 'global' ? r.globalError : r.localError)[p]![k]!)),
    );
    expect(Math.max(...ratios)).toBe(ratioToSmallestError);
  });

  it('bounds the reference’s actual error: |measured − closed-form error| ≤ 1.25 × bound at every point', () => {
    // The measured error differs from the true one by at most the reference's own error
    // (triangle inequality). Richardson's (y_N − y_2N)/(2^q − 1) is that error to leading order
    // (q = 4 for the RK4 local references here, 8 for the DOP853 global ones); the refinement
    // stops only in the asymptotic regime (the estimate fell ≥ 2^q/2 on the last doubling), where
    // the neglected terms are a small fraction of it: 1.25 allows for them (measured up to 0.99).
    // For local points (Richardson alone) the bound is also not loose: ≥ half the actual
    // reference error (measured ≥ 0.93), so the band is drawn where it belongs.
    for (const p of r.orders) {
      hs.forEach((h, k) => {
        const n = Math.round(T / h);
        const g = Math.abs(r.globalError[p]![k]! - dist(gd(h, n), flow(h, p, T))) / r.referenceBound!.global[p]![k]!;
        const l = Math.abs(r.localError[p]![k]! - dist(gd(h, 1), flow(h, p, h))) / r.referenceBound!.local[p]![k]!;
        expect(g, `global p=${p} h=${h}`).toBeLessThanOrEqual(1.25);
        expect(l, `local p=${p} h=${h}`).toBeLessThanOrEqual(1.25);
        expect(l, `local p=${p} h=${h}`).toBeGreaterThanOrEqual(0.5);
      });
    }
  });
});

describe('a verification as independent (h, order) jobs', () => {
  const p = findProblem('double-well');
  const options = { hs: [0.04, 0.02, 0.01], T: 1, orders: [1, 2], name: 'double-well' };
  it('measured in any order, fresh measurers or not, the assembled report is the sequential one', () => {
    const sequential = verifyBackwardError(p.loss, p.theta0, options);
    const prepared = prepareBackwardError(p.loss, p.theta0, options);
    const jobs = comparisonJobs(prepared.comparison);
    expect(jobs).toEqual([0, 1, 2].flatMap((hIndex) => [1, 2].map((order) => ({ hIndex, order }))));
    // Reversed, each job on a measurer of its own (as on a worker that has seen no other job).
    const measurements = [...jobs].reverse().map((job) => comparisonMeasurer(prepareBackwardError(p.loss, p.theta0, options).comparison)(job));
    const report = prepared.finish(assembleComparison(prepared.comparison, measurements, 0), measurements);
    expect({ ...report, seconds: 0 }).toEqual({ ...sequential, seconds: 0 });
  });
  it('a job outside the comparison and a missing measurement are named', () => {
    const prepared = prepareBackwardError(p.loss, p.theta0, options);
    const measure = comparisonMeasurer(prepared.comparison);
    expect(() => measure({ hIndex: 3, order: 1 })).toThrow('comparisonMeasurer: no job (h index 3, flow 1) in this comparison');
    expect(() => measure({ hIndex: 0, order: 3 })).toThrow('comparisonMeasurer: no job (h index 0, flow 3) in this comparison');
    const some = comparisonJobs(prepared.comparison).slice(1).map(measure);
    expect(() => assembleComparison(prepared.comparison, some, 0)).toThrow(IgrError);
    expect(() => assembleComparison(prepared.comparison, some, 0)).toThrow('assembleComparison: no measurement for h = 0.04, flow 1');
  });
});

describe('the reference integrator', () => {
  // θ' = −aθ from 1 over [0, 1]: the exact flow e^{−a}, against which the estimate is judged.
  const decay = (a: number) => (_t: number, y: Float64Array) => Float64Array.of(-a * y[0]!);
  it('DOP853 doubling: stops in the asymptotic regime with the estimate ≤ error / factor, and bounds its true error', () => {
    for (const a of [1, 4, 10]) {
      const target = 1e-9; // an "error being measured" of 1e-9: the reference must reach 1e-11
      const ref = referenceFlow(decay(a), Float64Array.of(1), 1, 1, 100, () => target, 'dop853')!;
      expect(ref.method).toBe('dop853');
      expect(ref.converged).toBe(true);
      expect(100 * ref.estimate).toBeLessThanOrEqual(target);
      const actual = Math.abs(ref.y[0]! - Math.exp(-a));
      // Richardson with 2^8 − 1: the estimate is the error to leading order; 1.25 as above.
      expect(actual, `a = ${a}`).toBeLessThanOrEqual(1.25 * Math.max(ref.estimate, 1e-16));
      // Every solve counted: 1, 2, 4, …, N steps of 12 stages each.
      expect(ref.evaluations).toBe(12 * (2 * ref.steps - 1));
    }
  });
  it('RK4 doubling counts 4 evaluations per step of every solve, and stops at maxSteps without converging', () => {
    const ref = referenceFlow(decay(1), Float64Array.of(1), 1, 1, 100, () => 1e-14, 'rk4', 4)!;
    expect(ref.method).toBe('rk4');
    expect(ref.converged).toBe(false); // 1e-16 is beyond RK4 with at most 4 steps
    expect(ref.steps).toBe(4);
    expect(ref.evaluations).toBe(4 * (1 + 2 + 4));
  });
  it('global points use DOP853 (RK4 for the gradient flow), local points RK4 while it settles within 4 steps, DOP853 where it does not', () => {
    // sin(a) cos(b) at order 6: RK4 resolves the one-step flow over h = 0.1 only at 16 steps (124
    // evaluations, above its 28-evaluation budget), so DOP853 takes over; at order 2 RK4 suffices.
    // The order-1 flow's global errors (O(h), large) are resolved by RK4 within 16 steps.
    const loss = (x: Tensor) => sum(mul(sin(slice(x, 0, 1)), cos(slice(x, 1, 2))));
    const r = verifyBackwardError(loss, [0.3, 0.2], { hs: [0.1, 0.05], T: 1, orders: [1, 2, 6] });
    expect(r.referenceMethod!.global[1]).toEqual(['rk4', 'rk4']);
    expect(r.referenceMethod!.global[2]).toEqual(['dop853', 'dop853']);
    expect(r.referenceMethod!.global[6]).toEqual(['dop853', 'dop853']);
    expect(r.referenceMethod!.local[2]).toEqual(['rk4', 'rk4']);
    expect(r.referenceMethod!.local[6]![0]).toBe('dop853');
    expect(r.reference!.global).toEqual({ rk4: 2, dop853: 4 });
    const localCount = Object.values(r.reference!.local).reduce((x, y) => x + y, 0);
    expect(localCount).toBe(6);
    // The local order-6 reference at h = 0.1 is a DOP853 one: its bound is its Richardson estimate.
    const field = modifiedField(loss, 0.1, 6);
    const dop = referenceFlow(field, Float64Array.of(0.3, 0.2), 0.1, 1, 100, () => r.localError[6]![0]!, 'dop853')!;
    expect(r.referenceBound!.local[6]![0]).toBe(dop.estimate);
  });
  it('the adaptive cross-check runs on the points the fit can use, and on no others', () => {
    const q = verifyProblem(findProblem('quadratic'), { orders: [1, 2], hs: [0.04, 0.02] });
    expect(q.reference!.crossCheck).toEqual({ method: 'dop853-adaptive', points: 4 });
    expect(q.reference!.evaluations.crossCheck).toBeGreaterThan(0);
    // A linear loss: every point is on the round-off floor, so nothing is cross-checked.
    const linear = verifyBackwardError((x: Tensor) => dot(tensor([1, -2]), x), [0.5, 0.5], { hs: [0.1, 0.05], T: 0.5, orders: [1] });
    expect(linear.reference!.crossCheck.points).toBe(0);
    expect(linear.reference!.evaluations.crossCheck).toBe(0);
    expect(linear.referenceErrorBound.dormandPrince).toBe(0);
  });
});

describe('what the verification reports when it cannot measure', () => {
  it('a diverging h is reported with its step and null errors; the other step sizes are still measured', () => {
    // E = θ⁴ from θ = 2: h = 0.5 explodes at step 3; the small h stay stable.
    const quartic = (x: Tensor) => sum(pow(x, 4));
    const r = verifyBackwardError(quartic, [2], { hs: [0.5, 0.004, 0.002, 0.001], T: 2, orders: [1, 2] });
    expect(r.diverged).toEqual([{ h: 0.5, step: 3 }]);
    expect(r.globalError[1]![0]).toBeNull();
    expect(r.localError[2]![0]).toBeNull();
    expect(r.referenceBound!.global[1]![0]).toBeNull(); // nothing measured, no reference
    expect(r.referenceBound!.local[2]![0]).toBeNull();
    for (let k = 1; k < 4; k++) expect(r.globalError[1]![k]!).toBeGreaterThan(0);
    expect(r.globalSlope[1]!.used).toBe(3);
    expect(Math.abs(r.globalSlope[1]!.slope - 1)).toBeLessThan(0.1);
  });

  it('errors on the round-off floor are flagged and left out of the fit (a linear loss: GD is exact)', () => {
    // For E = cᵀθ the gradient is constant, GD equals the flow up to rounding, every f_j (j ≥ 2) is 0.
    const linear = (x: Tensor) => dot(tensor([1, -2]), x);
    const r = verifyBackwardError(linear, [0.5, 0.5], { hs: [0.1, 0.05, 0.025], T: 0.5, orders: [1, 2] });
    for (const p of [1, 2]) {
      expect(r.roundoff.global[p]).toEqual([true, true, true]);
      expect(r.globalSlope[p]).toBeNull();
      r.globalError[p]!.forEach((e) => expect(e!).toBeLessThan(1e-13));
    }
    expect(r.pass).toBe(false);
    expect(r.nonGradientPart.order3).toBeNull();
  });
});

describe('bad input', () => {
  const { loss, theta0 } = findProblem('quadratic');
  const base = { hs: [0.04, 0.02], T: 1, orders: [1] };
  it.each([
    [{ ...base, T: 0 }, /T must be a finite number > 0, got 0/],
    [{ ...base, hs: [0.04, -0.02] }, /every h must be a finite number > 0, got -0.02/],
    [{ ...base, hs: [0.03] }, /T\/h must be a whole number of steps, but T = 1, h = 0.03 gives T\/h = 33.33/],
    [{ ...base, orders: [0] }, /order 0 is outside 1..8/],
    [{ ...base, orders: [9] }, /order 9 is outside 1..8/],
    [{ ...base, hs: [] }, /hs must be a non-empty list/],
    [{ ...base, tolerance: -1 }, /tolerance must be a finite number > 0, got -1/],
    [{ ...base, referenceFactor: 0.5 }, /referenceFactor must be a finite number ≥ 1, got 0.5/],
  ])('%o is rejected with a clear message', (options, message) => {
    expect(() => verifyBackwardError(loss, theta0, options)).toThrow(IgrError);
    expect(() => verifyBackwardError(loss, theta0, options)).toThrow(message);
  });

  it('a non-scalar loss, a non-finite start point and an unknown problem are named', () => {
    expect(() => verifyBackwardError((x) => x, [1, 2], base)).toThrow(/the loss must return a scalar \(shape \[\]\), got shape \[2\]/);
    expect(() => verifyBackwardError(loss, [1, NaN, 0, 0, 0], base)).toThrow(/θ0\[1\] = NaN is not finite/);
    expect(() => findProblem('rosenbrock')).toThrow(/unknown problem 'rosenbrock'; valid problems are quadratic, two-parameter, double-well, logistic, mlp/);
  });
});

describe('the problem list and the JSON projection', () => {
  it('every problem is consistent: unique name, θ0 of its dimension, whole steps T/h, scalar finite loss', () => {
    expect(new Set(problems.map((p) => p.name)).size).toBe(problems.length);
    for (const p of problems) {
      expect(p.theta0).toHaveLength(p.dimension);
      for (const h of p.hs) expect(Math.abs(p.T / h - Math.round(p.T / h))).toBeLessThan(1e-9);
      const v = p.loss(tensor(p.theta0.slice(), [p.dimension]));
      expect(v.shape).toEqual([]);
      expect(Number.isFinite(v.item())).toBe(true);
    }
  });

  it('verificationJson has exactly the CLI keys, in order, and survives JSON round trip', () => {
    const r = verifyProblem(findProblem('logistic'), { orders: [1, 2], hs: [0.1, 0.05] });
    const json = verificationJson(r);
    expect(Object.keys(json)).toEqual([
      'problem', 'T', 'hs', 'orders', 'globalError', 'localError', 'globalSlope', 'localSlope', 'referenceErrorBound', 'nonGradientPart', 'reference',
    ]);
    // The reference summary: every point's integrator counted, their field evaluations reported.
    expect(Object.keys(json.reference!)).toEqual(['global', 'local', 'crossCheck', 'evaluations']);
    const points = (used: Record<string, number>) => Object.values(used).reduce((a, b) => a + b, 0);
    expect(points(json.reference!.global)).toBe(4);
    expect(points(json.reference!.local)).toBe(4);
    expect(json.reference!.evaluations.global).toBeGreaterThan(0);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    expect(Object.keys(json.globalSlope)).toEqual(['1', '2']);
    // A repeated order is measured once.
    const once = verifyProblem(findProblem('logistic'), { orders: [2, 2], hs: [0.1, 0.05] });
    expect(once.orders).toEqual([2]);
    expect(once.globalError[2]).toHaveLength(2);
  });
});
