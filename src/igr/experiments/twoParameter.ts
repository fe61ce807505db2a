/**
 * The paper's two-parameter model (Barrett & Dherin 2021, section 3, Figure 1):
 *
 *     E(a, b) = ½ (y − a b x)²,   x = y = 1,   from (a, b) = (2.8, 3.5).
 *
 * Its minima form the hyperbola a b = 1; at a minimum the Hessian has the
 * eigenvalues 0 and a² + b², so the flattest minimum is the balanced one,
 * |a| = |b| = 1. Gradient flow conserves a² − b² (d/dt (a² − b²) = 0 along
 * −∇E), so it cannot become more balanced; one GD step multiplies a² − b² by
 * 1 − h² (ab − 1)², so GD does (and the IGR flow, −∇(E + (h/4)|∇E|²), does too).
 *
 * For each learning rate h and time T = n h we compare the GD iterate θ_n with
 * the gradient flow (order-1 modified field) and the IGR flow (order 2) at time
 * T, both integrated by RK4 and cross-checked by Dormand–Prince.
 */
import { mul, slice, square, sub, sum, tensor, type ScalarFn, type Tensor } from '../../autodiff/index.js';
import { dormandPrince, integrate, type VectorField } from '../../ode/index.js';
import { gradientFlow } from '../descent.js';
import { modifiedField } from '../modified.js';

/** The paper's start point. */
export const PAPER_START: readonly [number, number] = [2.8, 3.5];

/** E(a, b) = ½ (y − a b x)² as a ScalarFn of θ = [a, b] (shape [2]), written with autodiff ops so every derivative order is exact. */
export function twoParameterLoss(x = 1, y = 1): ScalarFn {
  return (theta: Tensor) => {
    if (theta.shape.length !== 1 || theta.shape[0] !== 2) {
      throw new Error(`twoParameterLoss: θ must have shape [2] (a, b), got [${theta.shape.join(', ')}]`);
    }
    const ab = sum(mul(slice(theta, 0, 1), slice(theta, 1, 2)));
    return mul(0.5, square(sub(y, mul(ab, x))));
  };
}

/** Options of {@link twoParameterExperiment}. */
export interface TwoParameterOptions {
  /** Learning rates to compare. */
  hs: number[];
  /** Training time T = n h at which GD and the flows are compared (T / h must be an integer). */
  T: number;
  theta0?: readonly [number, number];
  /**
   * RK4 steps over [0, T] for the reference flows (default 400·T, at least 400): the flows
   * do not depend on the GD grid, and `referenceError` (RK4 against Dormand–Prince) shows
   * whether the reference is accurate far below the distances measured.
   */
  rk4Steps?: number;
}

/** One learning rate's comparison. */
export interface TwoParameterRow {
  h: number;
  T: number;
  steps: number;
  /** The GD iterate θ_n, n = T / h. */
  gd: [number, number];
  /** Gradient flow θ' = −∇E at time T. */
  gradientFlow: [number, number];
  /** IGR flow θ' = −∇(E + (h/4)|∇E|²) (the order-2 modified equation) at time T. */
  igrFlow: [number, number];
  /** |θ_n − gradient flow(T)|₂. */
  distanceToGradientFlow: number;
  /** |θ_n − IGR flow(T)|₂. */
  distanceToIgrFlow: number;
  /** Balance |a| / |b| at the end of GD, the gradient flow and the IGR flow (1 is perfectly balanced). */
  balance: { gd: number; gradientFlow: number; igrFlow: number };
  /** a² + b² at the end: the nonzero Hessian eigenvalue at a minimum (smaller is flatter). */
  sharpness: { gd: number; gradientFlow: number; igrFlow: number };
  /** Loss E at the end of GD. */
  gdLoss: number;
  /** Largest |RK4 − Dormand–Prince| over both flows' endpoints: the reference integrators' disagreement. */
  referenceError: number;
}

function pair(v: Float64Array): [number, number] {
  return [v[0]!, v[1]!];
}

function distance(u: ArrayLike<number>, v: ArrayLike<number>): number {
  return Math.hypot(u[0]! - v[0]!, u[1]! - v[1]!);
}

/**
 * GD against the gradient flow and the IGR flow on the two-parameter model,
 * at each h in `hs`, compared at time T.
 */
export function twoParameterExperiment(options: TwoParameterOptions): TwoParameterRow[] {
  const { hs, T } = options;
  const theta0 = Float64Array.from(options.theta0 ?? PAPER_START);
  const rk4Steps = options.rk4Steps ?? Math.max(400, Math.ceil(400 * T));
  if (!(T > 0) || !Number.isFinite(T)) throw new Error(`twoParameterExperiment: T must be a positive finite number, got ${T}`);
  const loss = twoParameterLoss();
  const gradientField = gradientFlow(loss);
  const flow = (field: VectorField) => {
    const rk4 = integrate(field, theta0, { t1: T, steps: rk4Steps, method: 'rk4' });
    const dp = dormandPrince(field, theta0, { t1: T, rtol: 1e-12, atol: 1e-14 });
    return { y: rk4, disagreement: distance(rk4, dp.y) };
  };
  // The gradient flow does not depend on h: integrated once for every row.
  const gf = flow(gradientField);
  return hs.map((h) => {
    if (!(h > 0) || !Number.isFinite(h)) throw new Error(`twoParameterExperiment: h must be a positive finite number, got ${h}`);
    const steps = Math.round(T / h);
    if (Math.abs(steps * h - T) > 1e-9 * T) {
      throw new Error(`twoParameterExperiment: T / h = ${T / h} must be an integer (T = ${T}, h = ${h})`);
    }
    // Gradient descent is explicit Euler on −∇E with dt = h exactly (bit-identical to θ − h∇E).
    const gd = integrate(gradientField, theta0, { dt: h, steps, method: 'euler' });
    const igr = flow(modifiedField(loss, h, 2));
    const ratio = (v: ArrayLike<number>) => Math.abs(v[0]!) / Math.abs(v[1]!);
    const sharp = (v: ArrayLike<number>) => v[0]! ** 2 + v[1]! ** 2;
    return {
      h,
      T,
      steps,
      gd: pair(gd),
      gradientFlow: pair(gf.y),
      igrFlow: pair(igr.y),
      distanceToGradientFlow: distance(gd, gf.y),
      distanceToIgrFlow: distance(gd, igr.y),
      balance: { gd: ratio(gd), gradientFlow: ratio(gf.y), igrFlow: ratio(igr.y) },
      sharpness: { gd: sharp(gd), gradientFlow: sharp(gf.y), igrFlow: sharp(igr.y) },
      gdLoss: loss(tensor(gd)).item(),
      referenceError: Math.max(gf.disagreement, igr.disagreement),
    };
  });
}
