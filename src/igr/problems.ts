/**
 * The built-in verification problems: one list, one entry per problem, each with its loss
 * (written with autodiff operations, so every derivative order is available), start point and
 * default ladder of learning rates. The ladders and times are chosen so that h·|λ_max(H)| stays
 * small enough for the leading error term to dominate (slopes within ±0.1) while every error
 * stays far above round-off, and so that the whole default run is fast (see EXPERIMENTS.md).
 */
import {
  add,
  dot,
  matmul,
  mean,
  mul,
  neg,
  randomNormal,
  randomUniform,
  reshape,
  Rng,
  sin,
  slice,
  softplus,
  square,
  sub,
  sum,
  tanh,
  tensor,
  transpose,
  type ScalarFn,
  type Tensor,
} from '../autodiff/index.js';
import { IgrError, quoteName, type VerificationProblem } from './types.js';

/** A halving ladder: h0, h0/2, …, h0/2^(count−1). */
function halving(h0: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => h0 / 2 ** i);
}

// ---- 1. an n-dimensional quadratic with a closed-form modified equation ----------------------

/** A = tridiag(−0.3, 1 + i/2, −0.3), m = 5: symmetric positive definite, eigenvalues in (0.5, 3.5). */
function quadraticMatrix(m: number): number[][] {
  return Array.from({ length: m }, (_, i) =>
    Array.from({ length: m }, (_, j) => (i === j ? 1 + i / 2 : Math.abs(i - j) === 1 ? -0.3 : 0)),
  );
}

const QUAD_M = 5;
const QUAD_A = quadraticMatrix(QUAD_M);

/**
 * For E = ½ θᵀAθ gradient descent is θ ← (I − hA)θ, whose exact modified equation is
 * θ' = (1/h) log(I − hA) θ = −Σ_j h^{j−1} A^j θ / j, so f_j = −A^j θ / j (README.md, "The mathematics").
 */
function quadraticClosedForm(theta: Float64Array, order: number): Float64Array[] {
  const out: Float64Array[] = [];
  let power = Float64Array.from(theta);
  for (let j = 1; j <= order; j++) {
    const next = new Float64Array(theta.length);
    for (let i = 0; i < theta.length; i++) {
      let s = 0;
      for (let k = 0; k < theta.length; k++) s += QUAD_A[i]![k]! * power[k]!;
      next[i] = s;
    }
    power = next;
    out.push(power.map((v) => -v / j));
  }
  return out;
}

const quadratic: VerificationProblem = {
  name: 'quadratic',
  description: `½ θᵀAθ in ${QUAD_M} dimensions, A = tridiag(−0.3, 1 + i/2, −0.3); closed-form modified equation (1/h) log(I − hA) θ`,
  dimension: QUAD_M,
  loss: (() => {
    const A = tensor(QUAD_A);
    return (theta: Tensor) => mul(0.5, dot(theta, matmul(A, theta)));
  })(),
  theta0: [1, -1, 0.5, 2, -0.5],
  hs: halving(0.04, 5),
  T: 1,
  closedForm: quadraticClosedForm,
};

// ---- 2. the paper's two-parameter model ------------------------------------------------------

/** E(a, b) = ½ (y − a b x)² with x = y = 1 (Barrett & Dherin 2021, Figure 1), from (2.8, 3.5). */
const twoParameter: VerificationProblem = {
  name: 'two-parameter',
  description: 'the paper\'s model E(a, b) = ½ (y − a b x)² with x = y = 1, started at (a, b) = (2.8, 3.5) as in its Figure 1',
  dimension: 2,
  loss: (theta: Tensor) => {
    const a = slice(theta, 0, 1);
    const b = slice(theta, 1, 2);
    return mul(0.5, sum(square(sub(1, mul(a, b)))));
  },
  theta0: [2.8, 3.5],
  hs: halving(0.004, 5),
  T: 0.08,
  higherOrder: [
    {
      fromOrder: 4,
      hs: halving(0.002, 3),
      T: 0.08,
      reason: 'stiff (|H| ≈ 21 at θ0): at h = 0.004 the local error of a fourth-order method is pre-asymptotic (slope 4.87 on the GD ladder)',
    },
  ],
};

// ---- 3. a nonconvex function of two variables -----------------------------------------------

/** A tilted double well in x, coupled to a valley y ≈ ½ sin 2x; started where ∂²E/∂x² < 0. */
const doubleWell: VerificationProblem = {
  name: 'double-well',
  description: 'nonconvex E(x, y) = ¼(x² − 1)² + 0.3x + ½(y − ½ sin 2x)², started at (0.2, 1) where the x-curvature is negative',
  dimension: 2,
  loss: (theta: Tensor) => {
    const x = slice(theta, 0, 1);
    const y = slice(theta, 1, 2);
    const well = mul(0.25, square(sub(square(x), 1)));
    const valley = mul(0.5, square(sub(y, mul(0.5, sin(mul(2, x))))));
    return sum(add(add(well, mul(0.3, x)), valley));
  },
  theta0: [0.2, 1],
  hs: halving(0.04, 5),
  T: 1,
};

// ---- 4. logistic regression on seeded synthetic data ----------------------------------------

const LOGISTIC_N = 40;

/** Features [N, 4] (three Gaussian features and a constant 1 for the bias) and labels ±1. */
function logisticData(seed: number): { X: Tensor; y: Tensor } {
  const rng = new Rng(seed);
  const w = [1.5, -2, 0.5, 0.3];
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < LOGISTIC_N; i++) {
    const row = [rng.normal(), rng.normal(), rng.normal(), 1];
    const z = row.reduce((s, v, k) => s + v * w[k]!, 0) + 0.7 * rng.normal(); // noisy labels: not separable
    X.push(row);
    y.push(z >= 0 ? 1 : -1);
  }
  return { X: tensor(X), y: tensor(y) };
}

const logistic: VerificationProblem = (() => {
  const { X, y } = logisticData(7);
  return {
    name: 'logistic',
    description: `logistic regression, mean log(1 + exp(−y xᵀw)) over ${LOGISTIC_N} seeded Gaussian points with noisy labels, 3 features + bias`,
    dimension: 4,
    loss: (w: Tensor) => mean(softplus(neg(mul(y, matmul(X, w))))),
    theta0: [0.5, 0.5, -0.5, 0],
    hs: halving(0.1, 5),
    T: 1.6,
    higherOrder: [
      {
        fromOrder: 4,
        hs: halving(0.4, 4),
        T: 1.6,
        reason: 'mildly curved: fourth- and fifth-order errors on the GD ladder reach 1e-15 at its small end (round-off floor; p = 5 kept fewer than two points)',
      },
    ],
  };
})();

// ---- 5. a small tanh MLP on seeded synthetic regression data --------------------------------

const MLP_IN = 2;
const MLP_HIDDEN = 24;
const MLP_N = 24;
/** W1 [24, 2], b1 [24], W2 [1, 24], b2 [1]: 97 parameters, in the nn layer's flat order. */
const MLP_PARAMS = MLP_HIDDEN * MLP_IN + MLP_HIDDEN + MLP_HIDDEN + 1;

const mlp: VerificationProblem = (() => {
  const rng = new Rng(11);
  const X = randomUniform([MLP_N, MLP_IN], rng, -1, 1);
  const targets: number[] = [];
  for (let i = 0; i < MLP_N; i++) {
    const x1 = X.data[2 * i]!;
    const x2 = X.data[2 * i + 1]!;
    targets.push(Math.sin(2 * x1) + 0.5 * x2 * x2);
  }
  const y = tensor(targets);
  const init = new Rng(12);
  const theta0 = [
    ...randomNormal([MLP_HIDDEN * MLP_IN], init, 1 / Math.sqrt(MLP_IN)).data,
    ...randomNormal([MLP_HIDDEN], init, 0.1).data,
    ...randomNormal([MLP_HIDDEN], init, 1 / Math.sqrt(MLP_HIDDEN)).data,
    0,
  ];
  const loss: ScalarFn = (theta) => {
    let o = 0;
    const take = (n: number): Tensor => slice(theta, o, (o += n));
    const W1 = reshape(take(MLP_HIDDEN * MLP_IN), [MLP_HIDDEN, MLP_IN]);
    const b1 = take(MLP_HIDDEN);
    const W2 = take(MLP_HIDDEN);
    const b2 = take(1);
    const hidden = tanh(add(matmul(X, transpose(W1)), b1));
    const out = add(matmul(hidden, W2), b2);
    return mul(0.5, mean(square(sub(out, y))));
  };
  return {
    name: 'mlp',
    description: `tanh MLP 2-${MLP_HIDDEN}-1 (${MLP_PARAMS} parameters), ½ mean squared error on ${MLP_N} seeded points of sin 2x₁ + ½x₂²`,
    dimension: MLP_PARAMS,
    loss,
    theta0,
    hs: halving(0.1, 5),
    T: 1.6,
    higherOrder: [
      {
        fromOrder: 3,
        hs: halving(0.025, 3),
        T: 0.4,
        reason: 'at h = 0.1 a third-order method is pre-asymptotic (a strong h^5 term: slope 4.19 for p = 4), and a smaller h at T = 1.6 reaches round-off; T = 0.4 keeps three halvings above it',
      },
      {
        fromOrder: 4,
        hs: halving(0.04, 3),
        T: 0.4,
        reason: 'fifth derivatives of a 97-parameter MLP in every reference step: the GD ladder takes over 400 s; three steps at T = 0.4 take about 45 s and sit between the pre-asymptotic range and round-off',
      },
    ],
  };
})();

/** Every built-in verification problem, in the order `igr verify` runs them. */
export const problems: readonly VerificationProblem[] = [quadratic, twoParameter, doubleWell, logistic, mlp];

/**
 * The step-size ladder and final time a method of order q is verified with on a problem by
 * default: the problem's `higherOrder` entry with the largest `fromOrder` ≤ q, or its GD ladder.
 * Higher-order methods need larger h (their errors h^q fall to round-off sooner) and, on stiff or
 * costly problems, a shorter ladder; each entry says why in `reason`.
 */
export function ladderFor(problem: VerificationProblem, q: number): { hs: readonly number[]; T: number; reason: string | null } {
  const entry = (problem.higherOrder ?? []).filter((l) => l.fromOrder <= q).sort((a, b) => b.fromOrder - a.fromOrder)[0];
  return entry ? { hs: entry.hs, T: entry.T, reason: entry.reason } : { hs: problem.hs, T: problem.T, reason: null };
}

/** The built-in problem with this name; the error lists the valid names. */
export function findProblem(name: string): VerificationProblem {
  const p = problems.find((q) => q.name === name);
  if (!p) throw new IgrError(`unknown problem ${quoteName(name)}; valid problems are ${problems.map((q) => q.name).join(', ')}`);
  return p;
}
