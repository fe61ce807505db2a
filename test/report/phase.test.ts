import { describe, expect, it } from 'vitest';
import { mul, square, sum, tensor, type Tensor } from '../../src/autodiff/index.js';
import { findProblem } from '../../src/igr/index.js';
import { paddedBounds, phasePortrait, suggestPhaseSettings } from '../../src/report/phase.js';

const quadratic = (x: Tensor): Tensor => mul(sum(mul(tensor([1, 3]), square(x))), 0.5);

function dist(a: Float64Array, b: Float64Array): number {
  return Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!);
}

describe('phase portrait', () => {
  it('scales its learning rates to the curvature at the start: 0.5/|λ|max, an eighth of it, 40 steps', () => {
    // Hessian diag(1, 3): |λ|max = 3, 0.5/3 = 0.1667 → 0.17 (two significant digits).
    expect(suggestPhaseSettings(quadratic, [1, 1])).toEqual({ hModerate: 0.17, hSmall: 0.021, T: 6.8 });
    // A flat loss has no curvature scale.
    expect(suggestPhaseSettings((x) => mul(sum(x), 0), [1, 1])).toBeNull();
  });

  it("like the paper's Figure 1: small-h GD sits on the gradient flow, moderate-h GD on the modified flows", () => {
    const problem = findProblem('two-parameter');
    const s = suggestPhaseSettings(problem.loss, problem.theta0)!;
    const portrait = phasePortrait(problem.loss, problem.theta0, { ...s, grid: 20 });
    const end = portrait.moderate.steps;
    const flows = portrait.moderate.flows;
    const gdModerate = portrait.moderate.gd[end]!;
    const [d1, d2, d3] = flows.map((f) => dist(gdModerate, f.points[end]!));
    // Each order closer than the one before (global error O(h^p)).
    expect(d2!).toBeLessThan(d1! / 2);
    expect(d3!).toBeLessThan(d2! / 2);
    // Small-h GD at time T is far closer to the gradient flow than moderate-h GD is.
    const gdSmall = portrait.small.gd[portrait.small.steps]!;
    expect(dist(gdSmall, flows[0]!.points[end]!)).toBeLessThan(d1! / 4);
    expect(portrait.series).toEqual([
      'gradient flow (p=1)',
      `IGR flow (p=2), h=${s.hModerate}`,
      `order-3 flow, h=${s.hModerate}`,
      `GD h=${s.hSmall}`,
      `GD h=${s.hModerate}`,
      'start',
    ]);
    expect(portrait.notes).toEqual([]);
    expect(() => phasePortrait(problem.loss, [1, 2, 3], s)).toThrow(/needs a two-parameter start point, got 3 parameters/);
  });

  it('bounds pad the points and ignore non-finite ones', () => {
    const b = paddedBounds([Float64Array.of(0, 0), Float64Array.of(2, 1), Float64Array.of(NaN, 5)], 0.1);
    expect(b.x).toEqual([-0.2, 2.2]);
    expect(b.y).toEqual([-0.2, 1.2]);
  });
});
