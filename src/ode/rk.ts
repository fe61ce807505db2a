/**
 * Fixed-step explicit Runge–Kutta integration: one generic stepper driven by a
 * {@link ButcherTableau}, with the final-state, statistics and trajectory forms on top.
 */

import { DEFAULT_BLOWUP, OdeError, badInput } from './errors.js';
import {
  embeddedTableaus,
  methodNames,
  tableaus,
  validateTableau,
  type ButcherTableau,
  type EmbeddedMethodName,
  type MethodName,
} from './tableau.js';

/** A vector field y' = f(t, y). It must return a new array (or at least not one it will reuse) and must not modify `y`. */
export type VectorField = (t: number, y: Float64Array) => Float64Array;

/**
 * A built-in method name, the name of a built-in embedded pair (`'dop853'`, `'dormandPrince54'`, …:
 * stepped at fixed size with its higher-order weights b), or any explicit tableau.
 */
export type Method = MethodName | EmbeddedMethodName | ButcherTableau;

/**
 * Fixed-step options. Give either `t1` (then `dt = (t1 - t0) / steps`, and the last step ends
 * exactly at `t1`) or `dt` (then every step has exactly this size, so Euler with `dt = h`
 * is bit-for-bit the update `y - h ∇E`). `t1 < t0` or `dt < 0` integrates backwards.
 */
export interface FixedStepOptions {
  /** Start time (default 0). */
  t0?: number;
  /** End time; exclusive with `dt`. */
  t1?: number;
  /** Step size; exclusive with `t1`. */
  dt?: number;
  /** Number of steps, a positive integer. */
  steps: number;
  /** Method name (default `'rk4'`) or a tableau. */
  method?: Method;
  /** A state component beyond this magnitude counts as blow-up (default 1e100; `Infinity` stops only at non-finite states). */
  blowup?: number;
}

/** Options of {@link integrateTrajectory}: record every `every`-th step. */
export interface TrajectoryOptions extends FixedStepOptions {
  /** Record steps 0, every, 2·every, ... and always the last step (default 1: every step). */
  every?: number;
}

/** Final state of a fixed-step integration with its cost. */
export interface IntegrationResult {
  /** The state at the end time. */
  y: Float64Array;
  /** Time reached (t1, or t0 + steps·dt). */
  t: number;
  /** Steps taken. */
  steps: number;
  /** Vector-field evaluations: steps × stages. */
  evaluations: number;
}

/** Recorded states of a fixed-step integration. */
export interface Trajectory {
  /** Times of the recorded states. */
  times: Float64Array;
  /** Recorded states (copies), `states[k]` at `times[k]`. */
  states: Float64Array[];
  /** Step index of each recorded state (0 is the initial state). */
  stepIndices: number[];
  /** Vector-field evaluations: steps × stages. */
  evaluations: number;
}

/** A validated time grid: step n ends at `timeAt(n)`. */
interface Grid {
  t0: number;
  dt: number;
  steps: number;
  t1: number | undefined;
}

/** Time of grid point n: t0 + n·dt, computed directly (one rounding, no accumulated drift), and exactly t1 at the end. */
function timeAt(grid: Grid, n: number): number {
  return n === grid.steps && grid.t1 !== undefined ? grid.t1 : grid.t0 + n * grid.dt;
}

/** A method name or tableau to a validated tableau (default RK4); bad-input errors are prefixed with `fn`. */
export function resolveMethod(method: Method | undefined, fn: string): ButcherTableau {
  if (method === undefined) return tableaus.rk4;
  const names = [...methodNames, ...Object.keys(embeddedTableaus)].join(', ');
  if (typeof method === 'string') {
    if (Object.prototype.hasOwnProperty.call(tableaus, method)) return tableaus[method as MethodName];
    if (Object.prototype.hasOwnProperty.call(embeddedTableaus, method)) return embeddedTableaus[method as EmbeddedMethodName];
    throw badInput(fn, `unknown method '${method}'; valid methods: ${names} (or pass a ButcherTableau)`);
  }
  if (method !== null && typeof method === 'object') return validateTableau(method, fn);
  throw badInput(fn, `method must be a method name (${names}) or a ButcherTableau, got ${String(method)}`);
}

/** Copies the initial state into a Float64Array after checking every component is finite. */
export function checkInitialState(y0: ArrayLike<number>, fn: string): Float64Array {
  if (y0 === null || typeof y0 !== 'object' || typeof y0.length !== 'number') {
    throw badInput(fn, `y0 must be a Float64Array (or array of numbers), got ${String(y0)}`);
  }
  const y = Float64Array.from(y0);
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i]!)) throw badInput(fn, `y0[${i}] is ${y[i]}; the initial state must be finite`);
  }
  return y;
}

/** The blow-up threshold option, validated (default {@link DEFAULT_BLOWUP}). */
export function checkBlowup(blowup: number | undefined, fn: string): number {
  if (blowup === undefined) return DEFAULT_BLOWUP;
  if (typeof blowup !== 'number' || !(blowup > 0)) throw badInput(fn, `blowup must be a positive number (or Infinity), got ${String(blowup)}`);
  return blowup;
}

function resolveGrid(options: FixedStepOptions, fn: string): Grid {
  if (options === null || typeof options !== 'object') throw badInput(fn, 'options { t1 | dt, steps } are required');
  const { t0 = 0, t1, dt, steps } = options;
  if (typeof steps !== 'number' || !Number.isInteger(steps) || steps < 1) {
    throw badInput(fn, `steps must be a positive integer, got ${String(steps)}`);
  }
  if (typeof t0 !== 'number' || !Number.isFinite(t0)) throw badInput(fn, `t0 must be a finite number, got ${String(t0)}`);
  if (t1 !== undefined && dt !== undefined) throw badInput(fn, `give either t1 or dt, not both (got t1 = ${t1}, dt = ${dt})`);
  if (t1 !== undefined) {
    if (typeof t1 !== 'number' || !Number.isFinite(t1)) throw badInput(fn, `t1 must be a finite number, got ${String(t1)}`);
    const dt = (t1 - t0) / steps;
    if (!Number.isFinite(dt)) throw badInput(fn, `t1 - t0 = ${t1 - t0} overflows; the interval must be finite`);
    return { t0, dt, steps, t1 };
  }
  if (dt !== undefined) {
    if (typeof dt !== 'number' || !Number.isFinite(dt)) throw badInput(fn, `dt must be a finite number, got ${String(dt)}`);
    if (!Number.isFinite(t0 + steps * dt)) throw badInput(fn, `the end time t0 + steps·dt = ${t0 + steps * dt} is not finite`);
    return { t0, dt, steps, t1: undefined };
  }
  throw badInput(fn, 'give the end time t1 or the step size dt');
}

/**
 * Calls the field and copies its value into `into`, checking length and finiteness in the
 * same pass (so the hot loop makes one pass over the field's output, and a field that
 * returns a reused buffer, or its own input, cannot corrupt the stages).
 */
export function evaluateInto(field: VectorField, t: number, y: Float64Array, into: Float64Array, step: number): void {
  const k = field(t, y) as ArrayLike<number> | undefined;
  const n = into.length;
  if (k === null || typeof k !== 'object' || k.length !== n) {
    const got = k === null || typeof k !== 'object' ? String(k) : `length ${String(k.length)}`;
    throw new OdeError(
      'wrong-length',
      `vector field returned ${got}, expected a Float64Array of length ${n} (the state's length), at step ${step}, t = ${t}`,
      { step, t },
    );
  }
  let bad = false;
  for (let i = 0; i < n; i++) {
    const v = k[i]!;
    into[i] = v;
    // v - v is 0 for finite v, NaN for NaN and ±Infinity: one test, no branch per kind.
    if (v - v !== 0) bad = true;
  }
  if (bad) {
    let i = 0;
    while (into[i]! - into[i]! === 0) i++;
    throw new OdeError(
      'nonfinite',
      `vector field returned a non-finite value (component ${i} is ${into[i]}) at step ${step}, t = ${t}`,
      { step, t, component: i },
    );
  }
}

/** False for NaN (comparisons with NaN fail), for ±Infinity even when blowup = Infinity, and beyond the threshold. */
function withinBounds(v: number, blowup: number): boolean {
  const a = Math.abs(v);
  return a <= blowup && a < Infinity;
}

/** Checks a freshly computed state: non-finite or beyond the blow-up threshold is an error naming the step and time. */
export function checkState(y: Float64Array, blowup: number, step: number, t: number): void {
  let bad = false;
  for (let i = 0; i < y.length; i++) if (!withinBounds(y[i]!, blowup)) bad = true;
  if (!bad) return;
  let i = 0;
  while (withinBounds(y[i]!, blowup)) i++;
  const what = Number.isFinite(y[i]!) ? `|y[${i}]| = ${Math.abs(y[i]!).toExponential(3)} exceeds the blow-up threshold ${blowup}` : `y[${i}] is ${y[i]}`;
  throw new OdeError('blowup', `solution blew up at step ${step}, t = ${t}: ${what}`, { step, t, component: i });
}

/**
 * out[p] = y[p] + dt · Σ_q w_q k_{j_q}[p] over the nonzero weights, for every component p, and
 * returns whether every out[p] lies within ±limit (limit ≤ Number.MAX_VALUE, so that also means
 * finite; NaN fails the comparison). The sum starts from its first term, not from 0, so with one
 * weight 1 (Euler) this is exactly y + dt·k, signed zeros included. One to four terms are
 * unrolled (every built-in stage and weight row), which keeps the hot loop free of indirection.
 */
function combine(
  out: Float64Array, y: Float64Array, dt: number,
  w: Float64Array, idx: Int32Array, k: Float64Array[], limit: number,
): boolean {
  const n = out.length;
  const m = idx.length;
  let ok = true;
  if (m === 1) {
    const w0 = w[0]!, k0 = k[idx[0]!]!;
    for (let p = 0; p < n; p++) {
      const v = y[p]! + dt * (w0 * k0[p]!);
      out[p] = v;
      if (!(Math.abs(v) <= limit)) ok = false;
    }
  } else if (m === 2) {
    const w0 = w[0]!, w1 = w[1]!, k0 = k[idx[0]!]!, k1 = k[idx[1]!]!;
    for (let p = 0; p < n; p++) {
      const v = y[p]! + dt * (w0 * k0[p]! + w1 * k1[p]!);
      out[p] = v;
      if (!(Math.abs(v) <= limit)) ok = false;
    }
  } else if (m === 3) {
    const w0 = w[0]!, w1 = w[1]!, w2 = w[2]!, k0 = k[idx[0]!]!, k1 = k[idx[1]!]!, k2 = k[idx[2]!]!;
    for (let p = 0; p < n; p++) {
      const v = y[p]! + dt * (w0 * k0[p]! + w1 * k1[p]! + w2 * k2[p]!);
      out[p] = v;
      if (!(Math.abs(v) <= limit)) ok = false;
    }
  } else if (m === 4) {
    const w0 = w[0]!, w1 = w[1]!, w2 = w[2]!, w3 = w[3]!;
    const k0 = k[idx[0]!]!, k1 = k[idx[1]!]!, k2 = k[idx[2]!]!, k3 = k[idx[3]!]!;
    for (let p = 0; p < n; p++) {
      const v = y[p]! + dt * (w0 * k0[p]! + w1 * k1[p]! + w2 * k2[p]! + w3 * k3[p]!);
      out[p] = v;
      if (!(Math.abs(v) <= limit)) ok = false;
    }
  } else if (m === 0) {
    for (let p = 0; p < n; p++) {
      const v = y[p]!;
      out[p] = v;
      if (!(Math.abs(v) <= limit)) ok = false;
    }
  } else {
    for (let p = 0; p < n; p++) {
      let acc = w[0]! * k[idx[0]!]![p]!;
      for (let q = 1; q < m; q++) acc += w[q]! * k[idx[q]!]![p]!;
      const v = y[p]! + dt * acc;
      out[p] = v;
      if (!(Math.abs(v) <= limit)) ok = false;
    }
  }
  return ok;
}

/** The nonzero entries of a row: their indices and values, for {@link combine}. */
function sparseRow(row: readonly number[]): { idx: Int32Array; w: Float64Array } {
  const idx = row.flatMap((x, j) => (x !== 0 ? [j] : []));
  return { idx: Int32Array.from(idx), w: Float64Array.from(idx, (j) => row[j]!) };
}

/**
 * The generic explicit Runge–Kutta stepper, with its stage buffers allocated once.
 * A step allocates nothing beyond the arrays the vector field itself returns.
 */
export class RungeKuttaStepper {
  readonly tableau: ButcherTableau;
  readonly dimension: number;
  private readonly c: Float64Array;
  /** Per stage, the nonzero a_ij (j < i); and the nonzero weights b_j. */
  private readonly aRows: { idx: Int32Array; w: Float64Array }[];
  private readonly bRow: { idx: Int32Array; w: Float64Array };
  private readonly k: Float64Array[];
  private readonly stage: Float64Array;

  /** `tableau` must already be valid (see {@link validateTableau}). */
  constructor(tableau: ButcherTableau, dimension: number) {
    this.tableau = tableau;
    this.dimension = dimension;
    this.c = Float64Array.from(tableau.c);
    this.aRows = tableau.a.map(sparseRow);
    this.bRow = sparseRow(tableau.b);
    this.k = Array.from({ length: tableau.stages }, () => new Float64Array(dimension));
    this.stage = new Float64Array(dimension);
  }

  /**
   * One step of size `dt` from (t, y) into `out` (which may not alias `y`):
   * k_i = f(t + c_i dt, y + dt Σ_j a_ij k_j), out = y + dt Σ_i b_i k_i.
   * Each sum is formed per component before the one multiplication by dt, so explicit Euler
   * computes exactly y + dt·f(y). `step` (1-based) only labels errors. Returns false when some
   * component of `out` is non-finite or beyond `limit` (pass at most Number.MAX_VALUE).
   */
  step(field: VectorField, t: number, dt: number, y: Float64Array, out: Float64Array, step: number, limit = Number.MAX_VALUE): boolean {
    const { c, k, stage, aRows } = this;
    for (let i = 0; i < k.length; i++) {
      const row = aRows[i]!;
      // Stage values are finite (k and y are): Infinity as the limit skips no check that matters.
      if (row.idx.length > 0) combine(stage, y, dt, row.w, row.idx, k, Infinity);
      evaluateInto(field, t + c[i]! * dt, row.idx.length > 0 ? stage : y, k[i]!, step);
    }
    return combine(out, y, dt, this.bRow.w, this.bRow.idx, k, limit);
  }
}

/** Shared driver: validates, then steps, handing each new state to `visit`. */
function run(
  field: VectorField,
  y0: ArrayLike<number>,
  options: FixedStepOptions,
  fn: string,
  visit: (n: number, t: number, y: Float64Array) => void,
): IntegrationResult {
  if (typeof field !== 'function') throw badInput(fn, `field must be a function (t, y) => Float64Array, got ${typeof field}`);
  const grid = resolveGrid(options, fn);
  const tableau = resolveMethod(options.method, fn);
  const blowup = checkBlowup(options.blowup, fn);
  // |v| ≤ limit means both finite and within the threshold.
  const limit = Math.min(blowup, Number.MAX_VALUE);
  let y: Float64Array = checkInitialState(y0, fn);
  let next: Float64Array = new Float64Array(y.length);
  const stepper = new RungeKuttaStepper(tableau, y.length);
  visit(0, grid.t0, y);
  for (let n = 1; n <= grid.steps; n++) {
    const t = timeAt(grid, n);
    if (!stepper.step(field, timeAt(grid, n - 1), grid.dt, y, next, n, limit)) checkState(next, blowup, n, t);
    const swap = y;
    y = next;
    next = swap;
    visit(n, t, y);
  }
  return { y, t: timeAt(grid, grid.steps), steps: grid.steps, evaluations: grid.steps * tableau.stages };
}

/**
 * Integrates y' = f(t, y) from `y0` with a fixed-step explicit Runge–Kutta method and returns the
 * final state with the step count and the number of field evaluations.
 * @throws {OdeError} on bad input, a field value of the wrong length or non-finite, or blow-up.
 */
export function integrateWithStats(field: VectorField, y0: ArrayLike<number>, options: FixedStepOptions): IntegrationResult {
  return run(field, y0, options, 'integrate', () => {});
}

/**
 * Integrates y' = f(t, y) from `y0` with a fixed-step explicit Runge–Kutta method (default RK4)
 * and returns the final state. See {@link FixedStepOptions} for `t1` versus `dt`.
 * @example integrate((t, y) => Float64Array.of(-y[0]), [1], { t1: 1, steps: 100 })  // ≈ [e^-1]
 * @throws {OdeError} on bad input, a field value of the wrong length or non-finite, or blow-up.
 */
export function integrate(field: VectorField, y0: ArrayLike<number>, options: FixedStepOptions): Float64Array {
  return run(field, y0, options, 'integrate', () => {}).y;
}

/**
 * Like {@link integrate}, but records the initial state and every `every`-th state (and always
 * the last) with their times. Gradient descent is `integrateTrajectory((t, θ) => -∇E(θ), θ0,
 * { dt: h, steps: n, method: 'euler' })`: its states are the iterates, bit for bit.
 * @throws {OdeError} as {@link integrate}; `step` names the first step whose result failed.
 */
export function integrateTrajectory(field: VectorField, y0: ArrayLike<number>, options: TrajectoryOptions): Trajectory {
  const fn = 'integrateTrajectory';
  const every = options?.every ?? 1;
  if (typeof every !== 'number' || !Number.isInteger(every) || every < 1) {
    throw badInput(fn, `every must be a positive integer, got ${String(every)}`);
  }
  const times: number[] = [];
  const states: Float64Array[] = [];
  const stepIndices: number[] = [];
  const steps = options?.steps;
  let result;
  try {
    result = run(field, y0, options, fn, (n, t, y) => {
      if (n % every === 0 || n === steps) {
        times.push(t);
        states.push(y.slice());
        stepIndices.push(n);
      }
    });
  } catch (error) {
    if (error instanceof OdeError && error.step !== undefined) error.partial = { times: Float64Array.from(times), states, stepIndices };
    throw error;
  }
  return { times: Float64Array.from(times), states, stepIndices, evaluations: result.evaluations };
}
