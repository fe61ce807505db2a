/**
 * SGD with random reshuffling and its modified loss (Smith, Dherin, Barrett & De, "On the origin
 * of implicit regularization in stochastic gradient descent", ICLR 2021).
 *
 * The data are split into m equal minibatches with losses Ĉ_1 … Ĉ_m, C = (1/m) Σ_k Ĉ_k. One epoch
 * visits every minibatch once, in an order π chosen uniformly at random:
 *
 *     θ_{j+1} = θ_j − ε ∇Ĉ_{π(j)}(θ_j),   j = 0 … m − 1.
 *
 * Expanding the epoch to second order in ε (each step's gradient evaluated at the drifted point),
 *
 *     θ_m = θ_0 − mε ∇C + ε² Σ_{j<k} ∇²Ĉ_{π(k)} ∇Ĉ_{π(j)} + O(ε³),
 *
 * and averaging over the m! orders (every ordered pair j < k occurs equally often, so the double
 * sum averages to ½ Σ_{a≠b} ∇²Ĉ_a ∇Ĉ_b) matches one step of length mε of the flow of
 *
 *     C_SGD = C + (ε/4m) Σ_k |∇Ĉ_k|² = C + (ε/4)|∇C|² + (ε/4m) Σ_k |∇Ĉ_k − ∇C|²      (Smith et al., eq. 1)
 *
 * to O(ε³) — the *mean* iterate, not each one. Three candidate flows, measured over one epoch
 * (time mε) and over K epochs (time Kmε), for a ladder of ε:
 *   key 1: θ' = −∇C                (expected error O(ε²): it misses every ε² term)
 *   key 2: θ' = −∇(C + (ε/4)|∇C|²) (full-batch IGR: misses the minibatch variance term, O(ε²))
 *   key 3: θ' = −∇C_SGD            (expected O(ε³))
 * "local" in the report is one epoch, "global" is K epochs; the fitted slopes against ε are
 * expected to be 2, 2, 3 for both.
 *
 * The mean over orders is exact (every sequence of epoch orders enumerated) when there are at
 * most `exactLimit` sequences; otherwise it is sampled with antithetic pairs: each sampled order
 * sequence is paired with the one that reverses every epoch. Reversal maps Σ_{j<k} to Σ_{j>k}, so
 * the pair's O(ε²) term is the order-independent Σ_{a≠b}: pair means scatter only at O(ε³), and
 * the standard error (over independent pairs, stated in the report) can sit below the O(ε³)
 * error being measured. Points whose error is not 10 standard errors above it are flagged.
 */
import {
  add,
  grad,
  matmul,
  mean,
  mul,
  randomNormal,
  randomUniform,
  Rng,
  slice,
  square,
  sub,
  sum,
  tanh,
  tensor,
  transpose,
  reshape,
  type ScalarFn,
  type Tensor,
} from '../../autodiff/index.js';
import { DivergenceError, divergenceThreshold, gradientFlow } from '../descent.js';
import { modifiedField } from '../modified.js';
import { IgrError, quoteName } from '../types.js';
import { runPrepared, type ComparisonReport, type FlowPointMeasurement, type OptimizerComparison, type PreparedVerification, type TimedIterate } from '../compare.js';

/** A data set split into minibatches: the full loss C and the minibatch losses Ĉ_k. */
export interface Minibatches {
  /** C = (1/m) Σ_k Ĉ_k (the minibatches have equal size). */
  loss: ScalarFn;
  /** Ĉ_1 … Ĉ_m. */
  batchLosses: readonly ScalarFn[];
}

/** A built-in SGD problem: data, a model, a start point and a default ε ladder. */
export interface SgdProblem {
  name: string;
  description: string;
  /** Number of data points N; the number of minibatches must divide it. */
  points: number;
  dimension: number;
  theta0: readonly number[];
  /** The loss over rows [start, end) of the data (a mean over those rows). */
  rowLoss: (start: number, end: number) => ScalarFn;
  /** Default learning-rate ladder and number of minibatches. */
  hs: readonly number[];
  batches: number;
}

/** The divisors of n (the valid minibatch counts for n points). */
function divisors(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
}

/** Splits the problem's rows into `batches` consecutive minibatches of N/m rows (the rows are i.i.d. seeded draws). */
export function minibatches(problem: SgdProblem, batches: number): Minibatches {
  const N = problem.points;
  if (!Number.isInteger(batches) || batches < 1 || N % batches !== 0) {
    throw new IgrError(
      `the number of minibatches must divide the ${N} data points of '${problem.name}', got ${batches}; valid: ${divisors(N).join(', ')}`,
    );
  }
  const size = N / batches;
  const batchLosses = Array.from({ length: batches }, (_, k) => problem.rowLoss(k * size, (k + 1) * size));
  return { loss: problem.rowLoss(0, N), batchLosses };
}

/** C_SGD = C + (ε/4m) Σ_k |∇Ĉ_k|² (Smith et al. 2021): the modified loss of the mean SGD iterate. */
export function sgdModifiedLoss(batches: Minibatches, epsilon: number): ScalarFn {
  const m = batches.batchLosses.length;
  const grads = batches.batchLosses.map((l) => grad(l));
  return (theta) => {
    let penalty: Tensor = sum(square(grads[0]!(theta)));
    for (let k = 1; k < m; k++) penalty = add(penalty, sum(square(grads[k]!(theta))));
    return add(batches.loss(theta), mul(epsilon / (4 * m), penalty));
  };
}

/** All m! permutations of 0..m−1 (by inserting m − 1 into each permutation of 0..m−2; their order is irrelevant, they are averaged). */
export function permutations(m: number): number[][] {
  if (m <= 1) return [Array.from({ length: m }, (_, i) => i)];
  const out: number[][] = [];
  for (const p of permutations(m - 1)) {
    for (let pos = 0; pos <= p.length; pos++) out.push([...p.slice(0, pos), m - 1, ...p.slice(pos)]);
  }
  return out;
}

/** One SGD step per minibatch in the given order, from θ: the iterate after the epoch. */
export function sgdEpoch(gradients: readonly ((x: Tensor) => Tensor)[], theta: Float64Array, epsilon: number, order: readonly number[], blowup: number, stepOffset = 0): Float64Array {
  let cur = theta;
  order.forEach((k, j) => {
    const d = gradients[k]!(tensor(Array.from(cur), [cur.length])).data;
    const next = new Float64Array(cur.length);
    for (let i = 0; i < cur.length; i++) {
      next[i] = cur[i]! - epsilon * d[i]!;
      if (!Number.isFinite(next[i]!) || Math.abs(next[i]!) > blowup) {
        throw new DivergenceError(epsilon, stepOffset + j + 1, `SGD left |θ_i| ≤ ${blowup.toExponential(1)} or became non-finite`);
      }
    }
    cur = next;
  });
  return cur;
}

/** Options of {@link sgdMeanIterate}. */
export interface MeanIterateOptions {
  /** Enumerate all (m!)^epochs order sequences when there are at most this many; default 1000. */
  exactLimit?: number;
  /** Antithetic pairs sampled otherwise; default 500. */
  pairs?: number;
  /** Seed of the sampled orders; default 1. */
  seed?: number;
}

/** The mean SGD iterate over epoch orders, and how it was obtained. */
export interface MeanIterate {
  mean: Float64Array;
  /** 'exact': every order sequence; 'sampled': antithetic pairs. */
  averaging: 'exact' | 'sampled';
  /** Order sequences averaged (2 × pairs when sampled). */
  sequences: number;
  /** Standard error of the mean (‖componentwise standard errors‖₂); 0 when exact. */
  standardError: number;
}

/**
 * The mean, over the orders of the minibatches in each of `epochs` epochs (uniform and independent
 * per epoch), of the SGD iterate from θ0 at learning rate ε. Exact by enumeration when
 * (m!)^epochs ≤ exactLimit, otherwise by seeded antithetic sampling (see the module comment).
 */
export function sgdMeanIterate(batches: Minibatches, theta0: Float64Array | readonly number[], epsilon: number, epochs: number, options: MeanIterateOptions = {}): MeanIterate {
  const fn = 'sgdMeanIterate';
  if (!(epsilon > 0) || !Number.isFinite(epsilon)) throw new IgrError(`${fn}: the learning rate ε must be a finite number > 0, got ${epsilon}`);
  if (!Number.isInteger(epochs) || epochs < 1) throw new IgrError(`${fn}: epochs must be an integer ≥ 1, got ${epochs}`);
  const start = Float64Array.from(theta0);
  const m = batches.batchLosses.length;
  const gradients = batches.batchLosses.map((l) => grad(l));
  const blowup = divergenceThreshold(start);
  const perms = permutations(m);
  const count = perms.length ** epochs;
  const { exactLimit = 1000, pairs = 500, seed = 1 } = options;

  if (count <= exactLimit) {
    // Depth-first over epochs: the mean over a subtree is the mean of its children's means.
    const meanFrom = (theta: Float64Array, epoch: number): Float64Array => {
      if (epoch === epochs) return theta;
      const acc = new Float64Array(theta.length);
      for (const p of perms) {
        const child = meanFrom(sgdEpoch(gradients, theta, epsilon, p, blowup, epoch * m), epoch + 1);
        for (let i = 0; i < acc.length; i++) acc[i]! += child[i]!;
      }
      return acc.map((v) => v / perms.length);
    };
    return { mean: meanFrom(start, 0), averaging: 'exact', sequences: count, standardError: 0 };
  }

  if (!Number.isInteger(pairs) || pairs < 2) throw new IgrError(`${fn}: pairs must be an integer ≥ 2, got ${pairs}`);
  const rng = new Rng(seed);
  const d = start.length;
  const sumX = new Float64Array(d);
  const sumX2 = new Float64Array(d);
  for (let s = 0; s < pairs; s++) {
    const orders = Array.from({ length: epochs }, () => rng.shuffle(Array.from({ length: m }, (_, i) => i)));
    let a: Float64Array = start;
    let b: Float64Array = start;
    orders.forEach((o, e) => {
      a = sgdEpoch(gradients, a, epsilon, o, blowup, e * m);
      b = sgdEpoch(gradients, b, epsilon, [...o].reverse(), blowup, e * m);
    });
    for (let i = 0; i < d; i++) {
      const x = (a[i]! + b[i]!) / 2;
      sumX[i]! += x;
      sumX2[i]! += x * x;
    }
  }
  const mean = sumX.map((v) => v / pairs);
  let variance = 0;
  for (let i = 0; i < d; i++) variance += Math.max(0, (sumX2[i]! - pairs * mean[i]! ** 2) / (pairs - 1));
  return { mean, averaging: 'sampled', sequences: 2 * pairs, standardError: Math.sqrt(variance / pairs) };
}

/** Options of {@link verifySgd}. */
export interface SgdVerificationOptions extends MeanIterateOptions {
  /** Ladder of learning rates ε. */
  hs: readonly number[];
  /** Number of minibatches m (must divide the data). */
  batches: number;
  /** Epochs K of the "global" comparison (the "local" one is one epoch); default 2. */
  epochs?: number;
  tolerance?: number;
  referenceFactor?: number;
  onProgress?: (done: number, total: number) => void;
}

/** An SGD verification; `T` is the number of epochs K of the global comparison (flow time K m ε). */
export interface SgdReport extends ComparisonReport {
  optimizer: {
    name: 'sgd';
    batches: number;
    batchSize: number;
    epochs: number;
    averaging: 'exact' | 'sampled';
    /** Order sequences averaged per point (global comparison). */
    sequences: number;
    /** Per ε: standard error of the sampled mean iterate after K epochs (0 when exact). */
    standardError: number[];
  };
}

/**
 * The mean SGD iterate (over minibatch orders) after one epoch ("local") and after K epochs
 * ("global"), against the flows of C (key 1), of the full-batch modified loss (key 2) and of
 * C_SGD (key 3), for each ε of the ladder; slopes fitted against ε (expected 2, 2, 3).
 */
export function verifySgd(problem: SgdProblem, options: SgdVerificationOptions): SgdReport {
  return runPrepared(prepareSgd(problem, options));
}

/** What the SGD comparison attaches to each global iterate (`TimedIterate.detail`). */
interface SgdDetail {
  averaging: 'exact' | 'sampled';
  sequences: number;
  standardError: number;
}

/** {@link verifySgd} split for parallel runs (see `prepareBackwardError`). */
export function prepareSgd(problem: SgdProblem, options: SgdVerificationOptions): PreparedVerification<SgdReport> {
  const fn = 'verifySgd';
  const epochs = options.epochs ?? 2;
  if (!Number.isInteger(epochs) || epochs < 1) throw new IgrError(`${fn}: epochs must be an integer ≥ 1, got ${epochs}`);
  if (!Array.isArray(options.hs) || options.hs.length === 0) throw new IgrError(`${fn}: hs must be a non-empty list of learning rates`);
  for (const h of options.hs) if (!(h > 0) || !Number.isFinite(h)) throw new IgrError(`${fn}: every learning rate must be a finite number > 0, got ${h}`);
  const data = minibatches(problem, options.batches);
  const m = options.batches;
  const start = Float64Array.from(problem.theta0);
  const averaging: MeanIterateOptions = {
    ...(options.exactLimit !== undefined && { exactLimit: options.exactLimit }),
    ...(options.pairs !== undefined && { pairs: options.pairs }),
    ...(options.seed !== undefined && { seed: options.seed }),
  };
  const timed = (h: number, k: number, isGlobal: boolean): TimedIterate => {
    const r = sgdMeanIterate(data, start, h, k, averaging);
    const detail: SgdDetail = { averaging: r.averaging, sequences: r.sequences, standardError: r.standardError };
    return {
      iterate: r.mean,
      time: k * m * h,
      steps: k * m,
      ...(r.averaging === 'sampled' && { standardError: r.standardError }),
      ...(isGlobal && { detail }),
    };
  };
  // The one-epoch mean does not depend on the flow it is compared with: computed once per ε.
  const oneEpoch = new Map<number, TimedIterate>();
  const comparison: OptimizerComparison = {
    problem: problem.name,
    theta0: start,
    hs: options.hs,
    T: epochs,
    flows: {
      1: { label: "θ' = −∇C  (gradient flow)", field: () => gradientFlow(data.loss), expectedGlobal: 2, expectedLocal: 2 },
      2: { label: "θ' = −∇(C + (ε/4)|∇C|²)  (full-batch modified loss)", field: (h) => modifiedField(data.loss, h, 2), expectedGlobal: 2, expectedLocal: 2 },
      3: { label: "θ' = −∇(C + (ε/4m) Σ_k |∇Ĉ_k|²)  (SGD modified loss)", field: (h) => gradientFlow(sgdModifiedLoss(data, h)), expectedGlobal: 3, expectedLocal: 3 },
    },
    global: (h) => timed(h, epochs, true),
    local: (h) => {
      let it = oneEpoch.get(h);
      if (!it) oneEpoch.set(h, (it = timed(h, 1, false)));
      return it;
    },
    ...(options.tolerance !== undefined && { tolerance: options.tolerance }),
    ...(options.referenceFactor !== undefined && { referenceFactor: options.referenceFactor }),
    ...(options.onProgress && { onProgress: options.onProgress }),
  };
  const finish = (report: ComparisonReport, measurements: readonly FlowPointMeasurement[]): SgdReport => {
    // One global run per ε (the first flow's measurement carries it), in ladder order; the
    // averaging is that of the last ε that did not diverge.
    const first = Math.min(...Object.keys(comparison.flows).map(Number));
    const details = options.hs.flatMap((_, k) => {
      const d = measurements.find((x) => x.hIndex === k && x.order === first)?.detail as SgdDetail | undefined;
      return d === undefined ? [] : [d];
    });
    const last = details.at(-1);
    return {
      ...report,
      optimizer: {
        name: 'sgd',
        batches: m,
        batchSize: problem.points / m,
        epochs,
        averaging: last?.averaging ?? 'exact',
        sequences: last?.sequences ?? 0,
        standardError: details.map((d) => d.standardError),
      },
    };
  };
  return { comparison, finish };
}

// ---- built-in problems ---------------------------------------------------------------------

/** Least squares on seeded data: N = 12 points, 3 features, ½ mean squared residual. */
const leastSquares: SgdProblem = (() => {
  const N = 12;
  const rng = new Rng(21);
  const X = randomNormal([N, 3], rng);
  const w = [1, -0.5, 0.25];
  // Noise makes the minibatch gradients differ at the solution too (otherwise the variance term vanishes there).
  const y = Array.from({ length: N }, (_, i) => w.reduce((s, wk, k) => s + wk * X.data[3 * i + k]!, 0) + 0.5 * rng.normal());
  const rows = (a: number, b: number): { Xb: Tensor; yb: Tensor } => ({
    Xb: tensor(Array.from({ length: b - a }, (_, i) => Array.from(X.data.slice(3 * (a + i), 3 * (a + i) + 3)))),
    yb: tensor(y.slice(a, b)),
  });
  return {
    name: 'least-squares',
    description: `linear least squares, ½ mean (xᵀθ − y)² over ${N} seeded Gaussian points with noisy targets, 3 parameters`,
    points: N,
    dimension: 3,
    theta0: [0, 0, 0],
    rowLoss: (a, b) => {
      const { Xb, yb } = rows(a, b);
      return (theta) => mul(0.5, mean(square(sub(matmul(Xb, theta), yb))));
    },
    hs: [0.01, 0.005, 0.0025, 0.00125],
    batches: 4,
  };
})();

/** A 1-6-1 tanh MLP (19 parameters) on 8 seeded points of sin(2x). */
const smallMlp: SgdProblem = (() => {
  const N = 8;
  const H = 6;
  const rng = new Rng(22);
  const xs = randomUniform([N, 1], rng, -1.5, 1.5);
  const ys = Array.from(xs.data, (x) => Math.sin(2 * x));
  const init = new Rng(23);
  const theta0 = [...randomNormal([H], init, 1).data, ...randomNormal([H], init, 0.3).data, ...randomNormal([H], init, 1 / Math.sqrt(H)).data, 0];
  return {
    name: 'mlp',
    description: `tanh MLP 1-${H}-1 (${3 * H + 1} parameters), ½ mean squared error on ${N} seeded points of sin 2x`,
    points: N,
    dimension: 3 * H + 1,
    theta0,
    rowLoss: (a, b) => {
      const Xb = tensor(Array.from(xs.data.slice(a, b), (v) => [v]));
      const yb = tensor(ys.slice(a, b));
      return (theta) => {
        const W1 = reshape(slice(theta, 0, H), [H, 1]);
        const b1 = slice(theta, H, 2 * H);
        const W2 = slice(theta, 2 * H, 3 * H);
        const b2 = slice(theta, 3 * H, 3 * H + 1);
        const hidden = tanh(add(matmul(Xb, transpose(W1)), b1));
        return mul(0.5, mean(square(sub(add(matmul(hidden, W2), b2), yb))));
      };
    },
    hs: [0.01, 0.005, 0.0025, 0.00125],
    batches: 4,
  };
})();

/** The built-in SGD problems, in the order `igr verify --optimizer sgd` runs them. */
export const sgdProblems: readonly SgdProblem[] = [leastSquares, smallMlp];

/** The built-in SGD problem with this name; the error lists the valid names. */
export function findSgdProblem(name: string): SgdProblem {
  const p = sgdProblems.find((q) => q.name === name);
  if (!p) throw new IgrError(`unknown SGD problem ${quoteName(name)}; valid problems for --optimizer sgd are ${sgdProblems.map((q) => q.name).join(', ')}`);
  return p;
}
