/**
 * Where each flow stops tracking gradient descent (src/igr/tracking.ts): on a quadratic the
 * principal flow tracks to round-off below hλ = 1 (and at even steps beyond), the truncated
 * flows stop at an h that grows with their order; the definition's bookkeeping; bad input.
 */
import { describe, expect, it } from 'vitest';
import { dot, matmul, mul, tensor, type Tensor } from '../../src/autodiff/index.js';
import { IgrError, PRINCIPAL_FLOW_MAX_DIMENSION, trackingJson, trackingStudy } from '../../src/igr/index.js';

const A = [
  [2, 0.6],
  [0.6, 1],
];
const At = tensor(A);
const quadratic = (x: Tensor): Tensor => mul(0.5, dot(x, matmul(At, x)));
const theta0 = [1, -0.5];

describe('trackingStudy on a rotated quadratic', () => {
  const report = trackingStudy(quadratic, theta0, { hLambda: [0.1, 0.5, 0.9, 1.3, 1.7], steps: 6, name: 'quadratic' });

  it('sorts the ladder, scales it by λ_max(θ0) and measures GD’s travel', () => {
    const lambda = (3 + Math.sqrt(1 + 4 * 0.36)) / 2; // eigenvalues of [[2, .6], [.6, 1]]
    expect(report.lambda0).toBeCloseTo(lambda, 12);
    expect(report.hLambda0.map((x) => Number(x.toFixed(12)))).toEqual([0.1, 0.5, 0.9, 1.3, 1.7]);
    expect(report.hLambdaPath).toEqual(report.hLambda0.map((x) => expect.closeTo(x, 12)));
    report.travelled.forEach((d) => expect(d).toBeGreaterThan(0));
    expect(report.flows.map((f) => f.key)).toEqual(['order 1', 'order 2', 'order 3', 'principal']);
  });

  it('the principal flow tracks to round-off where hλ < 1, and over even steps where 1 < hλ < 2', () => {
    // The flow is exact on a quadratic (t = kh); what is left is integration and rounding: ≤ 1e-12 of the travel.
    const pf = report.flows.find((f) => f.key === 'principal')!;
    for (let i = 0; i < 3; i++) expect(pf.relative[i]!).toBeLessThan(1e-12);
    for (let i = 3; i < 5; i++) {
      expect(pf.relativeEven[i]!).toBeLessThan(1e-12);
      expect(pf.relative[i]!).toBeGreaterThan(0.1); // odd steps: GD flipped the stiff component
    }
    expect(pf.stopsTracking?.hLambda0).toBeCloseTo(1.3, 12);
    expect(pf.stopsTrackingEven).toBeNull();
  });

  it('the truncated flows stop tracking at an h that does not decrease with their order', () => {
    const stops = report.flows.filter((f) => f.key !== 'principal').map((f) => f.stopsTracking?.hLambda0 ?? Infinity);
    for (let k = 1; k < stops.length; k++) expect(stops[k]!).toBeGreaterThanOrEqual(stops[k - 1]!);
    const gradientFlow = report.flows[0]!;
    // r grows with h for the gradient flow (its error is O(h) per unit time).
    for (let i = 1; i < 3; i++) expect(gradientFlow.relative[i]!).toBeGreaterThan(gradientFlow.relative[i - 1]!);
    expect(gradientFlow.stopsTracking!.lastTracking).not.toBeNull();
  });

  it('the JSON carries each flow’s limits and distances', () => {
    const json = trackingJson(report) as { flows: { key: string; stopsTracking: unknown; relative: unknown[] }[] };
    expect(json.flows).toHaveLength(4);
    expect(json.flows[3]!.relative).toHaveLength(5);
  });

  it('a diverging h gets no verdict and the rest is measured', () => {
    const r = trackingStudy(quadratic, theta0, { hLambda: [0.5, 2.5], steps: 40, orders: [1], principal: false });
    expect(r.diverged).toHaveLength(1);
    expect(r.flows[0]!.failure[1]).toBe('gradient descent diverged');
    expect(r.flows[0]!.relative[0]).toBeGreaterThan(0);
  });
});

describe('trackingStudy: bad input', () => {
  const cases: [string, unknown, string][] = [
    ['no options', null, 'options { hs | hLambda, steps } are required'],
    ['both hs and hLambda', { hs: [0.1], hLambda: [0.5] }, 'give exactly one of hs (step sizes) or hLambda (multiples of 1/λ_max(θ0))'],
    ['neither', { steps: 4 }, 'give exactly one of hs'],
    ['an empty ladder', { hs: [] }, 'h must be a non-empty list'],
    ['hLambda ≤ 0', { hLambda: [0.5, -1] }, 'every hLambda must be a finite number > 0, got -1'],
    ['steps 1', { hs: [0.1], steps: 1 }, 'steps must be an integer ≥ 2, got 1'],
    ['an order 9', { hs: [0.1], orders: [1, 9] }, 'order 9 is outside 1..8'],
    ['orders not a list', { hs: [0.1], orders: 3 }, 'orders must be a list of integers in 1..8'],
    ['threshold 0', { hs: [0.1], threshold: 0 }, 'threshold must be a finite number > 0, got 0'],
    ['accuracy 1', { hs: [0.1], accuracy: 1 }, 'accuracy must be in (0, 1), got 1'],
    ['nothing to compare', { hs: [0.1], orders: [], principal: false }, 'nothing to compare: give orders or principal: true'],
  ];
  for (const [what, options, message] of cases) {
    it(`rejects ${what}`, () => {
      const run = () => trackingStudy(quadratic, theta0, options as never);
      expect(run).toThrow(IgrError);
      expect(run).toThrow(`trackingStudy: ${message}`);
    });
  }

  it('rejects a non-finite θ0, a model too large for the principal flow, and hLambda where λ_max(θ0) ≤ 0', () => {
    expect(() => trackingStudy(quadratic, [NaN, 1], { hs: [0.1] })).toThrow('trackingStudy: θ0[0] = NaN is not finite');
    const big = new Array(PRINCIPAL_FLOW_MAX_DIMENSION + 1).fill(0.1);
    expect(() => trackingStudy((x) => mul(0.5, dot(x, x)), big, { hs: [0.1] })).toThrow(
      `trackingStudy: the model has ${PRINCIPAL_FLOW_MAX_DIMENSION + 1} parameters, more than the principal flow's bound ${PRINCIPAL_FLOW_MAX_DIMENSION}`,
    );
    const concave = (x: Tensor): Tensor => mul(-0.5, dot(x, x));
    expect(() => trackingStudy(concave, [1, 1], { hLambda: [0.5] })).toThrow('trackingStudy: hLambda needs λ_max(θ0) > 0, but λ_max(θ0) = -1; give hs instead');
  });
});
