import { describe, expect, it } from 'vitest';
import { add, grad, hessian, hvp, mul, sin, sum, tanh, tensor, type Tensor } from '../../src/index.js';

// Smoke test of the public surface through src/index.ts; the thorough checks are in the other files.
describe('autodiff smoke', () => {
  const f = (x: Tensor): Tensor => sum(tanh(mul(x, x)));
  const x = tensor([0.3, -0.7, 1.1]);

  it('gradient of sum tanh(x²) is 2x sech²(x²) (to 1e-15 relative: a handful of roundings)', () => {
    const g = grad(f)(x).data;
    for (let i = 0; i < 3; i++) {
      const v = x.data[i]!;
      const expected = 2 * v * (1 - Math.tanh(v * v) ** 2);
      expect(Math.abs(g[i]! - expected)).toBeLessThanOrEqual(1e-15 * Math.abs(expected) + 1e-16);
    }
  });

  it('hvp equals hessian times v', () => {
    const v = tensor([0.2, -1, 0.5]);
    const hv = hvp(f, x, v).data;
    const H = hessian(f, x).data;
    for (let i = 0; i < 3; i++) {
      let s = 0;
      for (let j = 0; j < 3; j++) s += H[i * 3 + j]! * v.data[j]!;
      expect(hv[i]).toBeCloseTo(s, 14);
    }
  });

  it('third derivative of sin is -cos', () => {
    const d1 = grad((z) => sum(sin(z)));
    const d2 = grad((z) => sum(d1(z)));
    const d3 = grad((z) => sum(d2(z)));
    expect(d3(tensor([0.5])).data[0]).toBeCloseTo(-Math.cos(0.5), 15);
  });

  it('no perturbation confusion: d/dx [x · d/dy (x + y)] = 1', () => {
    const outer = grad((xx) => sum(mul(xx, grad((yy) => sum(add(xx, yy)))(tensor([2])))));
    expect(outer(tensor([1])).data[0]).toBe(1);
  });
});
