/**
 * Stochastic Lanczos quadrature (SLQ) for the spectral density φ(t) = (1/m) Σ_i δ(t − λ_i) of a
 * symmetric operator (Golub & Meurant, Matrices, Moments and Quadrature, 2010; Lin, Saad & Yang,
 * SIAM Review 58, 2016; for Hessians Ghorbani, Krishnan & Xiao, ICML 2019, and PyHessian's
 * `hessian.density`). For a unit probe v, s Lanczos steps give T_s = Y diag(θ) Yᵀ, and the nodes
 * θ_i with weights τ_i = Y_{0i}² are the s-point Gauss quadrature of the measure
 * Σ_i (u_iᵀv)² δ(t − λ_i), whose average over random v is φ. The density is smoothed by a
 * Gaussian of width σ.
 */
import { Rng, type ScalarFn, type Tensor } from '../autodiff/index.js';
import { CurvatureError } from './errors.js';
import { DEFAULT_OPERATOR_SYMMETRY_TOLERANCE, runLanczosTridiagonal } from './lanczos.js';
import { checkInteger, checkPositive, checkSeed, checkSymmetryTolerance, checkedOperator, hessianCheckedOperator, rademacherVector, scaleInPlace, type CheckedOperator, type LinearOperator } from './operator.js';
import { tridiagonalEigh } from './tridiagonal.js';

/** Options of {@link lanczosDensity} and {@link hessianDensity}. */
export interface DensityOptions {
  /** Lanczos steps per probe (default min(dim, 100), PyHessian's `iter`), 1..dim. */
  steps?: number;
  /** Independent Rademacher probes (default 1, PyHessian's `n_v`). */
  probes?: number;
  /**
   * Standard deviation of the Gaussian smoothing each node (default 1% of the span of all nodes,
   * or 0.01 × max(|node|, 1) when they coincide). PyHessian's `sigma_squared` is a variance.
   */
  sigma?: number;
  /**
   * Where to evaluate the density: an array of points, or how many equally spaced points to put
   * on [min node − 8σ, max node + 8σ] (default max(1001, 2·span/σ + 1), at most 100,001), fine
   * enough (spacing ≤ σ/2) for the trapezoid rule to integrate the density to 1 within 1e-12.
   */
  grid?: number | ArrayLike<number>;
  seed?: number;
  symmetryTolerance?: number;
}

/** The smoothed density on the grid and the quadrature it comes from. */
export interface DensityResult {
  grid: Float64Array;
  /** φ_σ(t) = (1/probes) Σ_p Σ_i τ_pi N(t; θ_pi, σ²): integrates to 1 over the default grid. */
  density: Float64Array;
  /** Per probe, the Gauss nodes θ (ascending): the Ritz values of its T_s. */
  nodes: Float64Array[];
  /** Per probe, the weights τ_i = (first component of the i-th eigenvector of T_s)²; they sum to 1. */
  weights: Float64Array[];
  sigma: number;
  /** Operator applications in all (HVPs for hessianDensity). */
  hvps: number;
}

const MAX_DEFAULT_GRID = 100_001;

/**
 * The spectral density of the symmetric operator `apply` on R^dim by stochastic Lanczos
 * quadrature: for each of `probes` normalised Rademacher vectors, `steps` Lanczos steps with full
 * reorthogonalisation (fewer when the Krylov space becomes invariant; the quadrature is then
 * exact), the Gauss nodes and weights of T_s, and their Gaussian-smoothed average on a grid.
 * Unlike PyHessian's `density_generate`, the density is not renormalised on the grid: it
 * integrates to 1 because the weights do, which the tests check.
 */
export function lanczosDensity(apply: LinearOperator, dim: number, options: DensityOptions = {}): DensityResult {
  return runDensity('lanczosDensity', checkedOperator('lanczosDensity', apply, dim), options);
}

/**
 * The Hessian spectral density of `f` at `x` by stochastic Lanczos quadrature from exact HVPs
 * (PyHessian's `density`, Ghorbani et al. 2019).
 */
export function hessianDensity(f: ScalarFn, x: Tensor | Float64Array | readonly number[], options: DensityOptions = {}): DensityResult {
  return runDensity('hessianDensity', hessianCheckedOperator('hessianDensity', f, x), options);
}

function runDensity(fn: string, op: CheckedOperator, options: DensityOptions): DensityResult {
  const dim = op.dim;
  const steps = checkInteger(fn, 'steps', options.steps ?? Math.min(dim, 100), 1, dim, ` (the dimension is ${dim})`);
  const probes = checkInteger(fn, 'probes', options.probes ?? 1, 1);
  const symmetryTolerance = checkSymmetryTolerance(fn, options.symmetryTolerance ?? DEFAULT_OPERATOR_SYMMETRY_TOLERANCE);
  const rng = new Rng(checkSeed(fn, options.seed ?? 0));
  if (options.sigma !== undefined) checkPositive(fn, 'sigma', options.sigma);
  const grid = options.grid;
  if (grid !== undefined && typeof grid !== 'number') checkGridArray(fn, grid);
  if (typeof grid === 'number') checkInteger(fn, 'grid', grid, 2, Infinity, ' (points of the default grid)');

  const nodes: Float64Array[] = [];
  const weights: Float64Array[] = [];
  for (let p = 0; p < probes; p++) {
    const v = rademacherVector(rng, dim);
    scaleInPlace(v, 1 / Math.sqrt(dim));
    const t = runLanczosTridiagonal(fn, op, { steps, start: v, symmetryTolerance });
    const { values, vectors } = tridiagonalEigh(t.alpha, t.beta);
    const s = values.length;
    nodes.push(values);
    weights.push(Float64Array.from({ length: s }, (_, i) => vectors[i]! * vectors[i]!)); // row 0 of the eigenvector matrix
  }

  let lo = Infinity;
  let hi = -Infinity;
  for (const ns of nodes) {
    lo = Math.min(lo, ns[0]!);
    hi = Math.max(hi, ns[ns.length - 1]!);
  }
  const sigma = options.sigma ?? (hi > lo ? 0.01 * (hi - lo) : 0.01 * Math.max(Math.abs(hi), 1));
  let points: Float64Array;
  if (grid !== undefined && typeof grid !== 'number') {
    points = Float64Array.from(grid);
  } else {
    const a = lo - 8 * sigma;
    const b = hi + 8 * sigma;
    const count = typeof grid === 'number' ? grid : Math.min(MAX_DEFAULT_GRID, Math.max(1001, Math.ceil((2 * (b - a)) / sigma) + 1));
    points = Float64Array.from({ length: count }, (_, i) => a + ((b - a) * i) / (count - 1));
  }
  const density = new Float64Array(points.length);
  const norm = 1 / (probes * sigma * Math.sqrt(2 * Math.PI));
  const inv2s2 = 1 / (2 * sigma * sigma);
  for (let p = 0; p < probes; p++) {
    const ns = nodes[p]!;
    const ws = weights[p]!;
    for (let i = 0; i < ns.length; i++) {
      const theta = ns[i]!;
      const w = ws[i]! * norm;
      for (let g = 0; g < points.length; g++) {
        const d = points[g]! - theta;
        density[g]! += w * Math.exp(-d * d * inv2s2);
      }
    }
  }
  return { grid: points, density, nodes, weights, sigma, hvps: op.count };
}

function checkGridArray(fn: string, grid: ArrayLike<number>): void {
  if (grid === null || typeof grid !== 'object' || typeof grid.length !== 'number') {
    throw new CurvatureError('bad-input', fn, `grid must be a number of points or an array of points, got ${grid === null ? 'null' : typeof grid}`);
  }
  if (grid.length === 0) throw new CurvatureError('bad-input', fn, 'grid is empty');
  for (let i = 0; i < grid.length; i++) {
    if (!Number.isFinite(grid[i])) throw new CurvatureError('nonfinite', fn, `grid[${i}] is ${grid[i]}`);
  }
}
