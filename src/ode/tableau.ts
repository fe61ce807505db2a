/**
 * Explicit Runge–Kutta methods as data (Butcher tableaux), and their validation.
 *
 * A tableau (a, b, c) with s stages defines one step of size h from (t, y):
 *
 *     k_i     = f(t + c_i h, y + h Σ_{j<i} a_ij k_j)      i = 1..s
 *     y_next  = y + h Σ_i b_i k_i
 *
 * Validation checks the shape, explicitness (a strictly lower triangular), the row-sum
 * condition Σ_j a_ij = c_i, and every order condition up to the declared order:
 * Σ_i b_i Φ_i(τ) = 1/γ(τ) for each rooted tree τ with at most `order` nodes (Butcher;
 * Hairer–Nørsett–Wanner, *Solving ODEs I*, §II.2, Theorem 2.13). So a tableau's declared
 * order is proven by its coefficients, not trusted.
 */

import { badInput } from './errors.js';

/** An explicit Runge–Kutta method: `a` strictly lower triangular (stages × stages), weights `b`, nodes `c`. */
export interface ButcherTableau {
  /** Short name, used in messages and reports. */
  name: string;
  /** Classical order p: the global error of a fixed-step solution is O(h^p). */
  order: number;
  /** Number of stages s (vector-field evaluations per step). */
  stages: number;
  /** Stage coefficients, s rows of s numbers, zero on and above the diagonal. */
  a: number[][];
  /** Weights of the stages in the step, length s, summing to 1. */
  b: number[];
  /** Nodes: stage i is evaluated at time t + c_i h; c_i = Σ_j a_ij. */
  c: number[];
}

/**
 * An embedded pair: the same stages give a second solution with weights `bHat` of the lower
 * order `embeddedOrder`; their difference estimates the local error for step-size control.
 */
export interface EmbeddedTableau extends ButcherTableau {
  bHat: number[];
  embeddedOrder: number;
}

// ---------------------------------------------------------------------------------------------
// Rooted trees and the order conditions

/** A rooted tree (unordered), the index of one order condition. */
export interface RootedTree {
  /** Number of nodes |τ|. */
  order: number;
  /** Subtrees hanging from the root, in canonical order. */
  children: readonly RootedTree[];
  /** Density γ(τ) = |τ| Π γ(children): the condition reads Σ b_i Φ_i(τ) = 1/γ(τ). */
  gamma: number;
  /** Bracket notation: `•` is the single node, `[•,•]` a root with two leaves. */
  label: string;
}

const LEAF: RootedTree = { order: 1, children: [], gamma: 1, label: '•' };
const treesByOrder: RootedTree[][] = [[], [LEAF]];

/**
 * Every rooted tree with exactly `order` nodes (1, 1, 2, 4, 9, 20, 48, 115, ... of them).
 * A tree is a root with a multiset of subtrees; multisets are enumerated once each by listing
 * children in non-increasing (order, index) sequence.
 */
export function rootedTrees(order: number): readonly RootedTree[] {
  if (!Number.isInteger(order) || order < 1 || order > 12) {
    throw badInput('rootedTrees', `order must be an integer from 1 to 12, got ${String(order)}`);
  }
  while (treesByOrder.length <= order) {
    const n = treesByOrder.length;
    treesByOrder.push(
      childLists(n - 1, n - 1, Infinity).map((children) => ({
        order: n,
        children,
        gamma: n * children.reduce((g, u) => g * u.gamma, 1),
        label: `[${children.map((u) => u.label).join(',')}]`,
      })),
    );
  }
  return treesByOrder[order]!;
}

/** Multisets of trees with `remaining` nodes in total, each tree at most (maxOrder, maxIndex). */
function childLists(remaining: number, maxOrder: number, maxIndex: number): RootedTree[][] {
  if (remaining === 0) return [[]];
  const out: RootedTree[][] = [];
  for (let o = Math.min(remaining, maxOrder); o >= 1; o--) {
    const list = treesByOrder[o]!;
    const top = o === maxOrder ? Math.min(maxIndex, list.length - 1) : list.length - 1;
    for (let i = top; i >= 0; i--) {
      for (const rest of childLists(remaining - o, o, i)) out.push([list[i]!, ...rest]);
    }
  }
  return out;
}

/**
 * Elementary weight Φ(τ) of a tree, one value per stage: Φ_i(•) = 1 and
 * Φ_i([τ_1..τ_m]) = Π_k (a Φ(τ_k))_i. `abs` is the same with |a|, bounding rounding error.
 */
function elementaryWeight(
  tree: RootedTree,
  a: readonly (readonly number[])[],
  memo: Map<RootedTree, { phi: number[]; abs: number[] }>,
): { phi: number[]; abs: number[] } {
  const hit = memo.get(tree);
  if (hit) return hit;
  const s = a.length;
  const phi = new Array<number>(s).fill(1);
  const abs = new Array<number>(s).fill(1);
  for (const child of tree.children) {
    const w = elementaryWeight(child, a, memo);
    for (let i = 0; i < s; i++) {
      let sum = 0;
      let sumAbs = 0;
      for (let j = 0; j < s; j++) {
        sum += a[i]![j]! * w.phi[j]!;
        sumAbs += Math.abs(a[i]![j]!) * w.abs[j]!;
      }
      phi[i]! *= sum;
      abs[i]! *= sumAbs;
    }
  }
  const result = { phi, abs };
  memo.set(tree, result);
  return result;
}

/**
 * Residuals of the order conditions of weights `b` for every tree up to `order` nodes,
 * with a rounding bound for each: 64 ε (Σ|b_i| Φ^abs_i + 1/γ), generous for coefficients
 * given as correctly rounded fractions, far below any real coefficient mistake.
 */
export function orderConditionResiduals(
  a: readonly (readonly number[])[],
  b: readonly number[],
  order: number,
): { tree: RootedTree; residual: number; bound: number }[] {
  const memo = new Map<RootedTree, { phi: number[]; abs: number[] }>();
  const out: { tree: RootedTree; residual: number; bound: number }[] = [];
  for (let n = 1; n <= order; n++) {
    for (const tree of rootedTrees(n)) {
      const { phi, abs } = elementaryWeight(tree, a, memo);
      let sum = 0;
      let sumAbs = 0;
      for (let i = 0; i < b.length; i++) {
        sum += b[i]! * phi[i]!;
        sumAbs += Math.abs(b[i]!) * abs[i]!;
      }
      out.push({ tree, residual: sum - 1 / tree.gamma, bound: 64 * Number.EPSILON * (sumAbs + 1 / tree.gamma) });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Validation

function isFiniteNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

function checkVector(fn: string, tname: string, field: string, v: unknown, s: number): void {
  if (!Array.isArray(v) || v.length !== s) {
    throw badInput(fn, `tableau '${tname}': ${field} must be an array of ${s} numbers (one per stage), got ${Array.isArray(v) ? `length ${v.length}` : typeof v}`);
  }
  v.forEach((x, i) => {
    if (!isFiniteNumber(x)) throw badInput(fn, `tableau '${tname}': ${field}[${i}] must be a finite number, got ${String(x)}`);
  });
}

function checkOrder(fn: string, tname: string, which: string, a: number[][], b: number[], order: number): void {
  for (const { tree, residual, bound } of orderConditionResiduals(a, b, order)) {
    if (!(Math.abs(residual) <= bound)) {
      throw badInput(
        fn,
        `tableau '${tname}': declared ${which} ${order} but the order condition of tree ${tree.label} (order ${tree.order}) fails: ` +
          `Σ b_i Φ_i = ${(residual + 1 / tree.gamma).toPrecision(17)}, should be 1/γ = 1/${tree.gamma} (residual ${residual.toExponential(2)})`,
      );
    }
  }
}

/**
 * Checks a tableau and returns it: sizes (a is stages × stages, b and c have `stages` entries),
 * finite entries, explicitness (a_ij = 0 for j ≥ i), rows of a summing to c, and all order
 * conditions up to `order` (which includes Σ b = 1). Throws an {@link OdeError} of kind
 * `bad-input` naming the first problem. Orders above 12 are not checked beyond 12.
 */
export function validateTableau<T extends ButcherTableau>(tableau: T, fn = 'validateTableau'): T {
  if (tableau === null || typeof tableau !== 'object') throw badInput(fn, `a tableau must be an object, got ${String(tableau)}`);
  const name = typeof tableau.name === 'string' && tableau.name !== '' ? tableau.name : '(unnamed)';
  const { stages: s, order, a, b, c } = tableau;
  if (!Number.isInteger(s) || s < 1) throw badInput(fn, `tableau '${name}': stages must be a positive integer, got ${String(s)}`);
  if (!Number.isInteger(order) || order < 1) throw badInput(fn, `tableau '${name}': order must be a positive integer, got ${String(order)}`);
  if (!Array.isArray(a) || a.length !== s) {
    throw badInput(fn, `tableau '${name}': a must have ${s} rows (stages × stages), got ${Array.isArray(a) ? a.length : typeof a}`);
  }
  a.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== s) {
      throw badInput(fn, `tableau '${name}': a must be ${s}×${s}, but row ${i} has ${Array.isArray(row) ? `${row.length} entries` : typeof row}`);
    }
    row.forEach((x, j) => {
      if (!isFiniteNumber(x)) throw badInput(fn, `tableau '${name}': a[${i}][${j}] must be a finite number, got ${String(x)}`);
      if (j >= i && x !== 0) {
        throw badInput(fn, `tableau '${name}': a[${i}][${j}] = ${x} is on or above the diagonal; only explicit methods (a strictly lower triangular) are supported`);
      }
    });
  });
  checkVector(fn, name, 'b', b, s);
  checkVector(fn, name, 'c', c, s);
  for (let i = 0; i < s; i++) {
    const row = a[i]!;
    const sum = row.reduce((acc, x) => acc + x, 0);
    const scale = row.reduce((acc, x) => acc + Math.abs(x), 0) + Math.abs(c[i]!);
    if (!(Math.abs(sum - c[i]!) <= 16 * Number.EPSILON * scale)) {
      throw badInput(fn, `tableau '${name}': row ${i} of a sums to ${sum}, but c[${i}] = ${c[i]}; each row of a must sum to its node c`);
    }
  }
  checkOrder(fn, name, 'order', a, b, Math.min(order, 12));
  if ('bHat' in tableau || 'embeddedOrder' in tableau) {
    const e = tableau as unknown as EmbeddedTableau;
    checkVector(fn, name, 'bHat', e.bHat, s);
    if (!Number.isInteger(e.embeddedOrder) || e.embeddedOrder < 1) {
      throw badInput(fn, `tableau '${name}': embeddedOrder must be a positive integer, got ${String(e.embeddedOrder)}`);
    }
    checkOrder(fn, name, 'embedded order', a, e.bHat, Math.min(e.embeddedOrder, 12));
  }
  return tableau;
}

// ---------------------------------------------------------------------------------------------
// The methods

const EULER: ButcherTableau = { name: 'euler', order: 1, stages: 1, a: [[0]], b: [1], c: [0] };

/** The built-in fixed-step methods, each validated (order conditions included) when this module loads. */
export const tableaus = {
  /** Explicit Euler: order 1, 1 stage. Gradient descent is this method on -∇E. */
  euler: validateTableau(EULER),
  /** Explicit midpoint rule: order 2, 2 stages. */
  midpoint: validateTableau({ name: 'midpoint', order: 2, stages: 2, a: [[0, 0], [1 / 2, 0]], b: [0, 1], c: [0, 1 / 2] }),
  /** Heun's method (explicit trapezoidal rule): order 2, 2 stages. */
  heun: validateTableau({ name: 'heun', order: 2, stages: 2, a: [[0, 0], [1, 0]], b: [1 / 2, 1 / 2], c: [0, 1] }),
  /** Kutta's third-order method: order 3, 3 stages. */
  kutta3: validateTableau({
    name: 'kutta3', order: 3, stages: 3,
    a: [[0, 0, 0], [1 / 2, 0, 0], [-1, 2, 0]],
    b: [1 / 6, 2 / 3, 1 / 6],
    c: [0, 1 / 2, 1],
  }),
  /** Classical Runge–Kutta method: order 4, 4 stages. */
  rk4: validateTableau({
    name: 'rk4', order: 4, stages: 4,
    a: [[0, 0, 0, 0], [1 / 2, 0, 0, 0], [0, 1 / 2, 0, 0], [0, 0, 1, 0]],
    b: [1 / 6, 1 / 3, 1 / 3, 1 / 6],
    c: [0, 1 / 2, 1 / 2, 1],
  }),
  /** Kutta's 3/8 rule: order 4, 4 stages. */
  rk38: validateTableau({
    name: 'rk38', order: 4, stages: 4,
    a: [[0, 0, 0, 0], [1 / 3, 0, 0, 0], [-1 / 3, 1, 0, 0], [1, -1, 1, 0]],
    b: [1 / 8, 3 / 8, 3 / 8, 1 / 8],
    c: [0, 1 / 3, 2 / 3, 1],
  }),
} satisfies Record<string, ButcherTableau>;

/** Names of the built-in fixed-step methods. */
export type MethodName = keyof typeof tableaus;

/** The built-in method names, in order of increasing order. */
export const methodNames = Object.keys(tableaus) as MethodName[];

/** The built-in embedded pairs for adaptive stepping. */
export const embeddedTableaus = {
  /**
   * Dormand–Prince 5(4) (Dormand & Prince 1980; Hairer's DOPRI5): 7 stages, the last
   * evaluated at the new solution (first-same-as-last, so 6 new evaluations per accepted step);
   * the solution advances with the order-5 weights (local extrapolation).
   */
  dormandPrince54: validateTableau({
    name: 'dormandPrince54', order: 5, embeddedOrder: 4, stages: 7,
    a: [
      [0, 0, 0, 0, 0, 0, 0],
      [1 / 5, 0, 0, 0, 0, 0, 0],
      [3 / 40, 9 / 40, 0, 0, 0, 0, 0],
      [44 / 45, -56 / 15, 32 / 9, 0, 0, 0, 0],
      [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729, 0, 0, 0],
      [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656, 0, 0],
      [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0],
    ],
    b: [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0],
    bHat: [5179 / 57600, 0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40],
    c: [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1],
  }),
  /** Bogacki–Shampine 3(2): 4 stages, first-same-as-last; a cheap pair for loose tolerances. */
  bogackiShampine32: validateTableau({
    name: 'bogackiShampine32', order: 3, embeddedOrder: 2, stages: 4,
    a: [[0, 0, 0, 0], [1 / 2, 0, 0, 0], [0, 3 / 4, 0, 0], [2 / 9, 1 / 3, 4 / 9, 0]],
    b: [2 / 9, 1 / 3, 4 / 9, 0],
    bHat: [7 / 24, 1 / 4, 1 / 3, 1 / 8],
    c: [0, 1 / 2, 3 / 4, 1],
  }),
} satisfies Record<string, EmbeddedTableau>;

/** Names of the built-in embedded pairs. */
export type EmbeddedMethodName = keyof typeof embeddedTableaus;
