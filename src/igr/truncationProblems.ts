/**
 * The problems of the truncation study (`igr verify --truncation`) and of the principal-flow
 * comparison (`igr verify --principal`): one list each, one entry per problem.
 *
 * The one-dimensional `riccati` problem has its modified equation in closed form to any order
 * (./polynomial.ts), which carries the study far past what trees reach (order 12) and is where the
 * exponentially small regime shows cleanly. The built-in two- and four-parameter problems start
 * where their Hessian is small against their nonlinearity: from their verification start points
 * the terms grow geometrically at the rate λ_max through order 12 (the Hessian part of the
 * series, which the principal flow sums), so for hλ_max < 1 the optimum lies beyond any order
 * trees reach and for hλ_max > 1 the truncated flows blow up: no optimal truncation to see
 * (EXPERIMENTS.md has the measurements).
 */
import { mul, sub, sum, type ScalarFn, type Tensor } from '../autodiff/index.js';
import { polynomialModifiedTerms } from './polynomial.js';
import { findProblem, problems } from './problems.js';
import type { ModifiedTermsProvider } from './truncation.js';
import { IgrError } from './types.js';

/** A problem of the truncation study with its default ladder. */
export interface TruncationProblem {
  name: string;
  description: string;
  dimension: number;
  loss: ScalarFn;
  theta0: readonly number[];
  /** Why this start point (when it differs from the verification problem's). */
  startNote?: string;
  hs: readonly number[];
  /**
   * GD steps of the n-step comparison; 1 for every built-in entry: one step is the series' own
   * asymptotics, while over several steps GD reaches regions where hλ is not small (the Hessian
   * part takes over, EXPERIMENTS.md); `--steps n` shows that.
   */
  steps: number;
  maxOrder: number;
  /** f_1..f_order in closed form (else: trees). */
  closedForm?: ModifiedTermsProvider;
  /** The constant c of e^(−c/h) that theory predicts, where it is known. */
  theory?: { c: number; reason: string };
}

/** E(θ) = θ − θ³/3, written with autodiff operations (so the tree terms can be compared with the closed form). */
const riccatiLoss: ScalarFn = (x: Tensor) => sum(sub(x, mul(1 / 3, mul(x, mul(x, x)))));

const riccati: TruncationProblem = {
  name: 'riccati',
  description:
    'E(θ) = θ − θ³/3 from its inflection point θ0 = 0: gradient descent is explicit Euler on the Riccati equation θ′ = θ² − 1 (flow −tanh t); modified equation in closed form to any order',
  dimension: 1,
  loss: riccatiLoss,
  theta0: [0],
  hs: [1, 0.8, 0.6, 0.5, 0.45, 0.4, 0.35, 0.3],
  steps: 1,
  maxOrder: 48,
  closedForm: polynomialModifiedTerms([0, 1, 0, -1 / 3]),
  theory: {
    c: Math.PI ** 2,
    reason:
      'the flow −tanh t has poles at t = ±iπ/2; the coefficients grow like Γ(j)/(π²)^j, c = 2π × π/2 = π² (2π times the distance to the nearest complex-time singularity of the gradient flow), so the smallest term, at j ≈ π²/h, is ~ e^(−π²/h)',
  },
};

/**
 * f_1..f_order of the two-parameter model E(a, b) = ½(1 − ab)² on its balanced line a = b, in
 * closed form. The line is invariant under gradient descent and under every modified flow (the
 * model is symmetric in a and b, and so is every floating-point operation on a point with
 * a = b), and on it gradient descent is the one-dimensional θ ← θ + h(θ − θ³) per coordinate:
 * explicit Euler on t′ = t − t³, the flow of E₁(t) = t⁴/4 − t²/2. By uniqueness of the modified
 * equation, its terms restricted to the line are those of the one-dimensional problem (tested
 * against the trees). Off the line there is no closed form: the provider refuses such a θ.
 */
export function balancedTwoParameterTerms(): ModifiedTermsProvider {
  const oneDimensional = polynomialModifiedTerms([0, 0, -1 / 2, 0, 1 / 4]);
  return (theta, order) => {
    if (theta.length !== 2 || theta[0] !== theta[1]) {
      throw new IgrError(`balancedTwoParameterTerms: θ = [${Array.from(theta).join(', ')}] is not balanced (a = b): off the diagonal the two-parameter model has no closed form (use the trees)`);
    }
    return oneDimensional(theta.subarray(0, 1), order).map((f) => Float64Array.of(f[0]!, f[0]!));
  };
}

function fromVerification(name: string, theta0: readonly number[], startNote: string, hs: readonly number[], steps: number, maxOrder: number): TruncationProblem {
  const p = findProblem(name);
  return { name, description: p.description.replace(/, started at .*$/, ''), dimension: p.dimension, loss: p.loss, theta0, startNote, hs, steps, maxOrder };
}

/** Every problem of the truncation study, in the order `igr verify --truncation` runs them. */
export const truncationProblems: readonly TruncationProblem[] = [
  riccati,
  {
    ...fromVerification(
      'two-parameter',
      [1 / Math.sqrt(3), 1 / Math.sqrt(3)],
      'started balanced (a = b = 1/√3), at the inflection of t ↦ E(t, t) where the Hessian vanishes along the line; the line is invariant, so the terms are known in closed form to any order (balancedTwoParameterTerms). From the verification start (2.8, 3.5) λ_max = 28.8 and the terms grow like 28.8^j through order 12: no optimum below order 12',
      [1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.45, 0.4],
      1,
      40,
    ),
    closedForm: balancedTwoParameterTerms(),
    theory: {
      c: 2 * Math.PI * Math.hypot(Math.log(2) / 2, Math.PI / 2),
      reason: 't′ = t − t³ from t0 = 1/√3 is t² = 1/(1 + 2e^(−2t)), singular at t = ln(2)/2 ± iπ/2; c = 2π |t*| = 10.11 (as for riccati, c = 2π × the distance to the nearest complex-time singularity of the gradient flow)',
    },
  },
  fromVerification(
    'double-well',
    [-0.7, -0.5],
    'started at (−0.7, −0.5), where the quartic is nearly flat in x (E_xx ≈ 0.5) while E_xxx = 6x is large; but E_yy = 1 everywhere, so λ_max ≥ 1 (here 1.05) and the Hessian part stays as large as the nonlinear one',
    [0.8, 0.7, 0.65, 0.6, 0.55, 0.5, 0.45, 0.4],
    1,
    10,
  ),
  fromVerification(
    'logistic',
    [-1.5, 2, -0.5, -0.3],
    'started at minus the data-generating weights, where most points are misclassified and the loss is nearly linear (λ_max = 0.21, |∇E| = 0.72); from the verification start the terms grow like λ_max = 0.31 through order 8',
    [4, 3.5, 3, 2.5, 2.25, 2, 1.75, 1.5, 1.25, 1],
    1,
    10,
  ),
];

/**
 * The truncation problem with this name: an entry of {@link truncationProblems}, or a built-in
 * verification problem with its own start and ladder (one step, orders 1..8; the quadratic with
 * its closed form to order 40, where the series converges). The error lists the valid names.
 */
export function findTruncationProblem(name: string): TruncationProblem {
  const own = truncationProblems.find((p) => p.name === name);
  if (own) return own;
  const builtIn = problems.find((p) => p.name === name);
  if (!builtIn) {
    const names = [...new Set([...truncationProblems.map((p) => p.name), ...problems.map((p) => p.name)])];
    throw new IgrError(`unknown problem '${name}'; valid problems are ${names.join(', ')}`);
  }
  return {
    name: builtIn.name,
    description: builtIn.description,
    dimension: builtIn.dimension,
    loss: builtIn.loss,
    theta0: builtIn.theta0,
    hs: builtIn.hs,
    steps: 1,
    maxOrder: builtIn.closedForm ? 40 : 8,
    ...(builtIn.closedForm && { closedForm: builtIn.closedForm }),
  };
}

/** A problem of the principal-flow comparison with its default ladder (multiples of 1/λ_max(θ0)). */
export interface TrackingProblem {
  name: string;
  hLambda: readonly number[];
  steps: number;
}

/**
 * The default ladder of `igr verify --principal`: h·λ_max(θ0) from 0.05 up to GD's stability limit
 * at θ0 (2), stepping around 1 (where the principal coefficient log|1 − hλ| is singular at θ0).
 */
export const TRACKING_LADDER = [0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 0.95, 1.05, 1.2, 1.4, 1.6, 1.8, 1.95] as const;

/** The problems `igr verify --principal` runs by default, from their verification start points. */
export const trackingProblems: readonly TrackingProblem[] = [
  { name: 'two-parameter', hLambda: TRACKING_LADDER, steps: 20 },
  { name: 'mlp', hLambda: TRACKING_LADDER, steps: 20 },
];
