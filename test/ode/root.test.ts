/**
 * The arithmetic-only roots of the step-size controller (src/ode/root.ts): accurate, exact where
 * the answer is a power of two, and defined at the edges the controller can reach (err = 0, ∞).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { inverseRoot, root } from '../../src/ode/root.js';

describe('inverseRoot / root', () => {
  it('property: inverseRoot(x, q) agrees with x^(−1/q) over the whole positive float64 range', () => {
    fc.assert(
      fc.property(fc.double({ min: Number.MIN_VALUE, max: Number.MAX_VALUE, noNaN: true }), fc.integer({ min: 1, max: 13 }), (x, q) => {
        const y = inverseRoot(x, q);
        const reference = Math.pow(x, -1 / q);
        if (!Number.isFinite(reference) || reference === 0) return Object.is(y, reference);
        // Math.pow is itself off by up to |ln x| · ε/q (−1/q is rounded) plus an ulp; ours is within
        // an ulp or two of the true root. 8 ε (1 + |ln x|) covers both, far below a wrong root.
        return Math.abs(y - reference) <= 8 * Number.EPSILON * (1 + Math.abs(Math.log(x))) * reference;
      }),
      { numRuns: 3000 },
    );
  });

  it('is exact where the root is a power of two, and root is its reciprocal', () => {
    for (const q of [1, 2, 5, 6]) {
      for (const k of [-100, -7, 0, 3, 60]) {
        expect(inverseRoot(2 ** (q * k), q)).toBe(2 ** -k);
        expect(root(2 ** (q * k), q)).toBe(2 ** k);
      }
    }
    expect(root(32, 5)).toBe(2);
    expect(inverseRoot(1, 7)).toBe(1);
  });

  it('edges: 0, Infinity, NaN, negative, subnormal', () => {
    expect(inverseRoot(0, 5)).toBe(Infinity);
    expect(inverseRoot(Infinity, 5)).toBe(0);
    expect(inverseRoot(NaN, 5)).toBeNaN();
    expect(inverseRoot(-1, 5)).toBeNaN();
    expect(root(0, 5)).toBe(0);
    // 2^-1070 (subnormal) to the power -1/5 is 2^214 exactly.
    expect(inverseRoot(2 ** -1070, 5)).toBe(2 ** 214);
    expect(inverseRoot(Number.MIN_VALUE, 1)).toBe(Infinity); // 2^1074 overflows, as it should
  });
});
