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
  /**
   * Optional second embedded solution of a lower order (DOP853's third-order one). With it the
   * error of a step is Hairer's blend of the two estimates (HNW I, §II.10, DOP853),
   * err = ‖e‖² / √(‖e‖² + 0.01 ‖e_low‖²) with e = h Σ (b − b̂) k and e_low = h Σ (b − b̂_low) k in
   * the scaled norm: it behaves like O(h^order), and the step-size controller uses q = order.
   */
  bHatLow?: number[];
  /** Order of `bHatLow` (checked by its order conditions); required with it. */
  embeddedOrderLow?: number;
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
    if (e.bHatLow !== undefined || e.embeddedOrderLow !== undefined) {
      checkVector(fn, name, 'bHatLow', e.bHatLow, s);
      if (!Number.isInteger(e.embeddedOrderLow) || e.embeddedOrderLow! < 1) {
        throw badInput(fn, `tableau '${name}': embeddedOrderLow must be a positive integer (the order of bHatLow), got ${String(e.embeddedOrderLow)}`);
      }
      checkOrder(fn, name, 'low embedded order', a, e.bHatLow!, Math.min(e.embeddedOrderLow!, 12));
    }
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
  /**
   * Dormand–Prince 8(5,3), "DOP853" (Hairer, Nørsett & Wanner, *Solving ODEs I*, 2nd ed., §II.10;
   * Hairer's dop853.f): 12 stages, order 8, with the order-5 embedded solution b̂ = b − e5 of its
   * fifth-order error estimator. Not first-same-as-last: after an accepted step the driver evaluates
   * f(t + h, y_new) as the next step's first stage, so a step costs 12 evaluations either way.
   * Coefficients as published with 30 significant digits (dop853.f; the same values are in scipy's
   * scipy/integrate/_ivp/dop853_coefficients.py, where b is row 12 of A and e5 is E5); b̂ = b − e5
   * computed to 28 digits and rounded once; the third-order solution b̂_low of its second
   * estimator (bhh1, bhh2, bhh3 of dop853.f, at stages 1, 9 and 12), which the adaptive driver
   * blends with the fifth-order one as dop853.f does. All three orders are proven at load: 200
   * order conditions (every rooted tree up to 8 vertices) for b, 17 for b̂, 4 for b̂_low.
   * As a fixed-step method, `integrate(…, { method: 'dop853' })`, it steps with b.
   */
  dop853: validateTableau({
    name: 'dop853', order: 8, embeddedOrder: 5, embeddedOrderLow: 3, stages: 12,
    a: [
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      [5.26001519587677318785587544488e-2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      [1.97250569845378994544595329183e-2, 5.91751709536136983633785987549e-2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      [2.95875854768068491816892993775e-2, 0, 8.87627564304205475450678981324e-2, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      [2.41365134159266685502369798665e-1, 0, -8.84549479328286085344864962717e-1, 9.24834003261792003115737966543e-1, 0, 0, 0, 0, 0, 0, 0, 0],
      [3.7037037037037037037037037037e-2, 0, 0, 1.70828608729473871279604482173e-1, 1.25467687566822425016691814123e-1, 0, 0, 0, 0, 0, 0, 0],
      [3.7109375e-2, 0, 0, 1.70252211019544039314978060272e-1, 6.02165389804559606850219397283e-2, -1.7578125e-2, 0, 0, 0, 0, 0, 0],
      [
        3.70920001185047927108779319836e-2, 0, 0, 1.70383925712239993810214054705e-1, 1.07262030446373284651809199168e-1,
        -1.53194377486244017527936158236e-2, 8.27378916381402288758473766002e-3, 0, 0, 0, 0, 0,
      ],
      [
        6.24110958716075717114429577812e-1, 0, 0, -3.36089262944694129406857109825, -8.68219346841726006818189891453e-1,
        2.75920996994467083049415600797e1, 2.01540675504778934086186788979e1, -4.34898841810699588477366255144e1, 0, 0, 0, 0,
      ],
      [
        4.77662536438264365890433908527e-1, 0, 0, -2.48811461997166764192642586468, -5.90290826836842996371446475743e-1,
        2.12300514481811942347288949897e1, 1.52792336328824235832596922938e1, -3.32882109689848629194453265587e1,
        -2.03312017085086261358222928593e-2, 0, 0, 0,
      ],
      [
        -9.3714243008598732571704021658e-1, 0, 0, 5.18637242884406370830023853209, 1.09143734899672957818500254654,
        -8.14978701074692612513997267357, -1.85200656599969598641566180701e1, 2.27394870993505042818970056734e1,
        2.49360555267965238987089396762, -3.0467644718982195003823669022, 0, 0,
      ],
      [
        2.27331014751653820792359768449, 0, 0, -1.05344954667372501984066689879e1, -2.00087205822486249909675718444,
        -1.79589318631187989172765950534e1, 2.79488845294199600508499808837e1, -2.85899827713502369474065508674,
        -8.87285693353062954433549289258, 1.23605671757943030647266201528e1, 6.43392746015763530355970484046e-1, 0,
      ],
    ],
    b: [
      5.42937341165687622380535766363e-2, 0, 0, 0, 0, 4.45031289275240888144113950566, 1.89151789931450038304281599044,
      -5.8012039600105847814672114227, 3.1116436695781989440891606237e-1, -1.52160949662516078556178806805e-1,
      2.01365400804030348374776537501e-1, 4.47106157277725905176885569043e-2,
    ],
    bHat: [
      4.1173689122373881505552546676e-2, 0, 0, 0, 0, 5.6754693391286133221617092587, 2.3872768489717505745642239856,
      -7.4655811424655713184287418377, 6.6149321570779357609756479137e-1, -4.8634006837553355758591069090e-1,
      1.1944219431891463590906911137e-1, 6.7065923591658885776532835354e-2,
    ],
    bHatLow: [0.244094488188976377952755905512, 0, 0, 0, 0, 0, 0, 0, 0.733846688281611857341361741547, 0, 0, 0.220588235294117647058823529412e-1],
    c: [
      0, 0.526001519587677318785587544488e-1, 0.789002279381515978178381316732e-1, 0.11835034190722739672675719751,
      0.28164965809277260327324280249, 1 / 3, 0.25, 4 / 13, 127 / 195, 0.6, 6 / 7, 1,
    ],
  }),
} satisfies Record<string, EmbeddedTableau>;

/** Names of the built-in embedded pairs. */
export type EmbeddedMethodName = keyof typeof embeddedTableaus;
