/**
 * Lanczos with full reorthogonalisation on a symmetric linear operator, and thick restarting
 * (Wu & Simon, SIAM J. Matrix Anal. Appl. 22, 2000; Stathopoulos, Saad & Wu 1998) when the
 * basis reaches its size limit: the wanted Ritz vectors are kept, so memory stays bounded by
 * two bases of `basisSize` vectors of length dim while convergence continues where it stood.
 *
 * Every new basis vector is orthogonalised against all previous ones twice by classical
 * Gram–Schmidt ("twice is enough": Giraud, Langou & Rozložník 2005), so the basis stays
 * orthonormal to O(ε) and no spurious copies of converged eigenvalues appear (Parlett, The
 * Symmetric Eigenvalue Problem, ch. 13). The projected matrix T = QᵀAQ is kept dense: it is
 * tridiagonal until the first restart (its eigenproblem is then solved by the tridiagonal QR of
 * tridiagonal.ts) and tridiagonal with a leading "arrow" afterwards (solved by eigh's kernel).
 */
import { Rng } from '../autodiff/index.js';
import { symmetricEigenInPlace } from './eigh.js';
import { CurvatureError } from './errors.js';
import {
  checkInteger,
  checkPositive,
  checkSeed,
  checkStart,
  checkSymmetryTolerance,
  checkedOperator,
  dot,
  gaussianVector,
  hessianCheckedOperator,
  norm,
  scaleInPlace,
  signOfLargest,
  type CheckedOperator,
  type LinearOperator,
} from './operator.js';
import type { ScalarFn, Tensor } from '../autodiff/index.js';
import { ascendingOrder, tridiagonalQR } from './tridiagonal.js';

const EPS = Number.EPSILON;

/** Which end of the spectrum: algebraically largest, algebraically smallest, or largest in magnitude. */
export type Which = 'largest' | 'smallest' | 'magnitude';
export const whichValues: readonly Which[] = ['largest', 'smallest', 'magnitude'];

/** Default bound on |q_iᵀ(A q_j) − q_jᵀ(A q_i)| relative to the largest ‖A q‖ seen, before an operator counts as asymmetric. */
export const DEFAULT_OPERATOR_SYMMETRY_TOLERANCE = 1e-8;

/** Options of {@link lanczosEigs} and {@link hessianEigs}. */
export interface LanczosEigsOptions {
  /** How many eigenpairs (default 1), 1 ≤ k ≤ dim. */
  k?: number;
  /** Which end of the spectrum (default 'largest'). */
  which?: Which;
  /**
   * Convergence: every wanted Ritz pair's Lanczos residual estimate β|y_last| is at most
   * tol × max |Ritz value| (default 1e-10). The certificate returned is recomputed by an HVP.
   */
  tol?: number;
  /** Most operator applications in the iteration (default 1000), at least k; the k certificate applications come on top. */
  maxIter?: number;
  /** Seed of the random start vector (and of the vectors that replace an exhausted Krylov space); default 0. */
  seed?: number;
  /**
   * Most basis vectors kept (default min(dim, max(2k + 20, 40))), in [min(dim, 2k + 1), dim]. Memory is
   * at most 2 × basisSize × dim float64s (the basis, and the new one built at a restart). The lower
   * bound is ARPACK's advice (ncv ≥ 2·nev + 1). 'magnitude' wants both ends of the spectrum, so its
   * restarts keep Ritz vectors from both ends and its convergence test also asks the next Ritz value
   * inward at each end to be resolved; without those two rules, 13 of 3,000 random trials with
   * basisSize ≤ 2k converged to a wrong eigenvalue (its certificate still held). With them, in 3,000
   * trials on GOE matrices (1,879 at basisSize = 2k + 1) no converged answer was wrong; 3 runs with
   * k = 1, basisSize = 3 used up maxIter and returned converged: false.
   */
  basisSize?: number;
  /** A start vector instead of a random one (length dim, non-zero; normalised). */
  start?: ArrayLike<number>;
  /** See {@link DEFAULT_OPERATOR_SYMMETRY_TOLERANCE}. */
  symmetryTolerance?: number;
}

/** Eigenpairs from {@link lanczosEigs}, {@link hessianEigs} or {@link powerIteration}, ordered by `which`. */
export interface EigsResult {
  /** Eigenvalue estimates: Rayleigh quotients uᵀAu of the returned unit vectors. Largest first for 'largest' and 'magnitude' (by |λ|), smallest first for 'smallest'. */
  values: number[];
  /** Unit vectors u_i; each sign fixed so that its entry of largest magnitude is positive. */
  vectors: Float64Array[];
  /**
   * ‖A u_i − λ_i u_i‖₂, computed from one more application of A to u_i: the certificate. For
   * symmetric A some eigenvalue lies within residuals[i] of values[i] (and within
   * residuals[i]²/gap when the rest of the spectrum is at least `gap` away).
   */
  residuals: number[];
  /** Operator applications in all (HVPs for hessianEigs), including the k certificates. */
  hvps: number;
  /** Operator applications of the iteration itself (hvps − k). */
  iterations: number;
  /** True when every wanted pair met the tolerance within maxIter; false means `values` are the best available, not converged. */
  converged: boolean;
  /** The iteration's own residual estimates at the end (Lanczos: β|y_last|; power iteration: the relative change of the last step). */
  estimates: number[];
  /** Thick restarts performed (Lanczos only; 0 for power iteration). */
  restarts: number;
}

/**
 * The k eigenpairs at the `which` end of the spectrum of the symmetric operator `apply` on
 * R^dim, by thick-restart Lanczos with full reorthogonalisation. Returns Rayleigh quotients,
 * unit vectors, and residual certificates ‖Au − λu‖ from a final application per vector.
 * Converged when each wanted Ritz pair's residual estimate is within `tol` × max |Ritz value|;
 * when `maxIter` applications run out, returns the current best with `converged: false`.
 *
 * A Krylov space holds one copy of each eigenvalue. When it becomes invariant before dim
 * vectors (β ≈ 0 to round-off: a repeated eigenvalue, or a start vector orthogonal to some
 * eigenvectors) a new random vector orthogonal to the basis continues it; when it is invariant
 * to within `tol` (every Ritz pair converged, not only the wanted ones) it continues as usual;
 * in both cases convergence is not declared until the basis is full, or the rest of the space
 * is seen to be c·I (a random vector that is an eigenvector) and holds no wanted copies of c.
 * So the further copies of a repeated eigenvalue are found, at the cost of up to basisSize
 * applications on operators with few distinct eigenvalues. Throws {@link CurvatureError} for bad
 * options, a non-finite or wrong-length result of `apply`, or an operator that is seen not to
 * be symmetric (q_iᵀ(Aq_j) ≠ q_jᵀ(Aq_i) beyond `symmetryTolerance`).
 */
export function lanczosEigs(apply: LinearOperator, dim: number, options: LanczosEigsOptions = {}): EigsResult {
  return thickRestartLanczos('lanczosEigs', checkedOperator('lanczosEigs', apply, dim), options);
}

/**
 * The k eigenpairs of the Hessian of `f` at `x` at the `which` end of its spectrum: {@link lanczosEigs}
 * on v ↦ H(x)v by exact HVPs. `hvps` counts every Hessian-vector product used.
 *
 * ```ts
 * const { values, residuals, hvps } = hessianEigs(loss, theta, { k: 3 });
 * ```
 */
export function hessianEigs(f: ScalarFn, x: Tensor | Float64Array | readonly number[], options: LanczosEigsOptions = {}): EigsResult {
  return thickRestartLanczos('hessianEigs', hessianCheckedOperator('hessianEigs', f, x), options);
}

export function checkWhich(fn: string, which: unknown): Which {
  if (!whichValues.includes(which as Which)) {
    throw new CurvatureError('bad-input', fn, `unknown which ${JSON.stringify(which)}; valid: ${whichValues.map((w) => `'${w}'`).join(', ')}`);
  }
  return which as Which;
}

/** Indices of `values` (ascending) in the order `which` prefers; ties by index. */
export function preferredOrder(values: ArrayLike<number>, which: Which): number[] {
  const idx = Array.from({ length: values.length }, (_, i) => i);
  if (which === 'smallest') return idx.sort((a, b) => values[a]! - values[b]! || a - b);
  if (which === 'largest') return idx.sort((a, b) => values[b]! - values[a]! || a - b);
  return idx.sort((a, b) => Math.abs(values[b]!) - Math.abs(values[a]!) || a - b);
}

/**
 * For 'magnitude': the wanted set (indices into the J ascending Ritz values) is a run at the top
 * and a run at the bottom; the guards are the next index inward of each run.
 */
function magnitudeGuards(wanted: readonly number[], J: number): number[] {
  const inWanted = new Set(wanted);
  let top = 0;
  while (top < J && inWanted.has(J - 1 - top)) top++;
  let bottom = 0;
  while (bottom < J && inWanted.has(bottom)) bottom++;
  return [J - 1 - top, bottom].filter((c) => c >= 0 && c < J && !inWanted.has(c));
}

/** The t lowest and t highest of J ascending indices (2t < J): what a 'magnitude' restart keeps, so both ends keep converging. */
function bothEnds(J: number, t: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < t; i++) out.push(J - 1 - i, i);
  return out;
}

/** True when `a` is better than `b` for `which` by more than `slack`. */
function prefers(which: Which, a: number, b: number, slack: number): boolean {
  if (which === 'largest') return a > b + slack;
  if (which === 'smallest') return a < b - slack;
  return Math.abs(a) > Math.abs(b) + slack;
}

/**
 * An orthonormal Krylov basis q_0, q_1, … (rows of `q`) with the projected matrix T = QᵀAQ
 * (dense, (capacity + 1)² so that the coupling of the last vector to the residual fits),
 * grown one operator application at a time.
 */
class KrylovBasis {
  q: Float64Array;
  /** The second basis buffer of a restart (allocated at the first restart). */
  private spare: Float64Array | null = null;
  readonly t: Float64Array;
  readonly tn: number;
  /** The residual after the last {@link expand}: A q_j − Σ_i h_i q_i. */
  w: Float64Array;
  /** The largest ‖A q_j‖ seen: the scale for the invariance and symmetry tests. */
  anorm = 0;
  private readonly coef: Float64Array;

  constructor(
    readonly fn: string,
    readonly op: CheckedOperator,
    readonly capacity: number,
    readonly symmetryTolerance: number,
  ) {
    this.q = new Float64Array(capacity * op.dim);
    this.tn = capacity + 1;
    this.t = new Float64Array(this.tn * this.tn);
    this.w = new Float64Array(op.dim);
    this.coef = new Float64Array(capacity);
  }

  row(j: number): Float64Array {
    const n = this.op.dim;
    return this.q.subarray(j * n, (j + 1) * n);
  }

  tAt(i: number, j: number): number {
    return this.t[i * this.tn + j]!;
  }

  setT(i: number, j: number, v: number): void {
    this.t[i * this.tn + j] = v;
    this.t[j * this.tn + i] = v;
  }

  /**
   * w = A q_j made orthogonal to q_0..q_j by classical Gram–Schmidt applied twice; T[j][j] is the
   * accumulated coefficient on q_j. The coefficients on q_i, i < j, are what the symmetric A puts
   * there by construction, T[i][j] (β_{j−1}, the restart's arrow, or 0): a larger difference
   * proves the operator asymmetric. Returns ‖w‖.
   */
  expand(j: number): number {
    const n = this.op.dim;
    const q = this.q;
    const w = this.op.apply(this.row(j));
    this.w = w;
    this.anorm = Math.max(this.anorm, norm(w));
    const coef = this.coef;
    coef.fill(0, 0, j + 1);
    const c = new Float64Array(j + 1);
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i <= j; i++) c[i] = dot(q, w, i * n, 0, n);
      for (let i = 0; i <= j; i++) {
        const ci = c[i]!;
        const off = i * n;
        for (let l = 0; l < n; l++) w[l]! -= ci * q[off + l]!;
        coef[i]! += ci;
      }
    }
    this.setT(j, j, coef[j]!);
    const allowed = this.symmetryTolerance * this.anorm;
    for (let i = 0; i < j; i++) {
      const known = this.tAt(i, j);
      if (Math.abs(coef[i]! - known) > allowed) {
        throw new CurvatureError(
          'asymmetric',
          this.fn,
          `the operator is not symmetric: q_${i}ᵀ(A q_${j}) = ${coef[i]!.toPrecision(6)} but q_${j}ᵀ(A q_${i}) = ${known.toPrecision(6)} ` +
            `for orthonormal Krylov vectors q_${i}, q_${j} (difference exceeds symmetryTolerance ${this.symmetryTolerance} × ‖A‖ ≈ ${allowed.toPrecision(3)})`,
        );
      }
    }
    return norm(w);
  }

  /** β ≈ 0: the basis spans an invariant subspace up to round-off in forming w. */
  isInvariant(beta: number): boolean {
    return beta <= 8 * EPS * Math.sqrt(this.op.dim) * this.anorm;
  }

  /** Row j ← w / β. */
  setFromResidual(j: number, beta: number): void {
    const r = this.row(j);
    const inv = 1 / beta;
    const w = this.w;
    for (let l = 0; l < r.length; l++) r[l] = w[l]! * inv;
  }

  /**
   * Row j ← a random unit vector orthogonal to rows 0..j−1 (Gram–Schmidt twice). Needs j < dim.
   * A Gaussian vector keeps a part of relative size ~√((dim − j)/dim) outside the span; should it
   * not (it never has), the coordinate vector e_i farthest from the span is used instead: since
   * Σ_i ‖(I − QQᵀ)e_i‖² = dim − j, the best one keeps at least √((dim − j)/dim).
   */
  setRandomOrthogonal(j: number, rng: Rng): void {
    const n = this.op.dim;
    let v = gaussianVector(rng, n);
    const before = norm(v);
    this.projectOut(v, j);
    if (!(norm(v) > 1e-10 * before)) {
      let best = 0;
      let bestOutside = -1;
      for (let i = 0; i < n; i++) {
        let inside = 0;
        for (let r = 0; r < j; r++) inside += this.q[r * n + i]! ** 2;
        if (1 - inside > bestOutside) {
          bestOutside = 1 - inside;
          best = i;
        }
      }
      v = new Float64Array(n);
      v[best] = 1;
      this.projectOut(v, j);
    }
    scaleInPlace(v, 1 / norm(v));
    this.row(j).set(v);
  }

  /** v ← (I − QQᵀ)v over rows 0..j−1, by Gram–Schmidt twice. */
  private projectOut(v: Float64Array, j: number): void {
    const n = this.op.dim;
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < j; i++) {
        const ci = dot(this.q, v, i * n, 0, n);
        const off = i * n;
        for (let l = 0; l < n; l++) v[l]! -= ci * this.q[off + l]!;
      }
    }
  }

  /**
   * Thick restart: rows 0..keep−1 ← the Ritz vectors Q y_c of the chosen columns of `ritz`
   * (J × J, column c a unit eigenvector of T_J); T ← diag(θ) with the arrow T[i][keep] = s_i,
   * the coupling of each Ritz vector to the next basis vector (A u_i = θ_i u_i + s_i q_keep).
   */
  restart(J: number, ritzValues: Float64Array, ritz: Float64Array, chosen: readonly number[], couplings: readonly number[]): void {
    const n = this.op.dim;
    const keep = chosen.length;
    const next = this.spare ?? new Float64Array(this.q.length);
    next.fill(0, 0, (keep + 1) * n);
    for (let i = 0; i < keep; i++) {
      const c = chosen[i]!;
      const off = i * n;
      for (let r = 0; r < J; r++) {
        const y = ritz[r * J + c]!;
        if (y === 0) continue;
        const src = r * n;
        for (let l = 0; l < n; l++) next[off + l]! += y * this.q[src + l]!;
      }
    }
    this.spare = this.q;
    this.q = next;
    this.t.fill(0);
    for (let i = 0; i < keep; i++) {
      this.setT(i, i, ritzValues[chosen[i]!]!);
      this.setT(i, keep, couplings[i]!);
    }
  }
}

/** The Ritz values of T_J (ascending) and, per Ritz value, its vector's component on q_{J−1} (for β|y_last|) or the whole vector. */
interface Ritz {
  values: Float64Array;
  /** J × J row-major, column c the unit eigenvector of values[c]; null when only `last` was computed. */
  vectors: Float64Array | null;
  /** last[c] = component J−1 of eigenvector c. */
  last: Float64Array;
}

function ritzOf(basis: KrylovBasis, J: number, tridiagonal: boolean, wantVectors: boolean, fn: string): Ritz {
  if (tridiagonal && !wantVectors) {
    // O(J²): the implicit QR with only the last row of the eigenvector matrix accumulated
    const d = new Float64Array(J);
    const e = new Float64Array(Math.max(0, J - 1));
    for (let i = 0; i < J; i++) d[i] = basis.tAt(i, i);
    for (let i = 0; i < J - 1; i++) e[i] = basis.tAt(i, i + 1);
    const z = new Float64Array(J);
    z[J - 1] = 1;
    tridiagonalQR(d, e, z, 1, fn);
    const order = ascendingOrder(d);
    return { values: Float64Array.from(order, (i) => d[i]!), vectors: null, last: Float64Array.from(order, (i) => z[i]!) };
  }
  const a = new Float64Array(J * J);
  for (let i = 0; i < J; i++) for (let j = 0; j < J; j++) a[i * J + j] = basis.tAt(i, j);
  const { values, vectors } = symmetricEigenInPlace(a, J, true, fn);
  const last = new Float64Array(J);
  for (let c = 0; c < J; c++) last[c] = vectors![(J - 1) * J + c]!;
  return { values, vectors, last };
}

function defaultBasisSize(k: number, dim: number): number {
  return Math.min(dim, Math.max(2 * k + 20, 40));
}

/** The engine of {@link lanczosEigs} and {@link hessianEigs}; `fn` names the caller in errors. */
function thickRestartLanczos(fn: string, op: CheckedOperator, options: LanczosEigsOptions): EigsResult {
  const dim = op.dim;
  const k = checkInteger(fn, 'k', options.k ?? 1, 1, dim, ` (the dimension is ${dim})`);
  const which = checkWhich(fn, options.which ?? 'largest');
  const tol = checkPositive(fn, 'tol', options.tol ?? 1e-10, 1);
  const p = checkInteger(fn, 'basisSize', options.basisSize ?? defaultBasisSize(k, dim), Math.min(dim, 2 * k + 1), dim, ` (at least min(dim, 2k + 1) for k = ${k}, dim = ${dim})`);
  const maxIter = checkInteger(fn, 'maxIter', options.maxIter ?? 1000, k, Infinity, ` (at least k = ${k} applications)`);
  const rng = new Rng(checkSeed(fn, options.seed ?? 0));
  const symmetryTolerance = checkSymmetryTolerance(fn, options.symmetryTolerance ?? DEFAULT_OPERATOR_SYMMETRY_TOLERANCE);
  const start = options.start === undefined ? null : checkStart(fn, options.start, dim);

  const basis = new KrylovBasis(fn, op, p, symmetryTolerance);
  if (start) basis.row(0).set(start);
  else basis.setRandomOrthogonal(0, rng);
  // the block that starts at blockStart began with a random vector (not a user's start vector)
  let blockStart = 0;
  let blockRandom = start === null;
  // convergence is not declared while an invariant Krylov space may hide copies of a repeated eigenvalue
  let suspended = false;
  // when known: the operator is restIs·I on the orthogonal complement of the basis
  let restIs: number | null = null;
  let tridiagonal = true;
  let restarts = 0;
  let j = 0; // rows 0..j−1 have been applied; row j is the next vector
  let converged = false;
  while (op.count < maxIter) {
    const beta = basis.expand(j);
    const J = j + 1;
    const exhausted = J === dim;
    const invariant = exhausted || basis.isInvariant(beta);
    const full = J === p;
    if (invariant && !exhausted) {
      // A block from a random vector that is invariant after one step was an eigenvector: with
      // probability 1 the operator is c·I on the rest of the space, which then hides only further
      // copies of c (checked below before convergence is declared).
      if (blockRandom && J - blockStart === 1) {
        restIs = basis.tAt(j, j);
        suspended = false;
      } else {
        suspended = true;
      }
    }
    const coupling = invariant ? 0 : beta;
    basis.setT(j, J, coupling);
    // at a full basis the Ritz vectors are needed for the restart anyway
    let ritz: Ritz | null = null;
    if (J >= k && (!suspended || full || exhausted)) {
      ritz = ritzOf(basis, J, tridiagonal, full && !exhausted, fn);
      const last = ritz.last;
      const values = ritz.values;
      const threshold = tol * Math.max(Math.abs(values[0]!), Math.abs(values[J - 1]!));
      const wanted = preferredOrder(values, which).slice(0, k);
      const worst = values[wanted[k - 1]!]!;
      const missingCopies = !exhausted && restIs !== null && prefers(which, restIs, worst, threshold);
      const estimate = (c: number): number => Math.abs(coupling * last[c]!);
      const small = (c: number): boolean => estimate(c) <= threshold;
      // 'magnitude' wants both ends, where Ritz values underestimate |λ|: the next Ritz value
      // inward from each end must be converged too, or seen (to within its residual) below the
      // k-th wanted magnitude, else an eigenvalue beyond it could outrank the wanted ones.
      const guarded = (c: number): boolean => small(c) || Math.abs(values[c]!) + estimate(c) < Math.abs(worst) - threshold;
      if (!full && !exhausted && restIs === null && last.every((_, c) => small(c))) {
        // Every Ritz pair meets the tolerance: the Krylov space is invariant to within tol, and
        // further copies of its eigenvalues (split by round-off only) may lie outside it. Keep
        // going until the basis is full before believing it.
        suspended = true;
      } else if (!missingCopies && wanted.every(small) && (which !== 'magnitude' || magnitudeGuards(wanted, J).every(guarded))) {
        converged = true;
        j = J;
        break;
      }
    }
    if (full && !exhausted) {
      ritz = ritz?.vectors ? ritz : ritzOf(basis, J, tridiagonal, true, fn);
      const keep = Math.min(p - 1, k + Math.floor((p - k) / 2));
      const chosen = which === 'magnitude' ? bothEnds(J, Math.min(Math.floor((p - 1) / 2), Math.max(k, Math.ceil(keep / 2)))) : preferredOrder(ritz.values, which).slice(0, keep);
      const { last } = ritz;
      basis.restart(J, ritz.values, ritz.vectors!, chosen, chosen.map((c) => coupling * last[c]!));
      j = chosen.length;
      if (invariant) {
        basis.setRandomOrthogonal(j, rng);
        blockStart = j;
        blockRandom = true;
      } else {
        basis.setFromResidual(j, beta);
      }
      suspended = false;
      restIs = null; // the discarded Ritz vectors are part of the complement now
      tridiagonal = false;
      restarts++;
      continue;
    }
    j = J;
    if (exhausted) break; // not reached: T_dim is exact, its couplings are 0, so the test above converged
    if (invariant) {
      basis.setRandomOrthogonal(j, rng);
      blockStart = j;
      blockRandom = true;
    } else {
      basis.setFromResidual(j, beta);
    }
  }
  return finish(fn, basis, j, k, which, converged, tridiagonal, restarts);
}

/** Ritz vectors of T_J, each certified by one more application of A: Rayleigh quotient and residual. */
function finish(fn: string, basis: KrylovBasis, J: number, k: number, which: Which, converged: boolean, tridiagonal: boolean, restarts: number): EigsResult {
  const dim = basis.op.dim;
  const iterations = basis.op.count;
  const ritz = ritzOf(basis, J, tridiagonal, true, fn);
  const wanted = preferredOrder(ritz.values, which).slice(0, k);
  const pairs = wanted.map((c) => {
    const u = new Float64Array(dim);
    for (let r = 0; r < J; r++) {
      const y = ritz.vectors![r * J + c]!;
      const off = r * dim;
      for (let l = 0; l < dim; l++) u[l]! += y * basis.q[off + l]!;
    }
    let estimate = 0;
    for (let r = 0; r < J; r++) estimate += basis.tAt(r, J) * ritz.vectors![r * J + c]!;
    return certify(basis.op, u, Math.abs(estimate));
  });
  const order = preferredOrder(pairs.map((p) => p.value), which);
  return {
    values: order.map((i) => pairs[i]!.value),
    vectors: order.map((i) => pairs[i]!.vector),
    residuals: order.map((i) => pairs[i]!.residual),
    estimates: order.map((i) => pairs[i]!.estimate),
    hvps: basis.op.count,
    iterations,
    converged,
    restarts,
  };
}

/**
 * The certificate of an approximate eigenvector u: normalise it (sign: largest entry positive),
 * apply A once, and return the Rayleigh quotient ρ = uᵀAu with the residual ‖Au − ρu‖₂ (ρ is
 * the value minimising that residual over all scalars).
 */
export function certify(op: CheckedOperator, u: Float64Array, estimate: number): { value: number; vector: Float64Array; residual: number; estimate: number } {
  scaleInPlace(u, signOfLargest(u) / norm(u));
  const au = op.apply(u);
  const value = dot(u, au);
  for (let i = 0; i < u.length; i++) au[i]! -= value * u[i]!;
  return { value, vector: u, residual: norm(au), estimate };
}

/** Options of {@link lanczosTridiagonal}. */
export interface LanczosTridiagonalOptions {
  /** Lanczos steps (operator applications), 1 ≤ steps ≤ dim. */
  steps: number;
  /** Start vector (normalised); default a Gaussian one from `seed`. */
  start?: ArrayLike<number>;
  seed?: number;
  symmetryTolerance?: number;
  /** Also return the orthonormal basis q_0..q_{s−1}. */
  keepBasis?: boolean;
}

/** T_s = tridiag(beta, alpha, beta) = QᵀAQ for the Krylov basis of the start vector. */
export interface LanczosTridiagonalResult {
  /** Diagonal of T_s, length s (the steps taken). */
  alpha: Float64Array;
  /** Off-diagonal of T_s, length s − 1. */
  beta: Float64Array;
  /** ‖A q_{s−1} − …‖, the coupling to the next vector: A Q_s = Q_s T_s + residualNorm · q_s e_sᵀ. 0 when the space became invariant. */
  residualNorm: number;
  /** True when the Krylov space became invariant (or exhausted R^dim) before `steps`: then s < steps and T_s is exact for the start vector. */
  invariant: boolean;
  /** Operator applications (= s). */
  hvps: number;
  basis?: Float64Array[];
}

/**
 * `steps` steps of Lanczos with full reorthogonalisation from one start vector, without
 * restarts: the tridiagonal T_s whose eigenvalues are the Ritz values (and, with the squared
 * first components of its eigenvectors, the Gauss quadrature of the start vector's spectral
 * measure: stochastic Lanczos quadrature). Stops early when the Krylov space is invariant.
 */
export function lanczosTridiagonal(apply: LinearOperator, dim: number, options: LanczosTridiagonalOptions): LanczosTridiagonalResult {
  const fn = 'lanczosTridiagonal';
  const op = checkedOperator(fn, apply, dim);
  return runLanczosTridiagonal(fn, op, options);
}

/** The engine of {@link lanczosTridiagonal}; also used by SLQ under its own name. */
export function runLanczosTridiagonal(fn: string, op: CheckedOperator, options: LanczosTridiagonalOptions): LanczosTridiagonalResult {
  const dim = op.dim;
  if (options === null || typeof options !== 'object') throw new CurvatureError('bad-input', fn, 'options { steps } are required');
  const steps = checkInteger(fn, 'steps', options.steps, 1, dim, ` (the dimension is ${dim})`);
  const symmetryTolerance = checkSymmetryTolerance(fn, options.symmetryTolerance ?? DEFAULT_OPERATOR_SYMMETRY_TOLERANCE);
  const basis = new KrylovBasis(fn, op, steps, symmetryTolerance);
  if (options.start !== undefined) basis.row(0).set(checkStart(fn, options.start, dim));
  else basis.setRandomOrthogonal(0, new Rng(checkSeed(fn, options.seed ?? 0)));
  let s = 0;
  let residualNorm = 0;
  let invariant = false;
  while (s < steps) {
    const beta = basis.expand(s);
    s++;
    invariant = s === dim || basis.isInvariant(beta);
    residualNorm = invariant ? 0 : beta;
    if (invariant || s === steps) break;
    basis.setT(s - 1, s, beta);
    basis.setFromResidual(s, beta);
  }
  const alpha = new Float64Array(s);
  const offDiagonal = new Float64Array(s - 1);
  for (let i = 0; i < s; i++) alpha[i] = basis.tAt(i, i);
  for (let i = 0; i < s - 1; i++) offDiagonal[i] = basis.tAt(i, i + 1);
  const result: LanczosTridiagonalResult = { alpha, beta: offDiagonal, residualNorm, invariant, hvps: op.count };
  if (options.keepBasis) result.basis = Array.from({ length: s }, (_, i) => Float64Array.from(basis.row(i)));
  return result;
}
