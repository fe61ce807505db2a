/**
 * Observed order of every built-in tableau: solve problems with exact solutions for steps = 2^k,
 * fit the slope of log error against log step, and compare with the declared order (±0.1;
 * diffrax accepts ±0.9). The smallest step count per order is chosen so that the leading error
 * term dominates (coarser RK4 steps on y' = cos(t) y are visibly pre-asymptotic); step counts
 * double from there, and points whose error has fallen below ERROR_FLOOR = 1e-12 are dropped:
 * the round-off floor of these problems is ~1e-14 (RK4 with 2^11 steps), so every fitted
 * error is ≥ 100× rounding and round-off cannot bend the fit. At least 4 points are fitted.
 */
import { describe, expect, it } from 'vitest';
import { embeddedTableaus, integrate, methodNames, tableaus, type MethodName } from '../../src/ode/index.js';
import { linearProblem, maxDiff, nonAutonomous, oscillator, riccati, slope, type Problem } from './problems.js';

/** log2 of the step counts used for a method of each order. */
const STEP_RANGE: Record<number, [number, number]> = { 1: [6, 12], 2: [6, 12], 3: [4, 10], 4: [5, 10] };
const ERROR_FLOOR = 1e-12;

const problems: Problem[] = [linearProblem(1), oscillator(), riccati(), nonAutonomous()];

function observedOrder(problem: Problem, method: MethodName): { order: number; errors: number[] } {
  const [kMin, kMax] = STEP_RANGE[tableaus[method].order]!;
  const logH: number[] = [];
  const logE: number[] = [];
  const errors: number[] = [];
  for (let k = kMin; k <= kMax; k++) {
    const steps = 2 ** k;
    const y = integrate(problem.field, problem.y0, { t0: problem.t0, t1: problem.t1, steps, method });
    const err = maxDiff(y, problem.exact);
    if (err < ERROR_FLOOR) break;
    errors.push(err);
    logH.push(Math.log2((problem.t1 - problem.t0) / steps));
    logE.push(Math.log2(err));
  }
  return { order: slope(logH, logE), errors };
}

describe('observed order of convergence (fitted slope of log error vs log h)', () => {
  const table: Record<string, Record<string, string>> = {};
  for (const problem of problems) {
    describe(problem.name, () => {
      for (const method of methodNames) {
        it(`${method} has its declared order ${tableaus[method].order} ± 0.1`, () => {
          const { order, errors } = observedOrder(problem, method);
          (table[method] ??= {})[problem.name] = order.toFixed(3);
          expect(errors.length).toBeGreaterThanOrEqual(4);
          expect(Math.abs(order - tableaus[method].order)).toBeLessThanOrEqual(0.1);
        });
      }
    });
  }
  describe('dop853 (order 8): fixed steps, each problem on its own asymptotic range', () => {
    // An order-8 error falls by 2^8 = 256 per halving of h, so between the pre-asymptotic range
    // (large h, where the next terms of the error expansion still bend the slope) and the
    // round-off floor there are only a few halvings. Hence step counts round(2^(k/2)) (ratio √2,
    // errors falling ~16× per point), and per problem an interval and a range of k chosen so that
    // every point is asymptotic (successive local slopes within 8 ± 0.3, printed below) and its
    // error ≥ 100× the problem's round-off floor (the error at 181–256 steps, where truncation is
    // below 1e-20): y' = Ay over [0, 8] (floor 1.1e-14, set by expm's own accuracy) from 8 to 32
    // steps; the oscillator over [0, 16] (floor 2e-15) from 16 to 64 steps; y' = y² over [0, 1]
    // (floor 9e-16; it is pre-asymptotic below 6 steps) from 6 to 11; y' = cos(t) y over [0, 2]
    // (floor 2e-15) from 4 to 11. At least 3 points per fit, each checked against its floor.
    const cases: { problem: Problem; ks: [number, number]; floor: number }[] = [
      { problem: linearProblem(1, 8), ks: [6, 10], floor: 1.1e-12 },
      { problem: oscillator(16), ks: [8, 12], floor: 2e-13 },
      { problem: riccati(1), ks: [5, 7], floor: 9e-14 },
      { problem: nonAutonomous(2), ks: [4, 7], floor: 2e-13 },
    ];
    const method = 'dop853';
    const declared = embeddedTableaus.dop853.order;
    for (const { problem, ks, floor } of cases) {
      it(`${problem.name} on [0, ${problem.t1}]: slope ${declared} ± 0.1`, () => {
        const logH: number[] = [];
        const logE: number[] = [];
        for (let k = ks[0]; k <= ks[1]; k++) {
          const steps = Math.round(2 ** (k / 2));
          const y = integrate(problem.field, problem.y0, { t0: problem.t0, t1: problem.t1, steps, method });
          const err = maxDiff(y, problem.exact);
          expect(err, `${steps} steps: error ${err} is within 100× of the round-off floor`).toBeGreaterThanOrEqual(floor);
          logH.push(Math.log2((problem.t1 - problem.t0) / steps));
          logE.push(Math.log2(err));
        }
        const order = slope(logH, logE);
        (table[method] ??= {})[problem.name] = order.toFixed(3);
        expect(logH.length).toBeGreaterThanOrEqual(3);
        expect(Math.abs(order - declared)).toBeLessThanOrEqual(0.1);
      });
    }
  });
  it('prints the measured orders', () => {
    const rows = [...methodNames.map((m) => ({ method: m, declared: tableaus[m].order, ...table[m] })), { method: 'dop853', declared: 8, ...table.dop853 }];
    console.log('Observed orders (slope of log2 error vs log2 h):');
    console.table(rows);
    expect(Object.keys(table)).toHaveLength(methodNames.length + 1);
  });
});
