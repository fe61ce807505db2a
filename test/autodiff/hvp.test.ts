/**
 * Hessian-vector products, Hessians, Jacobians, jvp/vjp, third-derivative contractions,
 * broadcasting gradients and the perturbation-confusion case.
 *
 * Tolerances: identities between two exact computations (hvp vs H·v, symmetry, linearity,
 * duality) hold to rounding: 1e-12 relative to the scale of the entries (a few hundred
 * roundings of O(1) numbers). Comparisons with finite differences of gradients use the
 * Richardson oracle of helpers.ts: 1e-8 absolute + 1e-7 relative (its error is ≲ 1e-10).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as ad from '../../src/autodiff/index.js';
import { Rng, Tensor, add, dot, grad, hessian, hvp, jacobian, jvp, matmul, mul, sin, sum, tanh, tensor, vjp } from '../../src/autodiff/index.js';
import { richardson } from './helpers.js';

const M = 5;
const rng = new Rng(1);
const A = ad.randomNormal([4, M], rng);
/** A smooth test loss with a dense Hessian. */
const f = (x: Tensor): Tensor =>
  add(add(ad.logSumExp(matmul(A, tanh(x))), mul(sum(ad.square(x)), 0.1)), sum(mul(sin(x), ad.slice(x, 0, 1))));

const vec = (n: number): fc.Arbitrary<number[]> => fc.array(fc.double({ min: -1.5, max: 1.5, noNaN: true }), { minLength: n, maxLength: n });

const close = (a: ArrayLike<number>, b: ArrayLike<number>, rtol: number, atol: number): boolean => {
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  for (let i = 0; i < a.length; i++) if (!(Math.abs(a[i]! - b[i]!) <= atol + rtol * scale)) return false;
  return a.length === b.length;
};

describe('Hessian-vector products', () => {
  it('hvp matches finite differences of gradients', () => {
    fc.assert(
      fc.property(vec(M), vec(M), (xs, vs) => {
        const x = tensor(xs);
        const v = tensor(vs);
        const hv = hvp(f, x, v).data;
        const g = grad(f);
        for (let i = 0; i < M; i++) {
          const fd = richardson((t) => g(add(x, mul(v, t))).data[i]!);
          expect(Math.abs(hv[i]! - fd)).toBeLessThanOrEqual(1e-8 + 1e-7 * Math.abs(fd));
        }
      }),
      { numRuns: 30, seed: 3 },
    );
  });

  it('hvp equals hessian(f, x) · v, the Hessian is symmetric, and hvp is linear in v', () => {
    fc.assert(
      fc.property(vec(M), vec(M), vec(M), fc.double({ min: -2, max: 2, noNaN: true }), (xs, vs, ws, a) => {
        const x = tensor(xs);
        const v = tensor(vs);
        const w = tensor(ws);
        const H = hessian(f, x);
        expect(H.shape).toEqual([M, M]);
        const Hd = H.data;
        const Ht = ad.transpose(H).data;
        expect(close(Hd, Ht, 1e-12, 1e-14)).toBe(true);
        const hv = hvp(f, x, v).data;
        expect(close(hv, matmul(H, v).data, 1e-12, 1e-14)).toBe(true);
        const lhs = hvp(f, x, add(mul(v, a), w)).data;
        const rhs = add(mul(hvp(f, x, v), a), hvp(f, x, w)).data;
        expect(close(lhs, rhs, 1e-12, 1e-14)).toBe(true);
      }),
      { numRuns: 30, seed: 4 },
    );
  });

  it('forward-over-reverse (jvp of grad) gives the same hvp as reverse-over-reverse', () => {
    const x = tensor([0.3, -0.2, 0.9, 1.2, -1]);
    const v = tensor([1, 2, -1, 0.5, 0.1]);
    expect(close(ad.hvpForwardOverReverse(f, x, v).data, hvp(f, x, v).data, 1e-12, 1e-14)).toBe(true);
  });

  it('third-derivative contraction T[u, v] by one more level matches finite differences of hvp', () => {
    const x = tensor([0.3, -0.2, 0.9, 1.2, -1]);
    const u = tensor([0.2, -0.4, 1, 0.3, 0.6]);
    const v = tensor([1, 2, -1, 0.5, 0.1]);
    // T[u, v] = ∇_x ⟨H(x) v, u⟩ · w, compared along w
    const Tuv = grad((y) => dot(hvp(f, y, v), u))(x);
    const w = tensor([0.5, 0.1, -0.3, 0.2, 1]);
    const analytic = dot(Tuv, w).item();
    const fd = richardson((t) => dot(hvp(f, add(x, mul(w, t)), v), u).item());
    expect(Math.abs(analytic - fd)).toBeLessThanOrEqual(1e-8 + 1e-7 * Math.abs(fd));
    // symmetric in its three slots: T[u, v]·w = T[w, v]·u
    const Twv = grad((y) => dot(hvp(f, y, v), w))(x);
    expect(Math.abs(dot(Twv, u).item() - analytic)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(analytic)));
  });

  it('a direction that depends on the outer variable stays differentiable: ∇⟨v(x), H(x) v(x)⟩', () => {
    const phi = (x: Tensor): Tensor => {
      const v = sin(x);
      return dot(hvp(f, x, v), v);
    };
    const x = tensor([0.3, -0.2, 0.9, 1.2, -1]);
    const g = grad(phi)(x).data;
    for (let i = 0; i < M; i++) {
      const e = ad.zeros([M]);
      e.data[i] = 1;
      const fd = richardson((t) => phi(add(x, mul(e, t))).item());
      expect(Math.abs(g[i]! - fd)).toBeLessThanOrEqual(1e-8 + 1e-7 * Math.abs(fd));
    }
  });
});

describe('jvp, vjp and jacobian', () => {
  const F = (x: Tensor): Tensor => ad.concat([tanh(matmul(A, x)), mul(x, sin(x))]);
  const x = tensor([0.3, -0.2, 0.9, 1.2, -1]);

  it('duality ⟨u, J v⟩ = ⟨Jᵀ u, v⟩ and both match the Jacobian', () => {
    const J = jacobian(F, x);
    expect(J.shape).toEqual([4 + M, M]);
    const v = tensor([1, 2, -1, 0.5, 0.1]);
    const u = ad.randomNormal([4 + M], new Rng(9));
    const Jv = jvp(F, x, v);
    const JTu = vjp(F, x, u);
    expect(Math.abs(dot(u, Jv).item() - dot(JTu, v).item())).toBeLessThanOrEqual(1e-12 * 10);
    expect(close(Jv.data, matmul(J, v).data, 1e-12, 1e-14)).toBe(true);
    expect(close(JTu.data, matmul(u, J).data, 1e-12, 1e-14)).toBe(true);
  });

  it('jacobian columns match finite differences', () => {
    const J = jacobian(F, x).data;
    for (let j = 0; j < M; j++) {
      const e = ad.zeros([M]);
      e.data[j] = 1;
      for (let i = 0; i < 4 + M; i++) {
        const fd = richardson((t) => F(add(x, mul(e, t))).data[i]!);
        expect(Math.abs(J[i * M + j]! - fd)).toBeLessThanOrEqual(1e-8 + 1e-7 * Math.abs(fd));
      }
    }
  });

  it('jacobian of a shaped output has shape [...out, ...in]', () => {
    const J = jacobian((y) => ad.reshape(ad.concat([y, y]), [2, M]), x);
    expect(J.shape).toEqual([2, M, M]);
  });
});

describe('broadcasting gradients reduce to the input shape', () => {
  it('row, column and scalar operands', () => {
    const X = ad.randomNormal([3, 4], new Rng(2));
    const row = tensor([1, 2, 3, 4]);
    const col = tensor([[1], [2], [3]]);
    const gRow = grad((r) => sum(mul(X, r)))(row);
    expect(gRow.shape).toEqual([4]);
    expect(close(gRow.data, ad.sum(X, 0).data, 1e-15, 0)).toBe(true);
    const gCol = grad((c) => sum(mul(X, ad.reshape(c, [3, 1]))))(ad.reshape(col, [3]));
    expect(gCol.shape).toEqual([3]);
    expect(close(gCol.data, ad.sum(X, 1).data, 1e-15, 0)).toBe(true);
    const gScalar = grad((s) => sum(mul(X, ad.reshape(s, []))))(tensor([2]));
    expect(gScalar.shape).toEqual([1]);
    expect(gScalar.data[0]).toBeCloseTo(ad.sum(X).item(), 14);
  });
});

describe('perturbation confusion', () => {
  it('d/dx [x · d/dy (x + y)] = 1 at any x', () => {
    fc.assert(
      fc.property(fc.double({ min: -5, max: 5, noNaN: true }), fc.double({ min: -5, max: 5, noNaN: true }), (x0, y0) => {
        const d = grad((x) => mul(sum(x), sum(grad((y) => sum(add(x, y)))(tensor([y0])))))(tensor([x0]));
        expect(d.data[0]).toBe(1);
      }),
      { numRuns: 20, seed: 5 },
    );
  });

  it('d/dx [x · d/dy (x y)] = 2x (the inner derivative must see x as a constant)', () => {
    for (const x0 of [-1.5, 0.5, 3]) {
      const d = grad((x) => mul(sum(x), sum(grad((y) => sum(mul(x, y)))(tensor([0.7])))))(tensor([x0]));
      expect(d.data[0]).toBeCloseTo(2 * x0, 14);
    }
  });
});

describe('second and third derivatives of rules that reuse their output', () => {
  const d = (fn: (x: Tensor) => Tensor, order: number, x0: number): number => {
    let g = (x: Tensor): Tensor => sum(fn(x));
    for (let k = 0; k < order; k++) {
      const prev = g;
      g = (x) => sum(grad(prev)(x));
    }
    return g(tensor([x0])).item();
  };
  // closed forms; 1e-13 relative: a few roundings
  it('tanh: tanh″ = -2t(1-t²), tanh‴ = -2(1-t²)(1-3t²)', () => {
    for (const x0 of [-2, -0.4, 0, 0.7, 1.9]) {
      const t = Math.tanh(x0);
      expect(d(tanh, 2, x0)).toBeCloseTo(-2 * t * (1 - t * t), 13);
      expect(d(tanh, 3, x0)).toBeCloseTo(-2 * (1 - t * t) * (1 - 3 * t * t), 13);
    }
  });
  it('sigmoid: s″ = s(1-s)(1-2s), s‴ = s(1-s)(1-6s+6s²)', () => {
    for (const x0 of [-3, -0.4, 0, 0.7, 2.5]) {
      const s = 1 / (1 + Math.exp(-x0));
      expect(d(ad.sigmoid, 2, x0)).toBeCloseTo(s * (1 - s) * (1 - 2 * s), 13);
      expect(d(ad.sigmoid, 3, x0)).toBeCloseTo(s * (1 - s) * (1 - 6 * s + 6 * s * s), 13);
    }
  });
  it('exp: every derivative is exp', () => {
    for (const x0 of [-1, 0.3, 1.5]) {
      for (const k of [2, 3, 4]) expect(Math.abs(d(ad.exp, k, x0) - Math.exp(x0))).toBeLessThanOrEqual(1e-14 * Math.exp(x0));
    }
  });
  it('sin to fifth order is cos', () => {
    expect(d(sin, 5, 0.4)).toBeCloseTo(Math.cos(0.4), 14);
  });
  it('softmax: Hessian of each component equals p_i[(δij - p_j)(δik - p_k) - p_j(δjk - p_k)]', () => {
    const x = tensor([0.3, -1.2, 0.8, 0.1]);
    const n = 4;
    const p = ad.softmax(x).data;
    for (let i = 0; i < n; i++) {
      const H = hessian((y) => sum(ad.slice(ad.softmax(y), i, i + 1)), x).data;
      for (let j = 0; j < n; j++) {
        for (let k = 0; k < n; k++) {
          const dij = i === j ? 1 : 0;
          const dik = i === k ? 1 : 0;
          const djk = j === k ? 1 : 0;
          const expected = p[i]! * ((dij - p[j]!) * (dik - p[k]!) - p[j]! * (djk - p[k]!));
          expect(Math.abs(H[j * n + k]! - expected)).toBeLessThanOrEqual(1e-15);
        }
      }
    }
  });
  it('logSumExp: Hessian is diag(p) - p pᵀ', () => {
    const x = tensor([0.3, -1.2, 0.8, 0.1]);
    const p = ad.softmax(x).data;
    const H = hessian((y) => ad.logSumExp(y), x).data;
    for (let j = 0; j < 4; j++) for (let k = 0; k < 4; k++) expect(Math.abs(H[j * 4 + k]! - ((j === k ? p[j]! : 0) - p[j]! * p[k]!))).toBeLessThanOrEqual(1e-15);
  });
});
