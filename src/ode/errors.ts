/**
 * The one error type of the ODE layer. Callers (gradient descent in `src/igr`)
 * catch it to report a diverged run with the step at which it diverged.
 */

/**
 * What went wrong:
 * - `nonfinite`: the vector field returned NaN or ±Infinity (at `step`, stage time `t`).
 * - `blowup`: the solution left the finite range the solver trusts: after step `step`
 *   (ending at time `t`) some component is non-finite or has `|y_i| > blowup`
 *   (default {@link DEFAULT_BLOWUP} = 1e100).
 * - `wrong-length`: the vector field returned an array whose length differs from the state's.
 * - `max-steps`: the adaptive solver used its whole step budget before reaching `t1`.
 * - `step-size`: the adaptive solver's step shrank below what float64 time can resolve
 *   (a singularity or extreme stiffness near `t`).
 * - `bad-input`: the arguments were invalid (steps, times, initial state, method, tableau, tolerances).
 */
export type OdeErrorKind = 'nonfinite' | 'blowup' | 'wrong-length' | 'max-steps' | 'step-size' | 'bad-input';

/** Default blow-up threshold: a state component beyond this magnitude counts as diverged. */
export const DEFAULT_BLOWUP = 1e100;

/** Thrown by every solver in `src/ode` on bad input or a failed integration. */
export class OdeError extends Error {
  override name = 'OdeError';
  /** The category of failure, for programmatic handling. */
  readonly kind: OdeErrorKind;
  /**
   * 1-based index of the step during which the failure happened (step n maps y_{n-1} to y_n),
   * so `step - 1` steps completed cleanly. Absent for `bad-input`.
   */
  readonly step?: number;
  /** Time of the failure: the stage time of the offending field evaluation, or the end time of the step that blew up. */
  readonly t?: number;
  /** Index of the offending state or field component, when there is one. */
  readonly component?: number;
  /**
   * From `integrateTrajectory`: the states recorded before the failure (every `every`-th step up
   * to step − 1), so a caller can use the finite part without integrating again.
   */
  partial?: { times: Float64Array; states: Float64Array[]; stepIndices: number[] };

  constructor(kind: OdeErrorKind, message: string, where: { step?: number; t?: number; component?: number } = {}) {
    super(message);
    this.kind = kind;
    if (where.step !== undefined) this.step = where.step;
    if (where.t !== undefined) this.t = where.t;
    if (where.component !== undefined) this.component = where.component;
  }
}

/** A bad-input error: one helper so every message starts with the function that rejected the input. */
export function badInput(fn: string, message: string): OdeError {
  return new OdeError('bad-input', `${fn}: ${message}`);
}
