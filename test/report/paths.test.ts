import { describe, expect, it } from 'vitest';
import { add, exp, mul, square, sum, tensor, type Tensor } from '../../src/autodiff/index.js';
import { descentPaths } from '../../src/report/paths.js';

// E = ½ θᵀAθ with A = diag(1, 3): GD is θ_n = (I − hA)^n θ0 exactly, and the order-p modified
// flow is θ' = −c_p θ per component with c_p = Σ_{j≤p} h^{j−1} a^j / j (README.md, "The mathematics": the series
// of (1/h) log(I − hA)), so θ_p(t) = exp(−c_p t) θ0.
const diag = [1, 3];
const quadratic = (x: Tensor): Tensor => mul(sum(mul(tensor(diag), square(x))), 0.5);
const theta0 = [1.5, -0.8];

function exactFlow(order: number, h: number, t: number): number[] {
  return diag.map((a, i) => {
    let c = 0;
    for (let j = 1; j <= order; j++) c += (h ** (j - 1) * a ** j) / j;
    return Math.exp(-c * t) * theta0[i]!;
  });
}

describe('descentPaths', () => {
  it('GD iterates match (I − hA)^n θ0 and each flow its closed form', () => {
    const h = 0.05;
    const steps = 20;
    const paths = descentPaths(quadratic, theta0, { h, steps, orders: [1, 2, 3] });
    expect(paths.gd).toHaveLength(steps + 1);
    paths.gd.forEach((v, n) => {
      diag.forEach((a, i) => {
        // Each GD step is one multiply-add: relative error a few ulps per step (1e-14 over 20 steps).
        expect(Math.abs(v[i]! - (1 - h * a) ** n * theta0[i]!)).toBeLessThan(1e-14);
      });
    });
    for (const f of paths.flows) {
      expect(f.diverged).toBeNull();
      expect(f.points).toHaveLength(steps + 1);
      const exact = exactFlow(f.order, h, h * steps);
      // RK4 with 8 substeps of h/8: global error ≈ T (c·dt)^4 / 120 · |θ| ≈ 1e-10 here; 1e-8 leaves margin.
      f.points[steps]!.forEach((v, i) => expect(Math.abs(v - exact[i]!)).toBeLessThan(1e-8));
      const gdEnd = paths.gd[steps]!;
      const expected = Math.hypot(gdEnd[0]! - exact[0]!, gdEnd[1]! - exact[1]!);
      expect(Math.abs(f.distance! - expected)).toBeLessThan(1e-8);
      expect(f.distances[0]).toBe(0);
    }
    // Backward error analysis: each order is closer to GD than the one before.
    const d = paths.flows.map((f) => f.distance!);
    expect(d[1]!).toBeLessThan(d[0]! / 5);
    expect(d[2]!).toBeLessThan(d[1]! / 5);
  });

  it('reports a diverging GD with its step instead of throwing, and keeps the finite iterates', () => {
    // h = 0.8: the factor 1 − 3h = −1.4 grows without bound.
    const paths = descentPaths(quadratic, theta0, { h: 0.8, steps: 200, orders: [1] });
    expect(paths.gdDiverged).not.toBeNull();
    expect(paths.gdDiverged!.step).toBeGreaterThan(10);
    expect(paths.gdDiverged!.message).toMatch(/diverged at step \d+/);
    expect(paths.gd.length).toBe(paths.gdDiverged!.step);
    expect(paths.flows[0]!.distance).toBeNull();
  });

  it('reports a diverging flow with its order and time', () => {
    // E = −exp(x) + y²: the gradient flow x' = exp(x) blows up in finite time, at t = exp(−x0) ≈ 0.37 < T = 2.
    const loss = (x: Tensor): Tensor => add(mul(sum(mul(tensor([1, 0]), exp(x))), -1), sum(mul(tensor([0, 1]), square(x))));
    const paths = descentPaths(loss, [1, 0.5], { h: 0.05, steps: 40, orders: [1] });
    const flow = paths.flows[0]!;
    expect(flow.diverged).not.toBeNull();
    expect(flow.diverged!.message).toMatch(/order-1 flow diverged near t = /);
    expect(flow.distance).toBeNull();
  });

  it('rejects bad arguments with the value named', () => {
    expect(() => descentPaths(quadratic, theta0, { h: 0, steps: 1, orders: [1] })).toThrow(/h must be a positive number, got 0/);
    expect(() => descentPaths(quadratic, theta0, { h: 0.1, steps: 1.5, orders: [1] })).toThrow(/steps must be a positive integer, got 1.5/);
  });
});
