/**
 * Stochastic Lanczos quadrature: the density integrates to 1, the nodes and weights are the
 * Gauss quadrature of the probe's spectral measure (exact for polynomials of degree ≤ 2s − 1),
 * and averaged over probes the density approaches the smoothed eigenvalue density.
 *
 * Integration: trapezoid rule on the grid. On the default grid the Gaussians lie ≥ 8σ inside
 * (mass outside < 1.3e-15 each) and the spacing h ≤ σ/2, where the trapezoid rule's error for a
 * Gaussian is ≈ 2·exp(−2π²σ²/h²) < 1e-34 (Poisson summation); the weights sum to 1 to O(sε).
 * So |∫φ − 1| ≤ 1e-12 leaves room only for the summation's round-off.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng, hessian, tensor } from '../../src/autodiff/index.js';
import { eigvalsh, hessianDensity, lanczosDensity, lanczosTridiagonal, tridiagonalEigh } from '../../src/curvature/index.js';
import { problems } from '../../src/igr/problems.js';
import { lossFunction, mlp, twoMoons } from '../../src/nn/index.js';
import { EPS, matVec, maxAbs, randomOrthogonal, randomSymmetric, withSpectrum } from './helpers.js';

function trapezoid(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 1; i < x.length; i++) s += 0.5 * (x[i]! - x[i - 1]!) * (y[i]! + y[i - 1]!);
  return s;
}

describe('lanczosDensity', () => {
  it('property: the density integrates to 1 on the default grid, weights sum to 1, nodes lie in [λ_min, λ_max]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 4 }),
        fc.option(fc.double({ min: 1e-3, max: 2, noNaN: true }), { nil: undefined }),
        (m, seed, stepsWanted, probes, sigma) => {
          const a = randomSymmetric(m, new Rng(seed));
          const exact = eigvalsh(tensor(a, [m, m]));
          const steps = Math.min(m, stepsWanted);
          const r = lanczosDensity((v) => matVec(a, v), m, { steps, probes, seed, sigma });
          expect(Math.abs(trapezoid(r.grid, r.density) - 1)).toBeLessThanOrEqual(1e-12);
          expect(r.nodes.length).toBe(probes);
          const slack = 10 * m * EPS * maxAbs(exact);
          r.weights.forEach((w, p) => {
            expect(Math.abs(w.reduce((s, x) => s + x, 0) - 1)).toBeLessThanOrEqual(10 * steps * EPS);
            r.nodes[p]!.forEach((t) => {
              expect(t).toBeGreaterThanOrEqual(exact[0]! - slack);
              expect(t).toBeLessThanOrEqual(exact[m - 1]! + slack);
            });
          });
          // the default grid: spacing ≤ σ/2 and 8σ beyond the outermost nodes
          const h = r.grid[1]! - r.grid[0]!;
          expect(h).toBeLessThanOrEqual(r.sigma / 2 + 1e-15);
          expect(r.hvps).toBeLessThanOrEqual(probes * steps);
        },
      ),
      { numRuns: 80, seed: 2019 },
    );
  });

  it('property: Gauss quadrature is exact for degree ≤ 2s − 1: Σ τ_i θ_i^j = vᵀA^j v', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 30 }), fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 8 }), (m, seed, stepsWanted) => {
        const rng = new Rng(seed);
        const a = randomSymmetric(m, rng);
        const v = Float64Array.from({ length: m }, () => rng.normal());
        const nv = Math.hypot(...v);
        v.forEach((x, i) => (v[i] = x / nv));
        const t = lanczosTridiagonal((u) => matVec(a, u), m, { steps: Math.min(m, stepsWanted), start: v });
        const s = t.alpha.length;
        const { values, vectors } = tridiagonalEigh(t.alpha, t.beta);
        const scale = maxAbs(eigvalsh(tensor(a, [m, m])));
        let w: Float64Array = Float64Array.from(v);
        for (let j = 0; j <= 2 * s - 1; j++) {
          let moment = 0;
          for (let i = 0; i < m; i++) moment += v[i]! * w[i]!;
          let quad = 0;
          for (let i = 0; i < s; i++) quad += vectors[i]! ** 2 * values[i]! ** j;
          // both sides are j-fold products of quantities ≤ ‖A‖: relative error O(j·m·ε) each
          expect(Math.abs(moment - quad)).toBeLessThanOrEqual(100 * (j + 1) * m * EPS * scale ** j);
          w = matVec(a, w);
        }
      }),
      { numRuns: 80, seed: 7 },
    );
  });

  it('averaged over 400 probes with s = m, the density approaches (1/m) Σ N(t; λ_i, σ²) (L1 distance ≤ 0.25)', () => {
    // With s = m the nodes are the eigenvalues and τ_i = (u_iᵀv)², whose mean over Rademacher
    // probes is exactly 1/m and whose sd is ≤ √2/m: the L1 distance is at most Σ_i |mean τ_i − 1/m|
    // ≈ √2/√400 ≈ 0.07 on average; 0.25 is 3.5 of that.
    const m = 20;
    const lambda = Array.from({ length: m }, (_, i) => (i < 5 ? 3 + 0.2 * i : -1 + 0.1 * i));
    const a = withSpectrum(randomOrthogonal(m, new Rng(20)), lambda);
    const sigma = 0.05;
    const r = lanczosDensity((v) => matVec(a, v), m, { steps: m, probes: 400, sigma, seed: 3 });
    const smoothed = r.grid.map((t) => lambda.reduce((s, l) => s + Math.exp(-((t - l) ** 2) / (2 * sigma * sigma)), 0) / (m * sigma * Math.sqrt(2 * Math.PI)));
    expect(trapezoid(r.grid, r.density.map((d, i) => Math.abs(d - smoothed[i]!)))).toBeLessThanOrEqual(0.25);
    expect(Math.abs(trapezoid(r.grid, smoothed) - 1)).toBeLessThanOrEqual(1e-12);
  });

  it('an explicit grid and a grid count are used as given; σ defaults to 1% of the nodes\' span; the same seed gives bit-identical results', () => {
    const d = [0, 1, 2, 3];
    const apply = (v: Float64Array) => v.map((x, i) => d[i]! * x);
    const r = lanczosDensity(apply, 4, { steps: 4, grid: [0.5, 1.5], seed: 1 });
    expect(Array.from(r.grid)).toEqual([0.5, 1.5]);
    expect(r.sigma).toBeCloseTo(0.03, 14);
    const counted = lanczosDensity(apply, 4, { steps: 4, grid: 11, sigma: 0.5 });
    expect(counted.grid.length).toBe(11);
    expect(counted.grid[0]).toBeCloseTo(-4, 12);
    expect(counted.grid[10]).toBeCloseTo(7, 12);
    const again = lanczosDensity(apply, 4, { steps: 4, grid: [0.5, 1.5], seed: 1 });
    expect(Array.from(again.density)).toEqual(Array.from(r.density));
  });
});

describe('hessianDensity', () => {
  it('on the built-in problems and an MLP: integrates to 1, nodes within the spectrum, the extreme nodes of s = min(m, 100) steps at λ_min and λ_max', () => {
    const moons = twoMoons({ n: 32, seed: 5 });
    const net = mlp({ sizes: [2, 8, 8, 2], activation: 'tanh' });
    const cases = [...problems.map((p) => ({ name: p.name, loss: p.loss, x: p.theta0 as Float64Array | readonly number[] })), { name: 'mlp 2-8-8-2', loss: lossFunction(net, moons), x: net.init(2) }];
    for (const c of cases) {
      const exact = eigvalsh(hessian(c.loss, tensor(Float64Array.from(c.x))));
      const m = exact.length;
      const scale = maxAbs(exact);
      const r = hessianDensity(c.loss, c.x, { probes: 2, seed: 11 });
      expect(Math.abs(trapezoid(r.grid, r.density) - 1), c.name).toBeLessThanOrEqual(1e-12);
      for (const nodes of r.nodes) {
        expect(nodes[0]!, c.name).toBeGreaterThanOrEqual(exact[0]! - 10 * m * EPS * scale);
        expect(nodes[nodes.length - 1]!, c.name).toBeLessThanOrEqual(exact[m - 1]! + 10 * m * EPS * scale);
        // 100 steps (or all m) of fully reorthogonalised Lanczos resolve the extremes of these spectra
        expect(Math.abs(nodes[nodes.length - 1]! - exact[m - 1]!), c.name).toBeLessThanOrEqual(1e-8 * scale);
        expect(Math.abs(nodes[0]! - exact[0]!), c.name).toBeLessThanOrEqual(1e-8 * scale);
      }
    }
  });
});
