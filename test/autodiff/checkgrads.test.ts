import { describe, expect, it } from 'vitest';
import * as ad from '../../src/autodiff/index.js';
import { GradCheckError, Tensor, bind, checkGrads, sum, tensor, type Primitive } from '../../src/autodiff/index.js';

/** cube with a deliberately wrong second-order behaviour: the rule uses a detached copy of x. */
const WRONG: Primitive<null> = {
  name: 'cubeWrong',
  forward: ([x]) => new Tensor(x!.shape, x!.data.map((v) => v * v * v)),
  // 3x² g is right at first order, but x is detached, so the second derivative comes out 0
  rule: (g, [x]) => [ad.mul(g, ad.mul(ad.square(new Tensor(x!.shape, x!.data)), 3))],
};

describe('checkGrads', () => {
  const x = tensor([0.3, -0.8, 1.1]);
  it('passes on correct derivatives up to order 4 and reports every check', () => {
    const f = (y: Tensor): Tensor => sum(ad.mul(ad.tanh(y), ad.exp(ad.slice(y, 0, 1))));
    const r = checkGrads(f, x, { order: 4, directions: 3 });
    expect(r.checks.length).toBe(12);
    expect(r.worstRatio).toBeLessThanOrEqual(1);
  });
  it('throws naming the order, the direction and both values on a wrong rule', () => {
    const f = (y: Tensor): Tensor => sum(bind(WRONG, [y], null));
    expect(checkGrads(f, x, { order: 1 }).worstRatio).toBeLessThanOrEqual(1);
    let err: unknown;
    try {
      checkGrads(f, x, { order: 2 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GradCheckError);
    const e = err as GradCheckError;
    expect(e.entry.order).toBe(2);
    expect(e.message).toMatch(/^checkGrads: order 2 derivative mismatch along direction 0 \[.*\]: analytic 0 vs finite difference -?\d/);
    expect(e.directionVector.length).toBe(3);
  });
  it("a derivative that is not finite is said to be so (once: 'error NaN > tolerance NaN')", () => {
    // √x at 0: the analytic derivative is infinite.
    expect(() => checkGrads((y) => sum(ad.sqrt(y)), [0, 1])).toThrow(
      /^checkGrads: the order 1 derivative is not finite at x = \[0, 1\] \(along direction 0: -?(Infinity|NaN)\); f is not differentiable there, or its derivative overflows$/,
    );
    // log x at 1e-4: the derivative is finite, but x − eps is outside the domain.
    let err: unknown;
    try {
      checkGrads((y) => sum(ad.log(y)), [1e-4, 1]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GradCheckError);
    expect((err as Error).message).toMatch(/^checkGrads: the finite difference of order 1 at x = \[0\.0001, 1\] along direction 0 is NaN: f is not finite within eps = 0\.001 of x \(x is at or near the edge of its domain\); the analytic value is \d/);
    expect((err as GradCheckError).entry.numeric).toBeNaN();
    expect(checkGrads((y) => sum(ad.log(y)), [1e-4, 1], { eps: 1e-6, rtol: 1e-5 }).worstRatio).toBeLessThanOrEqual(1); // a smaller eps fits
  });
  it('rejects bad options', () => {
    expect(() => checkGrads((y) => sum(y), x, { order: 0 })).toThrow('checkGrads: order must be a positive integer, got 0');
  });
});
