/** How traces nest: what is recorded, and when tensors count as constants. */
import { describe, expect, it } from 'vitest';
import * as ad from '../../src/autodiff/index.js';
import { Tensor, bind, grad, mul, sum, tensor, type Primitive } from '../../src/autodiff/index.js';

/** An identity primitive that records, for every backward call, whether its cotangent was traced. */
function spy(): { op: (x: Tensor) => Tensor; tracedCotangents: boolean[] } {
  const tracedCotangents: boolean[] = [];
  const prim: Primitive<null> = {
    name: 'spy',
    forward: ([x]) => new Tensor(x!.shape, x!.data.slice()),
    rule: (g) => {
      tracedCotangents.push(g.trace !== null);
      return [g];
    },
  };
  return { op: (x) => bind(prim, [x], null), tracedCotangents };
}

describe('a first-order gradient records nothing for higher orders', () => {
  it('the backward pass of grad computes on plain tensors and returns a plain tensor', () => {
    const { op, tracedCotangents } = spy();
    const g = grad((x) => sum(ad.tanh(op(x))))(tensor([0.1, 0.2]));
    expect(tracedCotangents).toEqual([false]);
    expect(g.trace).toBeNull();
    expect(g.node).toBeNull();
  });
  it('under an outer grad the inner backward pass is recorded', () => {
    const { op, tracedCotangents } = spy();
    grad((y) => sum(grad((x) => sum(ad.tanh(op(x))))(y)))(tensor([0.1, 0.2]));
    // inner backward (traced by the outer pass), then the outer backward through the spy's own rule
    expect(tracedCotangents[0]).toBe(true);
  });
});

describe('finished traces count as constants', () => {
  it('a tensor leaked from a finished grad acts as its value', () => {
    let leaked: Tensor | null = null;
    grad((x) => {
      leaked = mul(x, 2);
      return sum(leaked);
    })(tensor([1.5]));
    const g = grad((y) => sum(mul(leaked!, y)))(tensor([4]));
    expect(g.toArray()).toEqual([3]);
    expect(ad.add(leaked!, 1).toArray()).toEqual([4]);
  });
  it('a gradient function can be reused across calls and nestings', () => {
    const g = grad((x) => sum(ad.pow(x, 4)));
    expect(g(tensor([2])).item()).toBe(32);
    expect(grad((x) => sum(g(x)))(tensor([2])).item()).toBe(48);
    expect(g(tensor([1])).item()).toBe(4);
  });
  it('a function that ignores its input has a zero gradient of the input shape', () => {
    expect(grad(() => ad.scalar(3))(tensor([[1, 2], [3, 4]])).toNested()).toEqual([[0, 0], [0, 0]]);
  });
  it('valueAndGrad returns the value and the gradient', () => {
    const r = ad.valueAndGrad((x) => sum(ad.square(x)))(tensor([1, -2]));
    expect(r.value).toBe(5);
    expect(r.grad.toArray()).toEqual([2, -4]);
  });
});

describe('matmul kernel', () => {
  it('matches a plain triple loop on every shape up to 9 (edge blocks of the 3×4 kernel), bit for bit', () => {
    const rng = new ad.Rng(5);
    for (let n = 1; n <= 9; n++) {
      for (let k = 1; k <= 9; k += 2) {
        for (let m = 1; m <= 9; m++) {
          const A = ad.randomNormal([n, k], rng);
          const B = ad.randomNormal([k, m], rng);
          const C = ad.matmul(A, B).data;
          for (let i = 0; i < n; i++) {
            for (let j = 0; j < m; j++) {
              let s = 0;
              for (let p = 0; p < k; p++) s += A.data[i * k + p]! * B.data[p * m + j]!;
              // same summation order (p ascending, one accumulator per entry): identical rounding
              expect(C[i * m + j]).toBe(s);
            }
          }
        }
      }
    }
  });
});

describe('depth and constants', () => {
  it('derivatives nest to sixth order: d⁶/dx⁶ sin = -sin, d⁶/dx⁶ x⁷ = 7! x', () => {
    const nth = (f: (x: Tensor) => Tensor, n: number): ((x: Tensor) => Tensor) => {
      let g = (x: Tensor): Tensor => sum(f(x));
      for (let k = 0; k < n; k++) {
        const prev = g;
        g = (x) => sum(grad(prev)(x));
      }
      return g;
    };
    expect(nth(ad.sin, 6)(tensor([0.7])).item()).toBeCloseTo(-Math.sin(0.7), 14);
    expect(nth((x) => ad.pow(x, 7), 6)(tensor([1.5])).item()).toBeCloseTo(5040 * 1.5, 9);
  });
  it('stopGradient blocks the derivative at every level', () => {
    const f = (x: Tensor): Tensor => sum(mul(x, ad.stopGradient(mul(x, x))));
    // d/dx [x · c] with c = x² held constant = x²
    expect(grad(f)(tensor([3])).item()).toBe(9);
    expect(grad((y) => sum(grad(f)(y)))(tensor([3])).item()).toBe(0);
  });
});
