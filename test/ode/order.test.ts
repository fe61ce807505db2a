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
import { integrate, methodNames, tableaus, type MethodName } from '../../src/ode/index.js';
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
  it('prints the measured orders', () => {
    const rows = methodNames.map((m) => ({ method: m, declared: tableaus[m].order, ...table[m] }));
    console.log('Observed orders (slope of log2 error vs log2 h):');
    console.table(rows);
    expect(Object.keys(table)).toHaveLength(methodNames.length);
  });
});
