import { describe, expect, it } from 'vitest';
import { grad, mul, pow, sum, tensor, type Tensor } from '../../src/autodiff/index.js';
import { DivergenceError, findProblem, gradientDescent, IgrError, problems } from '../../src/igr/index.js';

describe('gradientDescent', () => {
  it('is bit-identical to the update θ − h ∇E on every problem', () => {
    for (const p of problems) {
      const h = p.hs[0]!;
      const iterates = gradientDescent(p.loss, p.theta0, h, 5);
      const g = grad(p.loss);
      let theta = Float64Array.from(p.theta0);
      expect(iterates).toHaveLength(6);
      for (let k = 1; k <= 5; k++) {
        const d = g(tensor(Array.from(theta), [theta.length])).data;
        theta = theta.map((v, i) => v - h * d[i]!);
        expect(Array.from(iterates[k]!)).toEqual(Array.from(theta));
      }
    }
  });

  it('a divergence carries the finite iterates θ_0..θ_{step−1}, equal to a run that stops just before it', () => {
    const quartic = (x: Tensor) => sum(pow(x, 4));
    let error: DivergenceError | null = null;
    try {
      gradientDescent(quartic, [2], 0.5, 10);
    } catch (e) {
      error = e as DivergenceError;
    }
    expect(error).toBeInstanceOf(DivergenceError);
    const finite = gradientDescent(quartic, [2], 0.5, error!.step - 1);
    expect(error!.iterates!.map((v) => Array.from(v))).toEqual(finite.map((v) => Array.from(v)));
  });

  it('reports divergence with the step: E = θ⁴ from θ = 2 with h = 0.5 explodes at step 3', () => {
    // θ ← θ − 2θ³: 2 → −14 → 5474 → −3.3e11, past the threshold 1e6 · (1 + 2) at step 3.
    const quartic = (x: Tensor) => sum(pow(x, 4));
    expect(() => gradientDescent(quartic, [2], 0.5, 10)).toThrow(DivergenceError);
    try {
      gradientDescent(quartic, [2], 0.5, 10);
    } catch (e) {
      expect((e as DivergenceError).step).toBe(3);
      expect((e as Error).message).toMatch(/h = 0.5 diverged at step 3/);
    }
    expect(gradientDescent(quartic, [2], 0.5, 2)[2]![0]).toBe(5474);
  });

  it('rejects bad input with a clear message', () => {
    const loss = findProblem('quadratic').loss;
    const th = findProblem('quadratic').theta0;
    expect(() => gradientDescent(loss, th, 0, 3)).toThrow(IgrError);
    expect(() => gradientDescent(loss, th, 0, 3)).toThrow(/h must be a finite number > 0, got 0/);
    expect(() => gradientDescent(loss, th, 0.1, 1.5)).toThrow(/steps must be an integer ≥ 0, got 1.5/);
    expect(() => gradientDescent(loss, [1, Infinity, 0, 0, 0], 0.1, 3)).toThrow(/θ0\[1\] = Infinity is not finite/);
    expect(gradientDescent((x) => mul(0, sum(x)), [1], 0.1, 0)).toEqual([Float64Array.of(1)]);
  });
});
