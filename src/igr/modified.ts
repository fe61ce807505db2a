/**
 * Modified equations of gradient descent (and of any explicit Runge–Kutta method) on the
 * gradient flow θ' = f(θ), f = −∇E, computed from B-series over rooted trees (./trees.ts)
 * with elementary differentials taken by nested reverse-mode autodiff of the loss.
 *
 *     f~ = f_1 + h f_2 + h² f_3 + …,   f_j = Σ_{|τ| = j} b(τ)/σ(τ) · F(τ)        (README.md, "The mathematics")
 *
 * Gradient descent is explicit Euler, for which f_2 = −½ f′f = −½ H g and
 * f_3 = (1/12) f″(f,f) + (1/3) f′f′f = −(1/12) T[g,g] − (1/3) H² g.
 */
import {
  add,
  dot,
  grad,
  jvp,
  mul,
  neg,
  Rng,
  randomNormal,
  square,
  sum,
  tensor,
  vjp,
  zeros,
  type ScalarFn,
  type Tensor,
} from '../autodiff/index.js';
import { tableaus, type ButcherTableau, type VectorField } from '../ode/index.js';
import { checkSeriesOrder, modifiedEquationSeries, type ModifiedTerm, type BSeriesTree, type RungeKuttaWeights } from './trees.js';
import { IgrError } from './types.js';

/** A method whose modified equation is wanted: a built-in tableau name, or any explicit tableau. */
export type MethodSpec = keyof typeof tableaus | ButcherTableau | RungeKuttaWeights;

const seriesCache = new Map<string, ModifiedTerm[][]>();

function resolveMethod(method: MethodSpec, fn: string): { key: string; weights: RungeKuttaWeights } {
  if (typeof method === 'string') {
    const t = Object.hasOwn(tableaus, method) ? (tableaus as Record<string, ButcherTableau>)[method] : undefined;
    if (!t) {
      throw new IgrError(`${fn}: unknown method '${method}'; valid methods are ${Object.keys(tableaus).join(', ')}, or a Butcher tableau {a, b}`);
    }
    return { key: method, weights: t };
  }
  if (!Array.isArray(method.a) || !Array.isArray(method.b) || method.a.length !== method.b.length) {
    throw new IgrError(`${fn}: a tableau needs arrays a (s rows) and b (s weights) of equal length`);
  }
  return { key: JSON.stringify([method.a, method.b]), weights: method };
}

/**
 * The trees and weights b(τ)/σ(τ) of f_1..f_order for a method, computed once per method and order;
 * `order` from 1 to MAX_SERIES_ORDER (11). `fn` names the public function in errors.
 */
export function modifiedSeries(order: number, method: MethodSpec = 'euler', fn = 'modifiedSeries'): ModifiedTerm[][] {
  checkSeriesOrder(order, fn);
  const { key, weights } = resolveMethod(method, fn);
  const cacheKey = `${key}#${order}`;
  let series = seriesCache.get(cacheKey);
  if (!series) {
    series = modifiedEquationSeries(weights, order);
    seriesCache.set(cacheKey, series);
  }
  return series;
}

/**
 * The elementary differentials F(τ)(y) of f = −∇E, memoised per tree for one point y.
 *
 *     F(•) = f = −∇E,   F([τ1..τm])(y) = f^{(m)}(y)[F(τ1), …, F(τm)] = −∇_y D^m E(y)[v1, …, vm]
 *
 * with v_i = F(τ_i)(y) held fixed: φ_0 = E, φ_k(z) = ⟨v_k, ∇φ_{k−1}(z)⟩, F(τ) = −∇φ_m(y).
 * The v_i are closed-over tensors, so when y is traced by an outer differentiation the result
 * stays differentiable in y (that is how the Jacobian of f_3 is taken).
 */
export function elementaryDifferentials(loss: ScalarFn, y: Tensor): (t: BSeriesTree) => Tensor {
  const memo = new Map<string, Tensor>();
  const F = (t: BSeriesTree): Tensor => {
    const hit = memo.get(t.key);
    if (hit) return hit;
    const vs = t.children.map(F);
    let phi: ScalarFn = loss;
    for (const v of vs) {
      const inner = phi;
      const g = grad(inner);
      phi = (z) => dot(v, g(z));
    }
    const value = neg(grad(phi)(y));
    memo.set(t.key, value);
    return value;
  };
  return F;
}

function checkPoint(theta: Tensor, fn: string): void {
  if (theta.shape.length !== 1) {
    throw new IgrError(`${fn}: θ must be a flat vector of shape [m], got shape [${theta.shape.join(', ')}]`);
  }
}

/**
 * f_1..f_order at θ as tensors: usable inside differentiation (θ may be traced; the result is
 * then differentiable in θ). Trees with zero coefficient are skipped.
 */
export function modifiedTermsTensor(loss: ScalarFn, order: number, method: MethodSpec = 'euler', fn = 'modifiedTermsTensor'): (theta: Tensor) => Tensor[] {
  const series = modifiedSeries(order, method, fn);
  return (theta) => {
    checkPoint(theta, fn);
    return sumModifiedTerms(series, elementaryDifferentials(loss, theta), theta.size);
  };
}

/**
 * f_j = Σ_{|τ|=j} b(τ)/σ(τ) F(τ) for each order of `series`, from the elementary differentials `F`
 * at a point of dimension `size` (callers that also need the F(τ) themselves share one `F`).
 */
export function sumModifiedTerms(series: ModifiedTerm[][], F: (t: BSeriesTree) => Tensor, size: number): Tensor[] {
  return series.map((terms) => {
    let acc: Tensor | null = null;
    for (const { tree, weight } of terms) {
      const term = mul(weight, F(tree));
      acc = acc === null ? term : add(acc, term);
    }
    // An order whose every coefficient vanishes (e.g. f_2 of a second-order method) is exactly zero.
    return acc ?? zeros([size]);
  });
}

function toTensor(theta: Float64Array | readonly number[], fn: string): Tensor {
  for (let i = 0; i < theta.length; i++) {
    if (!Number.isFinite(theta[i]!)) throw new IgrError(`${fn}: θ[${i}] = ${theta[i]} is not finite`);
  }
  return tensor(theta, [theta.length]);
}

/**
 * The coefficient vectors f_1..f_order of the modified equation θ' = f_1 + h f_2 + … of a method
 * (default: explicit Euler, i.e. gradient descent) on θ' = −∇E, at a point θ.
 *
 * @example modifiedTerms(loss, 2)(theta) // [−∇E, −½ H ∇E]
 */
export function modifiedTerms(loss: ScalarFn, order: number, method: MethodSpec = 'euler'): (theta: Float64Array) => Float64Array[] {
  const terms = modifiedTermsTensor(loss, order, method, 'modifiedTerms');
  return (theta) => terms(toTensor(theta, 'modifiedTerms')).map((t) => Float64Array.from(t.data));
}

/**
 * The order-p modified vector field f_1 + h f_2 + … + h^{p−1} f_p as an ODE right-hand side
 * (autonomous: t is ignored). Order 1 is the gradient flow, order 2 the IGR flow −∇(E + (h/4)|∇E|²).
 *
 * Evaluated as one gradient: every term is F(τ) = −∇_z D^mE(z)[v_1, …, v_m] at z = y with the
 * children's v_i = F(τ_i)(y) held fixed, and both ∇ and the contraction are linear, so
 *
 *     f~(y) = −∇_z Ψ(z) |_{z=y},   Ψ = c_• E + Σ_groups D^mE[v_1, …, v_{m−1}, Σ_τ c_τ v_m(τ)],
 *
 * c_τ = h^{|τ|−1} b(τ)/σ(τ), where a group collects the trees whose children agree but for the
 * last (canonical order): their last arguments are summed before differentiating. One outer
 * reverse pass and one nested chain per group instead of one per tree: 1.2× faster at order 3 on
 * the mlp, 1.55× at order 8 on two-parameter (BENCHMARKS.md); the value agrees with
 * Σ h^{j−1} f_j of {@link modifiedTerms} to rounding (7e-17 relative measured; the sums are
 * formed in another order).
 */
export function modifiedField(loss: ScalarFn, h: number, order: number, method: MethodSpec = 'euler'): VectorField {
  if (!(h > 0) || !Number.isFinite(h)) throw new IgrError(`modifiedField: h must be a finite number > 0, got ${h}`);
  const series = modifiedSeries(order, method, 'modifiedField');
  // The leaf's coefficient, and the groups: shared leading children, and each last child with its coefficient.
  let leaf = 0;
  const groups = new Map<string, { prefix: BSeriesTree[]; last: { tree: BSeriesTree; c: number }[] }>();
  series.forEach((terms, j) => {
    for (const { tree, weight } of terms) {
      const c = weight * h ** j;
      const kids = tree.children;
      if (kids.length === 0) {
        leaf += c;
        continue;
      }
      const prefix = kids.slice(0, -1);
      const key = prefix.map((t) => t.key).join(',');
      let g = groups.get(key);
      if (g === undefined) groups.set(key, (g = { prefix, last: [] }));
      g.last.push({ tree: kids[kids.length - 1]!, c });
    }
  });
  const grouped = [...groups.values()];
  return (_t, y) => {
    // No finiteness check here: an integrator may probe a non-finite stage state, and it reports
    // the resulting non-finite field value itself (OdeError 'nonfinite', with the step).
    const point = tensor(y, [y.length]);
    const F = elementaryDifferentials(loss, point);
    const contractions = grouped.map(({ prefix, last }) => {
      let u: Tensor | null = null;
      for (const { tree, c } of last) {
        const term = mul(c, F(tree));
        u = u === null ? term : add(u, term);
      }
      return [...prefix.map(F), u!];
    });
    const psi: ScalarFn = (z) => {
      let acc = mul(leaf, loss(z));
      for (const vs of contractions) {
        let phi: ScalarFn = loss;
        for (const v of vs) {
          const inner = grad(phi);
          phi = (w) => dot(v, inner(w));
        }
        acc = add(acc, phi(z));
      }
      return acc;
    };
    const g = grad(psi)(point).data;
    const out = new Float64Array(y.length);
    for (let i = 0; i < out.length; i++) out[i] = -g[i]!;
    return out;
  };
}

/** The squared gradient norm |∇E|², written with autodiff ops (differentiable again). */
function gradNormSquared(loss: ScalarFn): ScalarFn {
  const g = grad(loss);
  return (theta) => sum(square(g(theta)));
}

/**
 * The modified loss of gradient descent, E~ = E + (h/4)|∇E|², whose gradient flow is the order-2
 * modified equation: −∇E~ = −g − (h/2) H g = f_1 + h f_2.
 */
export function modifiedLoss(loss: ScalarFn, h: number): ScalarFn {
  const norm2 = gradNormSquared(loss);
  return (theta) => add(loss(theta), mul(h / 4, norm2(theta)));
}

/** The implicit gradient regulariser R_IG(θ) = |∇E(θ)|² / m (m = number of parameters). */
export function igrRegularizer(loss: ScalarFn): ScalarFn {
  const norm2 = gradNormSquared(loss);
  return (theta) => mul(1 / theta.size, norm2(theta));
}

/** The implicit regularisation rate λ = h m / 4, so that E~ = E + λ R_IG. */
export function igrRate(h: number, m: number): number {
  return (h * m) / 4;
}

/** Options of {@link nonGradientPart}. */
export interface NonGradientOptions {
  /** Number of random (u, v) pairs; default 4. */
  samples?: number;
  /** Seed of the random directions; default 1. */
  seed?: number;
  /** Which term to test; default 3 (the first that is not a gradient in general). */
  order?: number;
}

/**
 * How far f_j (default j = 3) is from being a gradient at θ: with J = ∂f_j/∂θ and seeded
 * Gaussian pairs (u_k, v_k),
 *
 *     r = Σ_k |u_kᵀ J v_k − v_kᵀ J u_k| / Σ_k (|u_kᵀ J v_k| + |v_kᵀ J u_k|)  ∈ [0, 1],
 *
 * uᵀJv from a Jacobian-vector product, vᵀJu = (Jᵀv)ᵀu from a vector-Jacobian product. A gradient
 * field has a symmetric Jacobian (r at round-off level); r is `null` when J vanishes on the samples.
 */
export function nonGradientPart(loss: ScalarFn, theta: Float64Array | readonly number[], options: NonGradientOptions = {}): number | null {
  const { samples = 4, seed = 1, order = 3 } = options;
  const terms = modifiedTermsTensor(loss, order, 'euler', 'nonGradientPart');
  const fj = (x: Tensor): Tensor => terms(x)[order - 1]!;
  const x = toTensor(theta, 'nonGradientPart');
  const rng = new Rng(seed);
  let num = 0;
  let den = 0;
  for (let k = 0; k < samples; k++) {
    const u = randomNormal([x.size], rng);
    const v = randomNormal([x.size], rng);
    const uJv = dot(u, jvp(fj, x, v)).item();
    const vJu = dot(vjp(fj, x, v), u).item();
    num += Math.abs(uJv - vJu);
    den += Math.abs(uJv) + Math.abs(vJu);
  }
  return den === 0 ? null : num / den;
}
