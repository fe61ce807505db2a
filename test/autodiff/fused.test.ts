/**
 * Fused first-order derivative rules (issue 7): tanh′ = 1 − y² and sigmoid′ = y(1 − y)
 * are computed in one raw loop when nothing is traced. These tests check that
 *  - the fused first-order gradient is bit-identical to the differentiable form,
 *  - second and third derivatives through the same ops (where the rule must stay in
 *    differentiable operations) match the closed forms
 *      tanh″ = −2 t s, tanh‴ = −2 s (1 − 3t²)       (t = tanh x, s = 1 − t²)
 *      σ″ = q (1 − 2σ), σ‴ = q (1 − 6σ + 6σ²)          (q = σ(1 − σ)),
 *  - under the finite check (which must see every primitive, so fusion is off) the
 *    gradient is unchanged.
 * Tolerance 1e-14 relative for the nested cases: the closed forms and the autodiff
 * evaluate the same few products of values in [−1, 1] in different orders, so they agree
 * to a few ulps (here |x| ≤ 3, where none of the factors cancels catastrophically).
 */
import { describe, expect, it } from 'vitest';
import { add, concat, dot, grad, hvp, matmul, mul, reshape, sigmoid, slice, sub, sum, tanh, tensor, transpose, withFiniteCheck, square, type Tensor } from '../../src/autodiff/index.js';

const xs = [-3, -1.3, -0.2, 0, 0.4, 1.1, 2.7];
const cs = [0.5, -2, 1.5, 3, -0.25, 1, 0.75];
const vs = [1, -0.5, 2, 0.3, -1.2, 0.8, 1.1];
const x = tensor(xs);
const c = tensor(cs);
const v = tensor(vs);

const TOL = 1e-14;
function expectClose(got: Tensor, want: number[]): void {
  const scale = Math.max(...want.map(Math.abs));
  got.data.forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThanOrEqual(TOL * scale));
}

const sig = (u: number): number => 1 / (1 + Math.exp(-u));

describe('fused tanh and sigmoid derivative rules', () => {
  it('first order: bit-identical to the differentiable form g (1 − y²) and g y (1 − y)', () => {
    const gt = grad((u) => dot(c, tanh(u)))(x);
    const t = tanh(x);
    expect(gt.data).toEqual(mul(c, sub(1, square(t))).data);
    const gs = grad((u) => dot(c, sigmoid(u)))(x);
    const s = sigmoid(x);
    expect(gs.data).toEqual(mul(c, mul(s, sub(1, s))).data);
  });

  it('second order through tanh and sigmoid matches the closed forms', () => {
    expectClose(hvp((u) => sum(tanh(u)), x, v), xs.map((u, i) => {
      const t = Math.tanh(u);
      return -2 * t * (1 - t * t) * vs[i]!;
    }));
    expectClose(hvp((u) => sum(sigmoid(u)), x, v), xs.map((u, i) => {
      const s = sig(u);
      const q = s * (1 - s);
      return q * (1 - 2 * s) * vs[i]!;
    }));
  });

  it('third order T[v, v] through tanh and sigmoid matches the closed forms', () => {
    const t3 = grad((u) => dot(v, hvp((w) => sum(tanh(w)), u, v)))(x);
    expectClose(t3, xs.map((u, i) => {
      const t = Math.tanh(u);
      const s = 1 - t * t;
      return -2 * s * (1 - 3 * t * t) * vs[i]! * vs[i]!;
    }));
    const s3 = grad((u) => dot(v, hvp((w) => sum(sigmoid(w)), u, v)))(x);
    expectClose(s3, xs.map((u, i) => {
      const s = sig(u);
      return s * (1 - s) * (1 - 6 * s + 6 * s * s) * vs[i]! * vs[i]!;
    }));
  });

  it('under the finite check (which turns fusion off) the gradient is the same to the bit', () => {
    const f = (u: Tensor): Tensor => dot(c, tanh(sigmoid(u)));
    expect(withFiniteCheck(() => grad(f)(x)).data).toEqual(grad(f)(x).data);
  });
});

/**
 * Slices accumulate their cotangent in place in a first-order backward pass (no zero-padded
 * arrays). The finite check turns every shortcut off, so it gives the reference: the two
 * must agree exactly (=== per element), with overlapping slices, a slice along axis 1 (the
 * adjoint of concat) and the same tensor also used whole; and at third order, where the
 * outermost backward pass is first-order and takes the shortcut over nested passes that do not.
 */
describe('in-place accumulation of slice cotangents', () => {
  const theta = tensor([0.3, -1.2, 0.7, 2.1, -0.4, 0.9, 1.5, -0.8]);
  const dir = tensor([1, 0.5, -0.25, 2, -1, 0.75, 0.1, -0.6]);
  const f = (t: Tensor): Tensor => {
    const a = slice(t, 0, 4);
    const b = slice(t, 2, 6);
    const m = reshape(slice(t, 2, 8), [2, 3]);
    const c = concat([m, reshape(slice(t, 0, 2), [2, 1])], 1); // [2, 4]; its rule slices along axis 1
    return add(add(dot(tanh(a), b), sum(mul(c, c))), add(dot(t, t), sum(sigmoid(slice(t, 5)))));
  };
  const same = (got: Tensor, want: Tensor): void => {
    expect(got.shape).toEqual(want.shape);
    got.data.forEach((g, i) => expect(g === want.data[i]).toBe(true));
  };

  it('first order: identical to the unfused backward pass', () => {
    same(grad(f)(theta), withFiniteCheck(() => grad(f)(theta)));
  });

  it('second and third order: identical to the unfused passes', () => {
    same(hvp(f, theta, dir), withFiniteCheck(() => hvp(f, theta, dir)));
    const t3 = (t: Tensor): Tensor => grad((u) => dot(dir, hvp(f, u, dir)))(t);
    same(t3(theta), withFiniteCheck(() => t3(theta)));
  });
});

/**
 * matmul folds a recorded transpose into the product (a dense layer's `h · Wᵀ`). The
 * unfolded reference multiplies the transpose by 1 first (exact), which hides it from the
 * fold; values and derivatives at orders 1-3 must agree exactly.
 */
describe('matmul folding a recorded transpose', () => {
  const theta = tensor([0.3, -1.2, 0.7, 2.1, -0.4, 0.9, 1.5, -0.8, 0.25, -0.6, 1.1, 0.05]);
  const h = tensor([[0.5, -1, 2], [1.5, 0.25, -0.75]]); // [2, 3]
  const dir = tensor([1, 0.5, -0.25, 2, -1, 0.75, 0.1, -0.6, 0.3, 0.9, -0.2, 0.4]);
  const model = (fold: boolean) => (t: Tensor): Tensor => {
    const W = reshape(slice(t, 0, 6), [2, 3]); // [out, in]
    const V = reshape(slice(t, 6, 12), [2, 3]);
    const Wt = fold ? transpose(W) : mul(transpose(W), 1);
    const Vt = fold ? transpose(V) : mul(transpose(V), 1);
    const z = tanh(matmul(h, Wt)); // [2, 2], right operand folded
    const u = matmul(Vt, z); // [3, 2], left operand folded
    return sum(mul(u, u));
  };
  const same = (got: Tensor, want: Tensor): void => {
    expect(got.shape).toEqual(want.shape);
    got.data.forEach((g, i) => expect(g === want.data[i]).toBe(true));
  };

  it('value, gradient, HVP and T[v, v] are the same to the bit as without folding', () => {
    const [f, r] = [model(true), model(false)];
    expect(f(theta).item()).toBe(r(theta).item());
    same(grad(f)(theta), grad(r)(theta));
    same(hvp(f, theta, dir), hvp(r, theta, dir));
    const t3 = (g: (t: Tensor) => Tensor) => grad((u) => dot(dir, hvp(g, u, dir)))(theta);
    same(t3(f), t3(r));
  });
});

/**
 * In recorded (nested) passes a slice's cotangent is added into the accumulated one by one
 * primitive (addAt) instead of zero-padding plus add. Reference without slices: each slice
 * is a product with a constant 0/1 selection matrix (exact), so derivatives flow through
 * matmul's rules instead. The accumulation order differs, hence a tolerance: 1e-14 relative
 * (sums of a handful of O(1) terms; a wrong offset or a lost term would be O(1)).
 */
describe('slice cotangents in recorded passes', () => {
  const m = 8;
  const theta = tensor([0.3, -1.2, 0.7, 2.1, -0.4, 0.9, 1.5, -0.8]);
  const dir = tensor([1, 0.5, -0.25, 2, -1, 0.75, 0.1, -0.6]);
  const select = (start: number, end: number): Tensor => {
    const S = new Float64Array((end - start) * m);
    for (let i = start; i < end; i++) S[(i - start) * m + i] = 1;
    return tensor(S, [end - start, m]);
  };
  const model = (cut: (t: Tensor, s: number, e: number) => Tensor) => (t: Tensor): Tensor => {
    const a = cut(t, 0, 5);
    const b = cut(t, 3, 8);
    const c = cut(t, 1, 6);
    return add(dot(tanh(a), b), add(sum(mul(sigmoid(c), a)), dot(mul(b, b), c)));
  };
  const f = model((t, s, e) => slice(t, s, e));
  const ref = model((t, s, e) => matmul(select(s, e), t));
  const close = (got: Tensor, want: Tensor): void => {
    const scale = Math.max(...Array.from(want.data, Math.abs));
    got.data.forEach((g, i) => expect(Math.abs(g - want.data[i]!)).toBeLessThanOrEqual(1e-14 * scale));
  };

  it('gradient, HVP and T[v, v] agree with the selection-matrix form', () => {
    close(grad(f)(theta), grad(ref)(theta));
    close(hvp(f, theta, dir), hvp(ref, theta, dir));
    const t3 = (g: (t: Tensor) => Tensor) => grad((u) => dot(dir, hvp(g, u, dir)))(theta);
    close(t3(f), t3(ref));
  });
});
