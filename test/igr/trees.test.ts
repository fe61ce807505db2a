import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  elementaryWeight,
  exactCoefficient,
  leaf,
  modifiedEquationSeries,
  parseTree,
  substitutionInverse,
  treesOfOrder,
  treesUpTo,
  type BSeriesTree,
  type RungeKuttaWeights,
} from '../../src/igr/trees.js';
import { elementaryDifferential, eulerStep, lieSeriesOracle, midpointStep, polyAdd, polyEval, polyScale, rungeKuttaStep } from './lieOracle.js';

// Tableaux written out here (not imported from src/ode) so the combinatorics is tested on its own.
const euler: RungeKuttaWeights = { a: [[0]], b: [1] };
const midpoint: RungeKuttaWeights = { a: [[0, 0], [0.5, 0]], b: [0, 1] };
const rk4: RungeKuttaWeights = {
  a: [[0, 0, 0, 0], [0.5, 0, 0, 0], [0, 0.5, 0, 0], [0, 0, 1, 0]],
  b: [1 / 6, 1 / 3, 1 / 3, 1 / 6],
};

// Sums and products of a few dozen terms of size ≤ 1: rounding stays within a few ulps.
const EXACT = 1e-14;

describe('rooted trees', () => {
  it('counts trees per order as OEIS A000081: 1, 1, 2, 4, 9, 20, 48, 115', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => treesOfOrder(n).length)).toEqual([1, 1, 2, 4, 9, 20, 48, 115]);
  });

  it('keys are canonical: equal trees built in different child orders have equal keys', () => {
    const t1 = parseTree('[[•],•,[•,•]]');
    const t2 = parseTree('[[•,•],•,[•]]');
    expect(t1.key).toBe(t2.key);
    expect(treesOfOrder(7).filter((t) => t.key === t1.key)).toHaveLength(1);
    for (const t of treesUpTo(7)) expect(parseTree(t.key)).toEqual(t);
  });

  it('symmetry and density of the small trees match HLW III.1, Table 1.1', () => {
    const table: [string, number, number][] = [
      ['•', 1, 1],
      ['[•]', 1, 2],
      ['[•,•]', 2, 3],
      ['[[•]]', 1, 6],
      ['[•,•,•]', 6, 4],
      ['[•,[•]]', 1, 8],
      ['[[•,•]]', 2, 12],
      ['[[[•]]]', 1, 24],
    ];
    for (const [key, sigma, gamma] of table) {
      const t = parseTree(key);
      expect([t.key, t.symmetry, t.density]).toEqual([key, sigma, gamma]);
    }
  });

  it('property: Σ_{|τ|=n} n!/σ(τ) = n^(n−1) (Cayley) and Σ n!/(σ(τ)γ(τ)) = (n−1)! (monotone labellings)', () => {
    let fact = 1;
    for (let n = 1; n <= 9; n++) {
      fact *= n;
      const trees = treesOfOrder(n);
      expect(trees.reduce((s, t) => s + fact / t.symmetry, 0)).toBe(n ** (n - 1));
      expect(trees.reduce((s, t) => s + fact / (t.symmetry * t.density), 0)).toBe(fact / n);
    }
  });

  it('property: the labelled representative has parent[v] < v and |τ| − 1 edges', () => {
    for (const t of treesUpTo(7)) {
      expect(t.parent).toHaveLength(t.order);
      expect(t.edges).toHaveLength(t.order - 1);
      t.parent.forEach((p, v) => expect(v === 0 ? p === -1 : p >= 0 && p < v).toBe(true));
    }
  });

  it('rejects malformed input with a message naming the position', () => {
    expect(() => parseTree('[•,')).toThrow(/position 3/);
    expect(() => treesOfOrder(0)).toThrow(/order must be an integer from 1 to 12, got 0/);
    expect(() => treesOfOrder(13)).toThrow(/order must be an integer from 1 to 12, got 13/);
  });
});

describe('elementary weights', () => {
  it('explicit Euler: Φ(•) = 1 and Φ(τ) = 0 for |τ| ≥ 2', () => {
    for (const t of treesUpTo(6)) expect(elementaryWeight(t, euler)).toBe(t.order === 1 ? 1 : 0);
  });

  it('RK4 satisfies the order conditions Φ(τ) = 1/γ(τ) for |τ| ≤ 4 and violates some at order 5', () => {
    for (const t of treesUpTo(4)) expect(elementaryWeight(t, rk4)).toBeCloseTo(exactCoefficient(t), 15);
    const violated = treesOfOrder(5).filter((t) => Math.abs(elementaryWeight(t, rk4) - exactCoefficient(t)) > 1e-3);
    expect(violated.length).toBeGreaterThan(0);
  });
});

describe('substitution law a = b ⋆ e', () => {
  it('the exact flow is its own modified equation: b(•) = 1, b(τ) = 0 otherwise', () => {
    const b = substitutionInverse(exactCoefficient, 7);
    for (const t of treesUpTo(7)) expect(Math.abs(b.get(t.key)! - (t.order === 1 ? 1 : 0))).toBeLessThan(EXACT);
  });

  it('explicit Euler matches HLW IX.1: b([•]) = −1/2, b([•,•]) = 1/6, b([[•]]) = 1/3', () => {
    const b = substitutionInverse((t) => elementaryWeight(t, euler), 3);
    expect(b.get('•')).toBe(1);
    expect(b.get('[•]')).toBeCloseTo(-1 / 2, 15);
    expect(b.get('[•,•]')).toBeCloseTo(1 / 6, 15);
    expect(b.get('[[•]]')).toBeCloseTo(1 / 3, 15);
    // f_3 = (1/12) f''(f,f) + (1/3) f'f'f: the weight b/σ of the cherry carries σ = 2.
    const series = modifiedEquationSeries(euler, 3);
    expect(series[2]!.map((m) => [m.tree.key, m.weight])).toEqual([
      ['[[•]]', b.get('[[•]]')],
      ['[•,•]', b.get('[•,•]')! / 2],
    ]);
  });

  it('explicit Euler on tall trees (chains) gives log(1 + z) = Σ (−1)^(n−1) z^n / n', () => {
    // On y' = λy only chains contribute (f'' = 0), and the modified equation is (1/h) log(1 + hλ) y.
    const b = substitutionInverse((t) => elementaryWeight(t, euler), 9);
    let chain: BSeriesTree = leaf;
    for (let n = 1; n <= 9; n++) {
      expect(Math.abs(b.get(chain.key)! - (-1) ** (n - 1) / n)).toBeLessThan(EXACT);
      chain = parseTree(`[${chain.key}]`);
    }
  });

  it('explicit midpoint, derived by hand: b([•]) = 0, b([•,•]) = −1/12, b([[•]]) = −1/6', () => {
    // Φ(•) = 1, Φ([•]) = 1/2, Φ([•,•]) = 1/4, Φ([[•]]) = 0, and from the edge-subset sums:
    //   [•]:    Φ = b + e([•]) b(•)²                         → b = 1/2 − 1/2 = 0
    //   [•,•]:  Φ = b + e([•,•]) + 2 e([•]) b([•]) b(•)      → b = 1/4 − 1/3 = −1/12
    //   [[•]]:  Φ = b + e([[•]]) + 2 e([•]) b([•]) b(•)      → b = 0 − 1/6 = −1/6
    // Check on y' = λy: R(z) = 1 + z + z²/2, log R(z) = z − z³/6 + O(z⁴), so b([[•]]) = −1/6.
    const b = substitutionInverse((t) => elementaryWeight(t, midpoint), 3);
    expect(b.get('[•]')).toBe(0);
    expect(b.get('[•,•]')).toBeCloseTo(-1 / 12, 15);
    expect(b.get('[[•]]')).toBeCloseTo(-1 / 6, 15);
    expect(modifiedEquationSeries(midpoint, 2)[1]).toEqual([]);
  });

  it('agrees with an independent Lie-series oracle on scalar polynomial fields to order 6', () => {
    // Oracle: polynomials in y (coefficient arrays). For y' = F(y) the flow of a field
    // G = Σ h^{j−1} f_j is y + Σ_k h^k/k! L^{k−1} G with L u = G u'. Matching one step of the
    // method, y + h F(y) (Euler) or y + h F(y + h F(y)/2) (midpoint), order by order in h gives f_j.
    for (const F of [[0, 0, 1], [0.3, -1, 0.5, 2]]) {
      for (const [method, step] of [
        [euler, eulerStep(F)],
        [midpoint, midpointStep(F)],
      ] as const) {
        const oracle = lieSeriesOracle(step, 6);
        const series = modifiedEquationSeries(method, 6);
        series.forEach((terms, j) => {
          let fromTrees: number[] = [];
          for (const m of terms) fromTrees = polyAdd(fromTrees, polyScale(elementaryDifferential(m.tree, F), m.weight));
          const expected = oracle[j]!;
          const scale = Math.max(1, ...expected.map(Math.abs));
          for (let d = 0; d < Math.max(expected.length, fromTrees.length); d++) {
            expect(Math.abs((fromTrees[d] ?? 0) - (expected[d] ?? 0)) / scale).toBeLessThan(1e-12);
          }
        });
      }
    }
  });
  it('property: for random explicit tableaux (1–3 stages) the series matches the Lie-series oracle to order 5', () => {
    const F = [0.3, -1, 0.5, 2];
    const coef = fc.double({ min: -1, max: 1, noNaN: true });
    const tableau = fc.integer({ min: 1, max: 3 }).chain((s) =>
      fc.record({
        a: fc.tuple(...Array.from({ length: s }, (_, i) => fc.array(coef, { minLength: i, maxLength: i }))),
        b: fc.array(coef, { minLength: s, maxLength: s }),
      }),
    );
    fc.assert(
      fc.property(tableau, ({ a, b }) => {
        const s = b.length;
        const A = a.map((row) => Array.from({ length: s }, (_, j) => row[j] ?? 0)); // strictly lower triangular
        const oracle = lieSeriesOracle(rungeKuttaStep(F, A, b), 5);
        const series = modifiedEquationSeries({ a: A, b }, 5);
        for (let j = 0; j < 5; j++) {
          let fromTrees: number[] = [];
          for (const m of series[j]!) fromTrees = polyAdd(fromTrees, polyScale(elementaryDifferential(m.tree, F), m.weight));
          // Compared as functions at y = 0.8, relative to the absolute size of the oracle's terms
          // there (both sides cancel heavily for unlucky coefficients): ~100 ulps of that size.
          const y = 0.8;
          const scale = Math.max(1, oracle[j]!.reduce((acc, c, k) => acc + Math.abs(c) * y ** k, 0));
          expect(Math.abs(polyEval(fromTrees, y) - polyEval(oracle[j]!, y)) / scale).toBeLessThan(1e-13);
        }
      }),
      { numRuns: 30, seed: 7 },
    );
  });
});
