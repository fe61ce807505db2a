/** Richardson error estimates against the true error of problems with exact solutions. */
import { describe, expect, it } from 'vitest';
import { integrate, richardsonError, tableaus, type MethodName } from '../../src/ode/index.js';
import { linearProblem, maxDiff, nonAutonomous, oscillator, riccati } from './problems.js';

describe('richardsonError', () => {
  const problems = [linearProblem(1), oscillator(), riccati(), nonAutonomous()];
  const cases: [MethodName, number][] = [['euler', 512], ['heun', 128], ['kutta3', 64], ['rk4', 32], ['rk38', 32]];
  for (const p of problems) {
    for (const [method, steps] of cases) {
      it(`${p.name}, ${method} with ${steps}/${2 * steps} steps: estimate within a factor 1.25 of the true error`, () => {
        const r = richardsonError(p.field, p.y0, { t0: p.t0, t1: p.t1, steps, method });
        const trueError = maxDiff(r.y, p.exact);
        // In the asymptotic regime the estimate is the leading error term; the next term,
        // relatively O(h), leaves it within 0.91–1.05 of the true error on these problems (measured); 1.25 is the bound.
        expect(r.errorEstimate / trueError).toBeGreaterThan(1 / 1.25);
        expect(r.errorEstimate / trueError).toBeLessThan(1.25);
        // Extrapolation removes the leading term: at least 5× more accurate.
        expect(maxDiff(r.extrapolated, p.exact)).toBeLessThan(trueError / 5);
        expect(r.order).toBe(tableaus[method].order);
        expect(r.evaluations).toBe(3 * steps * tableaus[method].stages);
      });
    }
  }
  it('returns the 2·steps solution itself, bit for bit', () => {
    const p = oscillator();
    const r = richardsonError(p.field, p.y0, { t1: p.t1, steps: 20 });
    expect(r.y).toEqual(integrate(p.field, p.y0, { t1: p.t1, steps: 40 }));
  });
});
