/**
 * Rooted trees and the B-series coefficients of modified equations.
 *
 * Normalisation (Hairer–Lubich–Wanner, *Geometric Numerical Integration*, III.1):
 *
 *     B(a, y) = y + Σ_τ h^|τ| / σ(τ) · a(τ) · F(τ)(y)
 *
 * with F(τ) the elementary differentials of the field f. The exact h-flow is B(e, y) with
 * e(τ) = 1/γ(τ); an explicit Runge–Kutta method is B(Φ, y) with Φ(τ) its elementary weights.
 * The modified field of a method with coefficients a is
 *
 *     f~(y) = Σ_τ h^{|τ|−1} / σ(τ) · b(τ) · F(τ)(y),
 *
 * where b solves the substitution law a = b ⋆ e (Chartier, Hairer, Vilmart, "Algebraic
 * structures of B-series", Found. Comput. Math. 10 (2010), Thm. 3.2): the exact flow of a field
 * that is itself a B-series is the composition of the two series. This file is pure combinatorics:
 * no autodiff, no integrators; the trees themselves are enumerated once, by the ODE layer.
 */
import { rootedTrees, type RootedTree } from '../ode/index.js';
import { IgrError } from './types.js';

/** A rooted tree in canonical form: children sorted by (order, key), so equal trees have equal keys. */
export interface BSeriesTree {
  /** Canonical bracket notation: '•' is the single vertex, '[τ1,τ2]' grafts τ1, τ2 onto a new root. */
  readonly key: string;
  /** The subtrees hanging from the root, in canonical order. */
  readonly children: readonly BSeriesTree[];
  /** |τ|: the number of vertices. */
  readonly order: number;
  /** σ(τ): the order of the tree's automorphism group; σ([τ1^m1 … τk^mk]) = Π m_i! σ(τ_i)^m_i. */
  readonly symmetry: number;
  /** γ(τ): the density; γ(•) = 1, γ([τ1..τm]) = |τ| Π γ(τ_i). The exact flow has e(τ) = 1/γ(τ). */
  readonly density: number;
  /**
   * A labelled representative: vertices 0..|τ|−1 numbered in preorder of the canonical form,
   * `parent[v]` the parent of v (`parent[0] = −1`, and `parent[v] < v`).
   */
  readonly parent: readonly number[];
  /** The edges of the labelled representative as [parent, child] pairs, one per non-root vertex. */
  readonly edges: readonly (readonly [number, number])[];
}

/** The weights of an explicit Runge–Kutta method that the elementary weights need (any `ButcherTableau` fits). */
export interface RungeKuttaWeights {
  /** Strictly lower-triangular stage matrix; rows may be ragged (missing entries are 0). */
  readonly a: readonly (readonly number[])[];
  /** Quadrature weights, one per stage. */
  readonly b: readonly number[];
}

function compareTrees(x: BSeriesTree, y: BSeriesTree): number {
  if (x.order !== y.order) return x.order - y.order;
  return x.key < y.key ? -1 : x.key > y.key ? 1 : 0;
}

function factorial(n: number): number {
  let r = 1;
  for (let i = 2; i <= n; i++) r *= i;
  return r;
}

/** The tree with the given subtrees attached to a new root (the B-series "[τ1, …, τm]"). */
export function graft(children: readonly BSeriesTree[]): BSeriesTree {
  const sorted = [...children].sort(compareTrees);
  const order = 1 + sorted.reduce((s, t) => s + t.order, 0);
  const key = sorted.length === 0 ? '•' : `[${sorted.map((t) => t.key).join(',')}]`;
  let symmetry = 1;
  let density = order;
  // Equal subtrees are adjacent after sorting: each run of multiplicity m contributes m!.
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j]!.key === sorted[i]!.key) j++;
    symmetry *= factorial(j - i);
    i = j;
  }
  for (const t of sorted) {
    symmetry *= t.symmetry;
    density *= t.density;
  }
  const parent: number[] = [-1];
  const edges: [number, number][] = [];
  for (const t of sorted) {
    const offset = parent.length;
    for (let v = 0; v < t.order; v++) {
      const p = v === 0 ? 0 : t.parent[v]! + offset;
      parent.push(p);
      edges.push([p, offset + v]);
    }
  }
  return { key, children: sorted, order, symmetry, density, parent, edges };
}

/** The single-vertex tree •, whose elementary differential is f itself. */
export const leaf: BSeriesTree = graft([]);

/** The largest tree order the enumeration of the ODE layer offers (`rootedTrees`). */
export const MAX_TREE_ORDER = 12;

/**
 * The highest order of modified equation computed. Its cost is the substitution law
 * ({@link substitutionInverse}): every tree with n vertices sums over the 2^(n−1) subsets of its
 * edges. Measured (BENCHMARKS.md): all 3,047 trees up to order 11 in 5.2 s, the 4,766 of order 12
 * in 307 s more, so order 12 is refused rather than left running for minutes.
 */
export const MAX_SERIES_ORDER = 11;

/**
 * Checks the order of a modified equation for the public function `fn`: an integer from 1 to
 * {@link MAX_SERIES_ORDER}, else an IgrError naming `fn`, the limit and why.
 */
export function checkSeriesOrder(order: number, fn: string): void {
  if (!Number.isInteger(order) || order < 1) throw new IgrError(`${fn}: order must be an integer ≥ 1, got ${order}`);
  if (order > MAX_SERIES_ORDER) {
    throw new IgrError(
      `${fn}: order ${order} is beyond ${MAX_SERIES_ORDER}, the highest order of modified equation igr computes: its coefficients come from ` +
        `the substitution law over every tree's edge subsets, which took 5.2 s for all 3,047 trees up to order 11 and 307 s more for the ` +
        `4,766 trees of order 12 (BENCHMARKS.md); use an order from 1 to ${MAX_SERIES_ORDER}`,
    );
  }
}

const treeCache: BSeriesTree[][] = [[], [leaf]];
const converted = new Map<RootedTree, BSeriesTree>();

/** The ODE layer's tree (order conditions) as a B-series tree: the same tree, with σ, key and a labelling. */
function fromOdeTree(t: RootedTree): BSeriesTree {
  let b = converted.get(t);
  if (b === undefined) {
    b = graft(t.children.map(fromOdeTree));
    converted.set(t, b);
  }
  return b;
}

/**
 * All rooted trees with exactly `order` vertices, in canonical order (1, 1, 2, 4, 9, 20, 48, 115, …).
 * The enumeration is the ODE layer's (`rootedTrees`, which indexes the order conditions of a
 * tableau), so both layers mean the same set of trees; this layer adds what the B-series need
 * (σ, a canonical key, a labelled representative) by grafting, and sorts by key.
 */
export function treesOfOrder(order: number): readonly BSeriesTree[] {
  if (!Number.isInteger(order) || order < 1 || order > MAX_TREE_ORDER) {
    throw new RangeError(`treesOfOrder: order must be an integer from 1 to ${MAX_TREE_ORDER}, got ${order}`);
  }
  for (let n = treeCache.length; n <= order; n++) treeCache.push(rootedTrees(n).map(fromOdeTree).sort(compareTrees));
  return treeCache[order]!;
}

/** All rooted trees with 1..maxOrder vertices, by increasing order. */
export function treesUpTo(maxOrder: number): readonly BSeriesTree[] {
  const out: BSeriesTree[] = [];
  for (let n = 1; n <= maxOrder; n++) out.push(...treesOfOrder(n));
  return out;
}

/** Parses the canonical bracket notation ('•', '[•]', '[[•],•]', …) back into a tree. */
export function parseTree(text: string): BSeriesTree {
  let pos = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`parseTree: ${what} at position ${pos} in "${text}" (trees look like •, [•], [•,[•]])`);
  };
  const parse = (): BSeriesTree => {
    if (text[pos] === '•') {
      pos++;
      return leaf;
    }
    if (text[pos] !== '[') return fail(`expected '•' or '['`);
    pos++;
    const children = [parse()];
    while (text[pos] === ',') {
      pos++;
      children.push(parse());
    }
    if (text[pos] !== ']') return fail(`expected ',' or ']'`);
    pos++;
    return graft(children);
  };
  const t = parse();
  if (pos !== text.length) fail('unexpected trailing text');
  return t;
}

/** e(τ) = 1/γ(τ): the B-series coefficient of the exact flow. */
export function exactCoefficient(t: BSeriesTree): number {
  return 1 / t.density;
}

/**
 * Φ(τ), the elementary weight of an explicit Runge–Kutta method (HLW III.1, Def. 1.7):
 * with internal weights g_i(•) = 1, g_i([τ1..τm]) = Π_k Σ_j a_ij g_j(τ_k), Φ(τ) = Σ_i b_i g_i(τ).
 * Explicit Euler (a = [[0]], b = [1]) has Φ(•) = 1 and Φ(τ) = 0 for |τ| ≥ 2.
 */
export function elementaryWeight(t: BSeriesTree, method: RungeKuttaWeights): number {
  const s = method.b.length;
  if (method.a.length !== s) {
    throw new RangeError(`elementaryWeight: tableau has ${method.a.length} rows of a but ${s} weights b`);
  }
  const internal = (tree: BSeriesTree): Float64Array => {
    const g = new Float64Array(s).fill(1);
    for (const child of tree.children) {
      const gc = internal(child);
      for (let i = 0; i < s; i++) {
        let acc = 0;
        const row = method.a[i]!;
        for (let j = 0; j < s; j++) acc += (row[j] ?? 0) * gc[j]!;
        g[i]! *= acc;
      }
    }
    return g;
  };
  const g = internal(t);
  let phi = 0;
  for (let i = 0; i < s; i++) phi += method.b[i]! * g[i]!;
  return phi;
}

/** The subtree of the labelled representative spanned from `top` through kept edges only. */
function componentTree(t: BSeriesTree, top: number, kept: (v: number) => boolean, kids: number[][]): BSeriesTree {
  return graft(kids[top]!.filter(kept).map((w) => componentTree(t, w, kept, kids)));
}

/**
 * Solves the substitution law a = b ⋆ e for b, tree by tree in increasing order.
 *
 * For a labelled representative of τ, (b ⋆ e)(τ) = Σ_S e(χ_S) Π_i b(δ_i) over all subsets S of
 * its edges that are kept: the kept edges split τ into connected components δ_1..δ_k, and the
 * skeleton χ_S is τ with each component contracted to one vertex. S = all edges gives b(τ) e(•) = b(τ),
 * so b(τ) = a(τ) − Σ_{S ≠ all} e(χ_S) Π_i b(δ_i), where every δ_i is smaller than τ.
 *
 * @param a the method's coefficient per tree (e.g. `t => elementaryWeight(t, tableau)`)
 * @returns b(τ) keyed by `tree.key`, for every tree with 1..maxOrder vertices
 */
export function substitutionInverse(a: (t: BSeriesTree) => number, maxOrder: number): Map<string, number> {
  checkSeriesOrder(maxOrder, 'substitutionInverse');
  const b = new Map<string, number>();
  for (const t of treesUpTo(maxOrder)) {
    const n = t.order;
    const kids: number[][] = Array.from({ length: n }, () => []);
    for (let v = 1; v < n; v++) kids[t.parent[v]!]!.push(v);
    let rest = 0;
    const all = (1 << (n - 1)) - 1; // bit v−1 set: the edge into vertex v is kept
    for (let mask = 0; mask < all; mask++) {
      const kept = (v: number): boolean => ((mask >> (v - 1)) & 1) === 1;
      // Component tops are the root and every vertex whose incoming edge is cut. The skeleton parent
      // of a top is the top of its tree-parent's component; preorder numbering visits parents first.
      const top = new Int32Array(n);
      const tops: number[] = [];
      for (let v = 0; v < n; v++) {
        if (v === 0 || !kept(v)) {
          top[v] = v;
          tops.push(v);
        } else {
          top[v] = top[t.parent[v]!]!;
        }
      }
      // γ(χ) = Π over skeleton vertices of the size of the skeleton subtree below them.
      const size = new Map<number, number>();
      for (const c of tops) size.set(c, 1);
      let gamma = 1;
      for (let i = tops.length - 1; i >= 0; i--) {
        const c = tops[i]!;
        gamma *= size.get(c)!;
        if (c !== 0) {
          const up = top[t.parent[c]!]!;
          size.set(up, size.get(up)! + size.get(c)!);
        }
      }
      let product = 1 / gamma;
      for (const c of tops) product *= b.get(componentTree(t, c, kept, kids).key)!;
      rest += product;
    }
    b.set(t.key, a(t) - rest);
  }
  return b;
}

/** One term of a modified equation: f_j = Σ_{|τ| = j} weight · F(τ), weight = b(τ)/σ(τ). */
export interface ModifiedTerm {
  tree: BSeriesTree;
  /** b(τ) from the substitution law. */
  coefficient: number;
  /** b(τ)/σ(τ): the factor in front of the elementary differential F(τ). */
  weight: number;
}

/**
 * The B-series of the modified field of an explicit Runge–Kutta method, by order:
 * `result[j − 1]` lists the trees of order j with non-zero weight, so that
 * f_j = Σ weight · F(τ) and f~ = Σ_j h^{j−1} f_j. For explicit Euler,
 * f_2 = −½ f′f and f_3 = (1/12) f″(f,f) + (1/3) f′f′f (HLW IX.1, (1.6)).
 */
export function modifiedEquationSeries(method: RungeKuttaWeights, maxOrder: number): ModifiedTerm[][] {
  checkSeriesOrder(maxOrder, 'modifiedEquationSeries');
  const b = substitutionInverse((t) => elementaryWeight(t, method), maxOrder);
  const out: ModifiedTerm[][] = [];
  for (let j = 1; j <= maxOrder; j++) {
    const terms: ModifiedTerm[] = [];
    for (const tree of treesOfOrder(j)) {
      const coefficient = b.get(tree.key)!;
      // Zero coefficients (b([•]) = 0 for every second-order method) would only cost derivatives.
      if (coefficient !== 0) terms.push({ tree, coefficient, weight: coefficient / tree.symmetry });
    }
    out.push(terms);
  }
  return out;
}
