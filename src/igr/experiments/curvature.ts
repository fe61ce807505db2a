/**
 * Curvature along and at the end of training runs (issue 12 §2): λ_max of the training loss's
 * Hessian by Lanczos (src/curvature's `hessianEigs`, seeded, with residual certificates) every N
 * steps, printed as h·λ_max/2 (1 is gradient descent's stability limit: along the top eigenvector
 * GD multiplies the error by 1 − hλ_max each step), and λ_max with the Hutchinson trace at the end.
 *
 * The work is bounded before a run starts: every measurement takes at most
 * {@link sharpnessLanczosCap}(k) HVPs plus k certificates, and the number of measurements is known
 * from the stop rule, so {@link sharpnessWorkBound} is an upper bound on the HVPs spent.
 */
import { CurvatureError, hessianEigs, hessianTrace } from '../../curvature/index.js';
import type { ScalarFn } from '../../autodiff/index.js';
import { SHARPNESS_TOL, sharpnessLanczosCap } from './config.js';
import { finiteOrNull } from './measure.js';
import type { EndCurvature, EndCurvatureSpec, SharpnessPoint, SharpnessSpec } from './types.js';

export {
  SHARPNESS_TOL,
  MAX_SHARPNESS_K,
  DEFAULT_MAX_SHARPNESS_HVPS,
  MAX_TRACE_SAMPLES,
  DEFAULT_SWEEP_TRACE_SAMPLES,
  sharpnessLanczosCap,
  maxRunSteps,
  sharpnessMeasurements,
  sharpnessWorkBound,
} from './config.js';

/** The seed of a run's Lanczos start vectors and Hutchinson probes: the run's seed, offset so it is not the init stream. */
export function curvatureSeed(seed: number): number {
  return (seed + 0x5eed) >>> 0;
}

/**
 * Measures λ_max (and the top k) of `loss` along a run, each measurement after the first
 * warm-started from the previous top Ritz vectors (their sum), so that a slowly turning top
 * eigenvector costs a few HVPs.
 */
export class SharpnessTracker {
  readonly points: SharpnessPoint[] = [];
  hvps = 0;
  private start: Float64Array | null = null;
  private readonly cap: number;

  constructor(
    private readonly loss: ScalarFn,
    private readonly spec: Pick<SharpnessSpec, 'every' | 'k'>,
    private readonly seed: number,
  ) {
    this.cap = sharpnessLanczosCap(spec.k);
  }

  /** Whether step `step` is on the measurement grid. */
  due(step: number): boolean {
    return step % this.spec.every === 0;
  }

  /** The step of the last measurement, or −1. */
  get lastStep(): number {
    return this.points.at(-1)?.step ?? -1;
  }

  /** Measures at θ_step (whose loss is `loss`); returns the point it stored. */
  measure(step: number, loss: number, theta: Float64Array): SharpnessPoint {
    const k = Math.min(this.spec.k, theta.length);
    let r;
    try {
      r = hessianEigs(this.loss, theta, {
        k,
        tol: SHARPNESS_TOL,
        maxIter: this.cap,
        seed: this.seed,
        ...(this.start ? { start: this.start } : {}),
      });
    } catch (error) {
      // A Hessian that overflows on the way to a divergence is a measurement that failed, not a crash.
      if (!(error instanceof CurvatureError && error.kind === 'nonfinite')) throw error;
      const point: SharpnessPoint = { step, loss: finiteOrNull(loss), lambdaMax: null, hvps: 0, converged: false };
      this.points.push(point);
      return point;
    }
    this.hvps += r.hvps;
    const next = new Float64Array(theta.length);
    for (const v of r.vectors) for (let i = 0; i < next.length; i++) next[i] += v[i]!;
    this.start = next.some((x) => x !== 0) ? next : null;
    const point: SharpnessPoint = {
      step,
      loss: finiteOrNull(loss),
      lambdaMax: finiteOrNull(r.values[0] ?? NaN),
      ...(k > 1 ? { values: r.values.map(finiteOrNull), residuals: r.residuals.map(finiteOrNull) } : { residuals: [finiteOrNull(r.residuals[0] ?? NaN)] }),
      hvps: r.hvps,
      converged: r.converged,
    };
    this.points.push(point);
    return point;
  }
}

/** λ_max by Lanczos and, with `traceSamples` ≥ 2, the Hutchinson trace of the Hessian of `loss` at θ. */
export function endCurvature(loss: ScalarFn, theta: Float64Array, spec: EndCurvatureSpec, seed: number): EndCurvature {
  const top = hessianEigs(loss, theta, { k: 1, tol: SHARPNESS_TOL, maxIter: sharpnessLanczosCap(1), seed: curvatureSeed(seed) });
  let trace: number | null = null;
  let traceStderr: number | null = null;
  let hvps = top.hvps;
  if (spec.traceSamples >= 2) {
    const t = hessianTrace(loss, theta, { samples: spec.traceSamples, seed: curvatureSeed(seed) + 1 });
    trace = finiteOrNull(t.estimate);
    traceStderr = finiteOrNull(t.stderr);
    hvps += t.hvps;
  }
  return {
    lambdaMax: finiteOrNull(top.values[0] ?? NaN),
    lambdaMaxResidual: finiteOrNull(top.residuals[0] ?? NaN),
    trace,
    traceStderr,
    traceSamples: spec.traceSamples >= 2 ? spec.traceSamples : 0,
    hvps,
  };
}
