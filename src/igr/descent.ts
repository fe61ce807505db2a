/**
 * Gradient descent as what it is: explicit Euler with step h on the gradient flow θ' = −∇E
 * (README.md, "The mathematics"), run by the ODE module's fixed-step integrator, so that backward error analysis
 * of Euler applies to it verbatim.
 */
import { grad, tensor, type ScalarFn } from '../autodiff/index.js';
import { integrateTrajectory, OdeError, type VectorField } from '../ode/index.js';
import { IgrError } from './types.js';

/**
 * Gradient descent left every reasonable range: `step` is the first iterate (1-based) that was bad;
 * `iterates` holds the finite ones before it, θ_0..θ_{step−1}, when the optimiser kept them (so a
 * caller can show where the run went without running it again).
 */
export class DivergenceError extends IgrError {
  override name = 'DivergenceError';
  constructor(
    readonly h: number,
    readonly step: number,
    detail: string,
    readonly iterates: Float64Array[] | null = null,
  ) {
    super(`gradient descent with h = ${h} diverged at step ${step}: ${detail}`);
  }
}

/** The gradient flow θ' = −∇E(θ) as an ODE right-hand side. */
export function gradientFlow(loss: ScalarFn): VectorField {
  const g = grad(loss);
  return (_t, y) => {
    const d = g(tensor(y, [y.length])).data;
    const out = new Float64Array(d.length);
    for (let i = 0; i < d.length; i++) out[i] = -d[i]!; // negation is exact: Euler stays bit-identical to θ − h∇E
    return out;
  };
}

/**
 * The default divergence threshold of every optimiser run from θ0: 1e6 · (1 + max|θ0_i|). Past
 * its stability limit an optimiser grows geometrically, so any large threshold catches it; a finite
 * one avoids reporting astronomically wrong numbers.
 */
export function divergenceThreshold(theta0: Float64Array | readonly number[]): number {
  let scale = 0;
  for (const v of theta0) scale = Math.max(scale, Math.abs(v));
  return 1e6 * (1 + scale);
}

/** Options of {@link gradientDescent}. */
export interface GradientDescentOptions {
  /**
   * An iterate with a component beyond this magnitude counts as diverged;
   * default 1e6 · (1 + max|θ0_i|) (GD past its stability limit grows geometrically, so any large
   * threshold catches it; a finite threshold avoids reporting astronomically wrong numbers).
   */
  divergenceThreshold?: number;
}

/**
 * Gradient descent θ_{k+1} = θ_k − h ∇E(θ_k) for `steps` steps from θ0: the iterates θ_0..θ_steps.
 * Computed as explicit Euler (dt = h exactly) on −∇E by the ODE module, bit-identical to the update.
 * @throws DivergenceError with the step at which an iterate became non-finite or exceeded the threshold.
 */
export function gradientDescent(
  loss: ScalarFn,
  theta0: Float64Array | readonly number[],
  h: number,
  steps: number,
  options: GradientDescentOptions = {},
): Float64Array[] {
  if (!(h > 0) || !Number.isFinite(h)) throw new IgrError(`gradientDescent: h must be a finite number > 0, got ${h}`);
  if (!Number.isInteger(steps) || steps < 0) throw new IgrError(`gradientDescent: steps must be an integer ≥ 0, got ${steps}`);
  const start = Float64Array.from(theta0);
  start.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new IgrError(`gradientDescent: θ0[${i}] = ${v} is not finite`);
  });
  if (steps === 0) return [start];
  const blowup = options.divergenceThreshold ?? divergenceThreshold(start);
  try {
    return integrateTrajectory(gradientFlow(loss), start, { t0: 0, dt: h, steps, method: 'euler', blowup }).states;
  } catch (e) {
    if (e instanceof OdeError && e.kind !== 'bad-input' && e.step !== undefined) {
      const detail = e.kind === 'nonfinite' ? 'the gradient is not finite' : `an iterate left |θ_i| ≤ ${blowup.toExponential(1)}`;
      throw new DivergenceError(h, e.step, detail, e.partial?.states ?? null);
    }
    throw e;
  }
}
