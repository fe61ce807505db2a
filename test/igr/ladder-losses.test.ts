/**
 * Issue 13 §1's acceptance: losses of one to six variables, typed as text, pass the verification
 * within ±0.1 on the ladder chooseLadder picks for them (no --h), through the library. The
 * results are tabulated in EXPERIMENTS.md ("Automatic ladders"). Slow by nature (a probe is most
 * of a verification; sin(a)cos(b) to order 6 takes four probes): about 30 s of CPU.
 */
import { describe, expect, it } from 'vitest';
import { chooseLadder, verifyBackwardError } from '../../src/igr/index.js';
import { compileLoss } from '../../src/expression/index.js';

/** [expression, start, orders]; the first two are the issue's, the third the README's. */
export const AUTO_LADDER_LOSSES: readonly (readonly [string, readonly number[], readonly number[]])[] = [
  ['x^2*y + sin(y)', [1, 2], [1, 2, 3]],
  ['sin(a)*cos(b)', [0.3, 0.2], [1, 2, 3, 4, 5, 6]],
  ['(1/2)*(1 - a*b)^2', [2.8, 3.5], [1, 2, 3]],
  ['x^4/4 - x^2/2 + 0.1*x', [0.3], [1, 2, 3]],
  ['log(1 + exp(-2*x)) + x^2/10', [0.5], [1, 2, 3, 4]],
  ['(1-x)^2 + 10*(y-x^2)^2', [-0.5, 0.5], [1, 2, 3]],
  ['(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2', [1, 1], [1, 2, 3]],
  ['(x-1)^2/2 + (y+2)^2*z^2/2 + cos(z)', [0.5, -1, 1], [1, 2, 3]],
  ['tanh(a*b + c*d)^2 + (a^2+b^2+c^2+d^2)/10', [0.5, -0.4, 0.3, 0.8], [1, 2, 3]],
  ['(a+b+c+d+f)^2/2 + sin(a*f) + (b-c)^2', [0.2, 0.4, -0.3, 0.1, 0.5], [1, 2, 3]],
  ['softplus(u - v) + softplus(w - x) + (y*z - 1)^2/2', [0.5, -0.5, 1, 0, 1.2, 0.7], [1, 2, 3]],
  ['exp(x) + exp(-y) + x*y/2', [0.2, 0.3], [1, 2, 3, 4]],
  ['sqrt(1 + x^2 + 2*y^2)', [1, -1], [1, 2, 3]],
];

describe('automatic ladders: every loss of the list passes within ±0.1 with the defaults', () => {
  it('covers one to six variables and orders up to 6', () => {
    const sizes = new Set(AUTO_LADDER_LOSSES.map(([, at]) => at.length));
    expect([...sizes].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(AUTO_LADDER_LOSSES.length).toBeGreaterThanOrEqual(10 + 3);
  });
  it.each(AUTO_LADDER_LOSSES.map(([e, at, orders]) => [e, at.join(', '), orders.at(-1)!, at, orders] as const))(
    '%s at (%s), orders 1–%i',
    (expr, _at, _p, at, orders) => {
      const { loss, variables } = compileLoss(expr);
      expect(variables).toHaveLength(at.length);
      const choice = chooseLadder(loss, at, { orders });
      expect(choice.settled, choice.reason).toBe(true);
      const r = verifyBackwardError(loss, at, { hs: choice.hs, T: choice.T, orders: [...orders] });
      for (const p of orders) {
        for (const [kind, fit] of [['global', r.globalSlope[p]], ['local', r.localSlope[p]]] as const) {
          expect(fit, `${kind} p = ${p}`).not.toBeNull();
          expect(fit!.used, `${kind} p = ${p}: points fitted`).toBeGreaterThanOrEqual(3);
          expect(Math.abs(fit!.slope - fit!.expected), `${kind} p = ${p}: slope ${fit!.slope}`).toBeLessThanOrEqual(0.1);
        }
      }
      expect(r.pass).toBe(true);
    },
    120_000,
  );
});
