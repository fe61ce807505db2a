/**
 * Optimal truncation (src/igr/truncation.ts): the reference flow's bound, the exponential fit, the
 * study on the one-dimensional analytic case against theory, a convergent series (the quadratic)
 * that has no interior optimum, trees against the closed form through the whole study, and every
 * bad input.
 */
import { describe, expect, it } from 'vitest';
import { mul, sum, square, type Tensor } from '../../src/autodiff/index.js';
import {
  balancedTwoParameterTerms,
  DEFAULT_TRUNCATION_WORK,
  findProblem,
  findTruncationProblem,
  fitExponential,
  IgrError,
  MAX_CLOSED_FORM_TRUNCATION_ORDER,
  MAX_TREE_TRUNCATION_ORDER,
  preciseFlow,
  truncationJson,
  truncationProblems,
  truncationStudy,
  truncationWork,
  modifiedTerms,
} from '../../src/igr/index.js';

const riccati = findTruncationProblem('riccati');

describe('preciseFlow: DOP853 with step doubling', () => {
  it('on y′ = −y its bound is above the true error and ≥ 10× below the target it was asked to resolve', () => {
    const field = (_t: number, y: Float64Array): Float64Array => Float64Array.of(-y[0]!);
    for (const target of [1e-3, 1e-9, 1e-13]) {
      const ref = preciseFlow(field, Float64Array.of(1), 2, { target: () => target, startSteps: 1 });
      expect(ref).not.toBeNull();
      const actual = Math.abs(ref!.y[0]! - Math.exp(-2));
      expect(ref!.converged).toBe(true);
      // The bound includes the solution's own rounding (2N ε |y|), so it covers the rounding of e^−2 too.
      expect(ref!.bound).toBeGreaterThanOrEqual(actual);
      expect(10 * ref!.bound).toBeLessThanOrEqual(target);
    }
  });

  it('returns null for a flow that blows up before the time (y′ = y², y(0) = 1, pole at t = 1)', () => {
    const field = (_t: number, y: Float64Array): Float64Array => Float64Array.of(y[0]! * y[0]!);
    expect(preciseFlow(field, Float64Array.of(1), 2, { target: () => 1, blowup: 1e6 })).toBeNull();
  });
});

describe('fitExponential', () => {
  it('recovers c and the intercept of exact data e^(a − c/h), and fits only interior optima', () => {
    const hs = [1, 0.5, 0.25, 0.2, 0.1];
    const errors = hs.map((h) => Math.exp(2 - 7 / h));
    const fit = fitExponential(hs, errors, ['interior', 'interior', 'interior', 'at-max-order', 'interior'])!;
    expect(fit.c).toBeCloseTo(7, 12);
    expect(fit.intercept).toBeCloseTo(2, 12);
    expect(fit.r2).toBeCloseTo(1, 12);
    expect(fit.points).toBe(4);
    expect(fit.hs).toEqual([1, 0.5, 0.25, 0.1]);
    expect(fitExponential(hs, errors, ['interior', 'round-off', 'unresolved', 'diverged', 'before-blowup'])).toBeNull();
  });
});

describe('truncationStudy on the Riccati problem (E = θ − θ³/3 from θ0 = 0, closed form): theory', () => {
  // One step from θ0 = 0 for six h: the series' asymptotic nature without propagation along a path.
  const hs = [0.6, 0.5, 0.45, 0.4, 0.35, 0.3];
  const report = truncationStudy(riccati.loss, riccati.theta0, { hs, maxOrder: 45, steps: 1, terms: riccati.closedForm!, name: 'riccati' });

  it('finds an interior optimum at every h, certified by its reference and far above round-off', () => {
    expect(report.global.optimum).toEqual(hs.map(() => 'interior'));
    hs.forEach((_, i) => {
      const p = report.global.optimalOrder[i]!;
      const e = report.global.minimalError[i]!;
      expect(report.global.bound[p]![i]! * report.referenceFactor).toBeLessThanOrEqual(e);
      expect(e).toBeGreaterThan(10 * report.global.floor[i]!);
    });
  });

  it('the minimal error is e^(a − c/h) with c within 15% of π² (R² ≥ 0.95), and p*·h within a factor 1.5 of π²', () => {
    // Theory: f_j(0) ~ K Γ(j + β) / (π²)^j (the flow −tanh t has poles at ±iπ/2; Borel radius
    // 2π · π/2 = π²), so the smallest term sits at j ≈ π²/h with size ~ e^(−π²/h) (1/h)^β. Over
    // 1/h ∈ [1.7, 3.3] the power (1/h)^β with β of order 1 tilts the fitted slope by ~ β/2: 15%.
    // The optimum itself jumps between the dips of an oscillating error (sign changes of the
    // coefficients), which the factor 1.5 around π²/h allows for.
    const fit = report.global.exponentialFit!;
    expect(fit.points).toBe(hs.length);
    expect(fit.r2).toBeGreaterThanOrEqual(0.95);
    expect(Math.abs(fit.c - Math.PI ** 2) / Math.PI ** 2).toBeLessThan(0.15);
    hs.forEach((h, i) => {
      const ratio = (report.global.optimalOrder[i]! * h) / Math.PI ** 2;
      expect(ratio).toBeGreaterThan(1 / 1.5);
      expect(ratio).toBeLessThan(1.5);
    });
    // p* grows as h shrinks: the largest h has the smallest optimum.
    expect(report.global.optimalOrder[0]).toBe(Math.min(...report.global.optimalOrder.map((p) => p!)));
  });

  it('one step: the local side is the same measurement, and the JSON carries optimalOrder and exponentialFit', () => {
    expect(report.local.error).toEqual(report.global.error);
    const json = truncationJson(report) as { optimalOrder: number[]; exponentialFit: { c: number; r2: number; points: number } };
    expect(json.optimalOrder).toEqual(report.global.optimalOrder);
    expect(json.exponentialFit.points).toBe(hs.length);
  });
});

describe('truncationStudy: a convergent series and the trees', () => {
  it('the quadratic (f_j = −A^jθ/j, convergent for hλ_max < 1) has no interior optimum: errors fall to the round-off floor', () => {
    const q = findProblem('quadratic');
    const report = truncationStudy(q.loss, q.theta0, { hs: [0.1], maxOrder: 30, steps: 1, terms: q.closedForm! });
    expect(report.global.optimum[0]).toBe('round-off');
    const errors = Array.from({ length: 10 }, (_, k) => report.global.error[k + 1]![0]!);
    for (let k = 1; k < errors.length; k++) expect(errors[k]!).toBeLessThan(errors[k - 1]!);
  });

  it('terms from trees and from the closed form give the same study on the Riccati problem to order 5', () => {
    // Same errors up to the trees' rounding and the references' bounds (each ≥ 10× below its error).
    const options = { hs: [0.8, 0.6], maxOrder: 5, steps: 1 };
    const trees = truncationStudy(riccati.loss, riccati.theta0, options);
    const closed = truncationStudy(riccati.loss, riccati.theta0, { ...options, terms: riccati.closedForm! });
    expect(trees.terms).toBe('trees');
    expect(closed.terms).toBe('closed form');
    for (let p = 1; p <= 5; p++) {
      for (let i = 0; i < 2; i++) {
        const a = trees.global.error[p]![i]!;
        const b = closed.global.error[p]![i]!;
        expect(Math.abs(a - b)).toBeLessThanOrEqual(trees.global.bound[p]![i]! + closed.global.bound[p]![i]! + 1e-12 * b);
      }
    }
    expect(trees.global.optimalOrder).toEqual(closed.global.optimalOrder);
  });

  it('a diverging h is recorded, the others are measured', () => {
    const report = truncationStudy(riccati.loss, [0], { hs: [3, 0.5], maxOrder: 4, steps: 4, terms: riccati.closedForm! });
    expect(report.diverged).toEqual([{ h: 3, step: 4 }]);
    expect(report.global.optimum[0]).toBe('diverged');
    expect(report.global.minimalError[1]).toBeGreaterThan(0);
  });

  it('every truncation problem is valid and within the default work bound', () => {
    for (const p of truncationProblems) {
      const work = truncationWork(p.hs.map(() => p.steps), p.maxOrder, p.dimension, p.closedForm !== undefined);
      expect(work, p.name).toBeLessThanOrEqual(DEFAULT_TRUNCATION_WORK);
      expect(p.loss, p.name).toBeTypeOf('function');
    }
  });
});

describe('balancedTwoParameterTerms: the two-parameter model on its invariant line a = b', () => {
  it('equals the B-series over trees (order 9) at balanced points, and refuses an unbalanced θ', () => {
    // Trees in two dimensions round at every product: ~1e-13 relative to order 9. At the
    // inflection t = 1/√3 the even terms vanish (f_2 = −½ f′f with f′ = 0 along the line), so
    // the comparison is relative to max(|f_j|, 1e-3): there both sides are ~1e-17.
    const { loss } = findProblem('two-parameter');
    const closed = balancedTwoParameterTerms();
    const trees = modifiedTerms(loss, 9);
    for (const t of [1 / Math.sqrt(3), 0.8, -0.3]) {
      const th = Float64Array.of(t, t);
      const a = closed(th, 9);
      const b = trees(th);
      a.forEach((f, j) => {
        const scale = Math.max(1e-3, Math.hypot(b[j]![0]!, b[j]![1]!));
        expect(Math.hypot(f[0]! - b[j]![0]!, f[1]! - b[j]![1]!) / scale, `f_${j + 1} at t = ${t}`).toBeLessThan(1e-11);
      });
    }
    expect(() => closed(Float64Array.of(0.5, 0.6), 3)).toThrow(IgrError);
    expect(() => closed(Float64Array.of(0.5, 0.6), 3)).toThrow('balancedTwoParameterTerms: θ = [0.5, 0.6] is not balanced (a = b): off the diagonal the two-parameter model has no closed form (use the trees)');
  });
});

describe('truncationStudy: bad input', () => {
  const loss = (x: Tensor): Tensor => mul(0.5, sum(square(x)));
  const base = { hs: [0.1], maxOrder: 3, steps: 1 };
  const cases: [string, unknown, string][] = [
    ['no options', null, 'options { hs, maxOrder, T | steps } are required'],
    ['an empty ladder', { ...base, hs: [] }, 'hs must be a non-empty list of step sizes'],
    ['h ≤ 0', { ...base, hs: [0.1, 0] }, 'every h must be a finite number > 0, got 0'],
    ['h = NaN', { ...base, hs: [NaN] }, 'every h must be a finite number > 0, got NaN'],
    ['maxOrder 1', { ...base, maxOrder: 1 }, `maxOrder must be an integer in 2..${MAX_TREE_TRUNCATION_ORDER} (terms from trees`],
    ['maxOrder 2.5', { ...base, maxOrder: 2.5 }, `maxOrder must be an integer in 2..${MAX_TREE_TRUNCATION_ORDER} (terms from trees; give closed-form terms for higher orders), got 2.5`],
    ['maxOrder beyond the trees', { ...base, maxOrder: MAX_TREE_TRUNCATION_ORDER + 1 }, `maxOrder must be an integer in 2..${MAX_TREE_TRUNCATION_ORDER} (terms from trees; give closed-form terms for higher orders), got ${MAX_TREE_TRUNCATION_ORDER + 1}`],
    ['both T and steps', { ...base, T: 1 }, 'give exactly one of T (n = T/h steps) or steps'],
    ['neither T nor steps', { hs: [0.1], maxOrder: 3 }, 'give exactly one of T (n = T/h steps) or steps'],
    ['steps 0', { ...base, steps: 0 }, 'steps must be an integer ≥ 1, got 0'],
    ['T ≤ 0', { hs: [0.1], maxOrder: 3, T: -1 }, 'T must be a finite number > 0, got -1'],
    ['T/h not whole', { hs: [0.3], maxOrder: 3, T: 1 }, 'T/h must be a whole number of steps, but T = 1, h = 0.3'],
    ['referenceFactor < 1', { ...base, referenceFactor: 0.5 }, 'referenceFactor must be a finite number ≥ 1, got 0.5'],
    ['roundoffSafety < 1', { ...base, roundoffSafety: 0 }, 'roundoffSafety must be a finite number ≥ 1, got 0'],
    ['an unknown crossCheck', { ...base, crossCheck: 'some' }, "crossCheck must be 'minima', 'all' or 'none', got 'some'"],
    ['maxWork ≤ 0', { ...base, maxWork: 0 }, 'maxWork must be a number > 0, got 0'],
  ];
  for (const [what, options, message] of cases) {
    it(`rejects ${what}`, () => {
      const run = () => truncationStudy(loss, [1, 2], options as never);
      expect(run).toThrow(IgrError);
      expect(run).toThrow(`truncationStudy: ${message}`);
    });
  }

  it('rejects a closed-form maxOrder above its bound, naming it', () => {
    const run = () => truncationStudy(riccati.loss, [0], { ...base, maxOrder: MAX_CLOSED_FORM_TRUNCATION_ORDER + 1, terms: riccati.closedForm! });
    expect(run).toThrow(`maxOrder must be an integer in 2..${MAX_CLOSED_FORM_TRUNCATION_ORDER} (closed-form terms), got ${MAX_CLOSED_FORM_TRUNCATION_ORDER + 1}`);
  });

  it('rejects a θ0 that is empty or not finite, a non-scalar loss and a loss not finite at θ0', () => {
    expect(() => truncationStudy(loss, [], base)).toThrow('truncationStudy: θ0 must have at least one component');
    expect(() => truncationStudy(loss, [1, Infinity], base)).toThrow('truncationStudy: θ0[1] = Infinity is not finite');
    expect(() => truncationStudy((x) => mul(2, x), [1, 2], base)).toThrow('truncationStudy: the loss must return a scalar (shape []), got shape [2]');
    expect(() => truncationStudy((x) => mul(NaN, sum(x)), [1, 2], base)).toThrow('truncationStudy: the loss at θ0 is NaN, not finite');
  });

  it('rejects closed-form terms of the wrong count or length', () => {
    const few = () => [Float64Array.of(1, 2)];
    const short = (_t: Float64Array, order: number) => Array.from({ length: order }, () => Float64Array.of(1));
    expect(() => truncationStudy(loss, [1, 2], { ...base, terms: few })).toThrow('truncationStudy: terms(θ0, 3) must return 3 coefficient vectors, got 1');
    expect(() => truncationStudy(loss, [1, 2], { ...base, terms: short })).toThrow("truncationStudy: terms(θ0, 3)[0] (f_1) has length 1, expected 2 (θ0's length)");
  });

  it('bounds the work before starting: the message names the estimate, the bound and what to lower', () => {
    const mlp = findProblem('mlp');
    const run = () => truncationStudy(mlp.loss, mlp.theta0, { hs: [0.1, 0.05], maxOrder: 8, steps: 4 });
    expect(run).toThrow(IgrError);
    expect(run).toThrow(/truncationStudy: the study would take about 3\.\d+e\+5 \(tree × parameter × step\) units of work, above the bound 2\.00e\+5 \(maxOrder 8, 97 parameters, 2 step sizes, up to 4 steps\); lower maxOrder, steps or the number of h, or raise maxWork/);
  });

  it('findTruncationProblem names the valid problems for an unknown one', () => {
    expect(() => findTruncationProblem('nope')).toThrow("unknown problem 'nope'; valid problems are riccati, two-parameter, double-well, logistic, quadratic, mlp");
  });
});
