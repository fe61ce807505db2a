/**
 * chooseLadder (src/igr/ladder.ts): the rule's pieces (1-2-5 grid, step counts of the narrower
 * spacings), what it reports, that the probe's measured jobs are the verification's own bit for
 * bit, and every kind of bad input. The list of losses that must pass on their automatic ladder
 * is test/igr/ladder-losses.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { add, dot, mul, slice, sin, sqrt, square, sum, tensor, type Tensor } from '../../src/autodiff/index.js';
import {
  chooseLadder,
  chooseLadderWith,
  comparisonMeasurer,
  findProblem,
  measureLocalPoint,
  prepareBackwardError,
  type ProbePoint,
  IgrError,
  LADDER_RATIOS,
  ladderSizes,
  ladderSteps,
  niceBelow,
  verifyBackwardError,
} from '../../src/igr/index.js';

const xy = (f: (x: Tensor, y: Tensor) => Tensor) => (t: Tensor) => sum(f(slice(t, 0, 1), slice(t, 1, 2)));

describe('the pieces of the rule', () => {
  it('niceBelow: the 1-2-5 number at or below x, as its decimal text', () => {
    expect([0.0212, 0.0405, 0.1, 0.138, 0.35, 7.9, 1, 2.5e-7].map(niceBelow)).toEqual([0.02, 0.02, 0.1, 0.1, 0.2, 5, 1, 2e-7]);
  });
  it('step counts 16·r^k, whole and distinct; h_k = T/n_k with T = 16·h0, exactly h0/2^k on the halving ladder', () => {
    expect(ladderSteps(2, 4)).toEqual([16, 32, 64, 128]);
    expect(ladderSteps(LADDER_RATIOS[1]!, 4)).toEqual([16, 23, 32, 45]);
    expect(ladderSteps(LADDER_RATIOS[2]!, 4)).toEqual([16, 20, 25, 32]);
    expect(ladderSteps(LADDER_RATIOS[3]!, 4)).toEqual([16, 19, 23, 27]);
    expect(ladderSizes(0.05, 2, 4)).toEqual([0.05, 0.025, 0.0125, 0.00625]);
    const hs = ladderSizes(0.05, LADDER_RATIOS[2]!, 4);
    for (const [k, n] of [16, 20, 25, 32].entries()) expect(Math.abs(0.8 / hs[k]! - n)).toBeLessThan(1e-9 * n);
  });
});

describe('chooseLadder', () => {
  it("x²y + sin y from (1, 2): |λ|max = 4.71 bounds h0 by 0.0212, the probe keeps 0.02 … 0.0025", () => {
    const loss = xy((x, y) => add(mul(square(x), y), sin(y)));
    const c = chooseLadder(loss, [1, 2], { orders: [1, 2, 3] });
    expect(c.hs).toEqual([0.02, 0.01, 0.005, 0.0025]);
    expect(c.T).toBe(0.32);
    // H = [[2y, 2x], [2x, −sin y]] at (1, 2): eigenvalues 1.5454 ± √(2.4546² + 4).
    const lambda = 1.5453513 + Math.sqrt(2.4546487 ** 2 + 4);
    expect(Math.abs(c.lambdaMax - lambda)).toBeLessThan(1e-6);
    expect(c.kappaSource).toBe('lambda');
    expect(c.boundSource).toBe('curvature');
    expect(c.bound).toBeCloseTo(0.1 / lambda, 8);
    expect(c.settled).toBe(true);
    expect(c.probes.map((p) => p.decision)).toEqual(['keep']);
    expect(c.termGrowth).toHaveLength(3);
    expect(c.reason).toContain('the probe kept it');
  });

  it("the probe's fully measured jobs are the verification's own, bit for bit", () => {
    const { loss, theta0 } = findProblem('double-well');
    const c = chooseLadder(loss, theta0, { orders: [1, 2] });
    expect(c.measured).toHaveLength(4); // two largest h × two orders
    const r = verifyBackwardError(loss, theta0, { hs: c.hs, T: c.T, orders: [1, 2] });
    for (const m of c.measured) {
      expect(m.global.error).toBe(r.globalError[m.order]![m.hIndex]);
      expect(m.local.error).toBe(r.localError[m.order]![m.hIndex]);
      expect(m.global.bound).toBe(r.referenceBound!.global[m.order]![m.hIndex]);
    }
  });

  it('moves the ladder where the global errors at T are pre-asymptotic (a 1-D double well: 3.14 at order 2 on h = 0.1, 0.05)', () => {
    const loss = (t: Tensor) => sum(add(add(mul(0.25, square(square(t))), mul(-0.5, square(t))), mul(0.1, t)));
    const c = chooseLadder(loss, [0.3], { orders: [1, 2, 3] });
    expect(c.probes.map((p) => p.decision)).toEqual(['smaller', 'smaller', 'keep']);
    expect(c.probes[0]!.why).toMatch(/^pre-asymptotic: global ratio 3\.1\d\d between h = 0\.1 and 0\.05 at order 2, expected 2$/);
    expect(c.hs).toEqual([0.025, 0.0125, 0.00625, 0.003125]);
    expect(verifyBackwardError(loss, [0.3], { hs: c.hs, T: c.T, orders: [1, 2, 3] }).pass).toBe(true);
  });

  it('a loss without curvature: h0 from the movement bound, and every error on the floor leaves it unsettled', () => {
    const loss = (t: Tensor) => dot(tensor([1, -2]), t);
    const c = chooseLadder(loss, [0.5, 0.5], { orders: [1], maxMoves: 2 });
    expect(c.kappa).toBe(0);
    expect(c.kappaSource).toBe('none');
    expect(c.boundSource).toBe('movement');
    expect(c.bound).toBeCloseTo(0.1 / Math.sqrt(5), 12);
    expect(c.probes.map((p) => p.decision)).toEqual(['larger', 'larger', 'larger']);
    expect(c.settled).toBe(false);
    expect(c.reason).toContain('NOT settled within 2 moves');
  });

  it('chooseLadderWith: the same choice with the points measured elsewhere; a global point needs the whole job', async () => {
    const { loss, theta0 } = findProblem('double-well');
    const direct = chooseLadder(loss, theta0, { orders: [1, 2] });
    const job = (p: ProbePoint) => {
      const { comparison } = prepareBackwardError(loss, theta0, { hs: [p.h], T: p.T, orders: [p.order] });
      return comparisonMeasurer(comparison)({ hIndex: 0, order: p.order });
    };
    const via = await chooseLadderWith(loss, theta0, { orders: [1, 2] }, async (points) =>
      points.map((p) => (p.kind === 'local' ? measureLocalPoint(loss, theta0, p.h, p.order) : job(p))),
    );
    expect(via).toEqual(direct);
    await expect(chooseLadderWith(loss, theta0, { orders: [1] }, async (points) => points.map((p) => measureLocalPoint(loss, theta0, p.h, p.order)))).rejects.toThrow(
      'chooseLadderWith: a global probe point needs the whole job measurement (global and local)',
    );
  });

  it('calls onProbe and onProgress', () => {
    const { loss, theta0 } = findProblem('quadratic');
    const probes: string[] = [];
    const ticks: [number, number, number][] = [];
    chooseLadder(loss, theta0, { orders: [1, 2], onProbe: (p) => probes.push(p.decision), onProgress: (d, n, k) => ticks.push([d, n, k]) });
    expect(probes).toEqual(['keep']);
    expect(ticks).toHaveLength(12); // 2 orders × (4 local + 2 global)
    expect(ticks.at(-1)).toEqual([12, 12, 1]);
  });

  it('bad input: a clear IgrError naming it', () => {
    const loss = (t: Tensor) => sum(square(t));
    const bad = (theta: number[], options: Parameters<typeof chooseLadder>[2], message: string | RegExp) =>
      expect(() => chooseLadder(loss, theta, options)).toThrow(message instanceof RegExp ? message : new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    bad([0, 0], { orders: [1] }, 'chooseLadder: the gradient of the loss is 0 at θ0: gradient descent does not move');
    bad([1], { orders: [] }, 'chooseLadder: orders must be a non-empty list');
    bad([1], { orders: [9] }, 'chooseLadder: order 9 is outside 1..8');
    bad([1], { orders: [1], points: 2 }, 'chooseLadder: points must be an integer in 3..8, got 2');
    bad([1], { orders: [1], maxMoves: -1 }, 'chooseLadder: maxMoves must be an integer ≥ 0, got -1');
    bad([1], { orders: [1], tolerance: 0 }, 'chooseLadder: tolerance must be a finite number > 0, got 0');
    bad([NaN], { orders: [1] }, 'chooseLadder: θ0[0] = NaN is not finite');
    expect(() => chooseLadder((t: Tensor) => sum(mul(1 / 0, t)), [1], { orders: [1] })).toThrow('chooseLadder: the loss at θ0 is Infinity, not finite');
    expect(() => chooseLadder((t: Tensor) => sum(sqrt(t)), [0], { orders: [1] })).toThrow('chooseLadder: the gradient at θ0 is not finite');
    expect(() => chooseLadder(loss, [1], { orders: [1] })).not.toThrow(IgrError);
  });
});
