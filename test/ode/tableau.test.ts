/** Butcher tableaux: rooted trees, order conditions, and every malformed-tableau message. */
import { describe, expect, it } from 'vitest';
import {
  embeddedTableaus,
  integrate,
  methodNames,
  OdeError,
  orderConditionResiduals,
  rootedTrees,
  tableaus,
  validateTableau,
  type ButcherTableau,
  type EmbeddedTableau,
} from '../../src/ode/index.js';

describe('rooted trees', () => {
  it('counts 1, 1, 2, 4, 9, 20, 48, 115 trees of orders 1..8 (OEIS A000081)', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => rootedTrees(n).length)).toEqual([1, 1, 2, 4, 9, 20, 48, 115]);
  });
  it('gives the densities γ of the order-4 trees: 1/γ are the classical conditions 1/4, 1/8, 1/12, 1/24', () => {
    const gammas = rootedTrees(4).map((t) => t.gamma).sort((x, y) => x - y);
    expect(gammas).toEqual([4, 8, 12, 24]);
  });
  it('lists each tree once (labels distinct)', () => {
    for (let n = 1; n <= 7; n++) {
      const labels = rootedTrees(n).map((t) => t.label);
      expect(new Set(labels).size).toBe(labels.length);
    }
  });
});

describe('built-in tableaux', () => {
  it('satisfy their declared order exactly: all conditions up to p hold, some of order p + 1 fail', () => {
    for (const name of methodNames) {
      const t = tableaus[name];
      expect(validateTableau(t)).toBe(t);
      const next = orderConditionResiduals(t.a, t.b, t.order + 1).filter((r) => r.tree.order === t.order + 1);
      expect(next.some((r) => Math.abs(r.residual) > 1e-3), `${name} would be of order ${t.order + 1}`).toBe(true);
    }
  });
  it('the embedded pairs have orders 5(4) and 3(2)', () => {
    const dp = embeddedTableaus.dormandPrince54;
    expect([dp.order, dp.embeddedOrder, dp.stages]).toEqual([5, 4, 7]);
    const bs = embeddedTableaus.bogackiShampine32;
    expect([bs.order, bs.embeddedOrder, bs.stages]).toEqual([3, 2, 4]);
  });
  it('dop853: order 8 proven by all 200 conditions up to order 8, embedded order 5 by all 17 up to 5; neither more', () => {
    const t = embeddedTableaus.dop853;
    expect([t.order, t.embeddedOrder, t.stages]).toEqual([8, 5, 12]);
    expect(validateTableau(t)).toBe(t);
    const eight = orderConditionResiduals(t.a, t.b, 8);
    expect(eight).toHaveLength(200);
    // Every residual within its rounding bound (at most 1.7e-15 here, coefficients of size up to 44).
    for (const r of eight) expect(Math.abs(r.residual), r.tree.label).toBeLessThanOrEqual(r.bound);
    // Order 9 fails: the largest residual among the 286 order-9 trees is 2.7e-5, far above rounding.
    const nine = orderConditionResiduals(t.a, t.b, 9).filter((r) => r.tree.order === 9);
    expect(nine).toHaveLength(286);
    expect(Math.max(...nine.map((r) => Math.abs(r.residual)))).toBeGreaterThan(1e-6);
    const six = orderConditionResiduals(t.a, t.bHat, 6);
    expect(six.filter((r) => r.tree.order <= 5).every((r) => Math.abs(r.residual) <= r.bound)).toBe(true);
    expect(six.filter((r) => r.tree.order === 6).some((r) => Math.abs(r.residual) > 1e-6)).toBe(true);
  });
  it('dop853: one wrong digit in a stage coefficient is caught by an order condition', () => {
    const t = structuredClone(embeddedTableaus.dop853);
    // a[9][8] = -2.03312017085086261358222928593e-2 with its 6th digit changed; c[9] adjusted so the
    // row-sum check passes and only the order conditions can notice.
    const delta = 1e-7;
    t.a[9]![8]! += delta;
    t.c[9]! += delta;
    expect(() => validateTableau(t)).toThrow(/tableau 'dop853': declared order 8 but the order condition of tree .* \(order [2-8]\) fails/);
  });
  it('a user tableau (Ralston, order 2) is accepted and integrates', () => {
    const ralston: ButcherTableau = { name: 'ralston', order: 2, stages: 2, a: [[0, 0], [2 / 3, 0]], b: [1 / 4, 3 / 4], c: [0, 2 / 3] };
    const y = integrate((_t, y) => Float64Array.of(-y[0]!), [1], { t1: 1, steps: 1000, method: ralston });
    // Global error of an order-2 method with h = 1e-3 on y' = -y: ~ h² e^-1 / 6 ≈ 6e-8.
    expect(Math.abs(y[0]! - Math.exp(-1))).toBeLessThan(1e-7);
  });
});

describe('malformed tableaux are rejected with a message naming the problem', () => {
  const rk4 = tableaus.rk4;
  const clone = (): ButcherTableau => structuredClone(rk4) as ButcherTableau;
  const cases: [string, (t: ButcherTableau) => void, RegExp][] = [
    ['a row not summing to c', (t) => { t.c[2] = 0.4; }, /row 2 of a sums to 0\.5, but c\[2\] = 0\.4/],
    ['a with a wrong row count', (t) => { t.a.pop(); }, /a must have 4 rows \(stages × stages\), got 3/],
    ['a row of the wrong length', (t) => { t.a[1] = [0.5, 0, 0]; }, /a must be 4×4, but row 1 has 3 entries/],
    ['b of the wrong length', (t) => { t.b.push(0); }, /b must be an array of 4 numbers \(one per stage\), got length 5/],
    ['c of the wrong length', (t) => { t.c.pop(); }, /c must be an array of 4 numbers \(one per stage\), got length 3/],
    ['an implicit (diagonal) entry', (t) => { t.a[1]![1] = 0.5; t.c[1] = 1; }, /a\[1\]\[1\] = 0\.5 is on or above the diagonal; only explicit methods/],
    ['a non-finite entry', (t) => { t.b[0] = NaN; }, /b\[0\] must be a finite number, got NaN/],
    ['weights not summing to 1', (t) => { t.b = [1 / 6, 1 / 3, 1 / 3, 1 / 3]; }, /order condition of tree • \(order 1\) fails: Σ b_i Φ_i = 1\.1666.*should be 1\/γ = 1\/1/],
    ['an overstated order', (t) => { t.order = 5; }, /declared order 5 but the order condition of tree .* \(order 5\) fails/],
    // These weights pass Σb = 1 and Σbc = 1/2 but give Σ b a c = 5/24 instead of 1/6.
    ['wrong weights caught at order 3', (t) => { t.b = [1 / 6, 1 / 6, 1 / 2, 1 / 6]; }, /declared order 4 but the order condition of tree \[\[•\]\] \(order 3\) fails: Σ b_i Φ_i = 0\.2083.*should be 1\/γ = 1\/6/],
    ['a zero stage count', (t) => { t.stages = 0; }, /stages must be a positive integer, got 0/],
    ['a fractional order', (t) => { t.order = 1.5; }, /order must be a positive integer, got 1\.5/],
  ];
  for (const [what, mutate, message] of cases) {
    it(what, () => {
      const t = clone();
      mutate(t);
      expect(() => validateTableau(t)).toThrow(message);
      expect(() => validateTableau(t)).toThrow(OdeError);
      // The same message surfaces through integrate, prefixed with the function's name.
      expect(() => integrate((_t, y) => y.slice(), [1], { t1: 1, steps: 1, method: t })).toThrow(/^integrate: tableau 'rk4'/);
    });
  }
  it('dop853: its third-order estimator b̂_low is proven too, and a malformed one is named', () => {
    const t = embeddedTableaus.dop853;
    expect(t.embeddedOrderLow).toBe(3);
    const low = orderConditionResiduals(t.a, t.bHatLow!, 4);
    expect(low.filter((r) => r.tree.order <= 3).every((r) => Math.abs(r.residual) <= r.bound)).toBe(true);
    expect(low.filter((r) => r.tree.order === 4).some((r) => Math.abs(r.residual) > 1e-3)).toBe(true);
    const wrongLength = structuredClone(t);
    wrongLength.bHatLow = [1];
    expect(() => validateTableau(wrongLength)).toThrow(/tableau 'dop853': bHatLow must be an array of 12 numbers \(one per stage\), got length 1/);
    const noOrder: EmbeddedTableau = structuredClone(t);
    delete noOrder.embeddedOrderLow;
    expect(() => validateTableau(noOrder)).toThrow(/tableau 'dop853': embeddedOrderLow must be a positive integer \(the order of bHatLow\), got undefined/);
    const overstated = structuredClone(t);
    overstated.embeddedOrderLow = 4;
    expect(() => validateTableau(overstated)).toThrow(/tableau 'dop853': declared low embedded order 4 but the order condition of tree .* \(order 4\) fails/);
  });
  it('an embedded pair with wrong embedded weights', () => {
    const dp = structuredClone(embeddedTableaus.dormandPrince54);
    dp.bHat[6] = 0.03;
    expect(() => validateTableau(dp)).toThrow(/declared embedded order 4 but the order condition of tree • \(order 1\) fails/);
  });
});
