/**
 * Adaptive integration with an embedded Runge–Kutta pair (default Dormand–Prince 5(4)):
 * the independent check on the fixed-step reference solutions of the verification.
 *
 * Step-size control follows Hairer–Nørsett–Wanner, *Solving ODEs I*, §II.4: the local error
 * estimate e = h Σ (b_i - b̂_i) k_i is measured in the scaled RMS norm
 *
 *     err = sqrt( (1/n) Σ_i ( e_i / (atol + rtol · max(|y_i|, |y_new,i|)) )² )
 *
 * a step is accepted when err ≤ 1, and the next step is h · min(10, max(0.2, 0.9 · err^(-1/q)))
 * with q = min(order, embedded order) + 1 (no growth right after a rejection). The solution
 * advances with the higher-order weights b (local extrapolation). A pair with a second, lower-
 * order embedded solution (DOP853) blends the two estimates as Hairer's dop853.f does,
 * err = ‖e‖² / √(‖e‖² + 0.01 ‖e_low‖²), which is O(h^order), and uses q = order. The root
 * err^(-1/q) is taken with basic arithmetic only (./root.ts), so a solve gives the same bits in
 * every JavaScript engine (Math.pow does not).
 */

import { OdeError, badInput } from './errors.js';
import { inverseRoot, root } from './root.js';
import { checkBlowup, checkInitialState, checkState, evaluateInto, type VectorField } from './rk.js';
import { embeddedTableaus, validateTableau, type EmbeddedMethodName, type EmbeddedTableau } from './tableau.js';

/** Options of {@link dormandPrince} and {@link integrateAdaptive}. */
export interface AdaptiveOptions {
  /** Start time (default 0). */
  t0?: number;
  /** End time; t1 < t0 integrates backwards. */
  t1: number;
  /** Relative tolerance (default 1e-10), ≥ 0. */
  rtol?: number;
  /** Absolute tolerance (default 1e-12), > 0 (it keeps the error scale positive where y passes through 0). */
  atol?: number;
  /** Cap on attempted steps, accepted plus rejected (default 1e6). */
  maxSteps?: number;
  /** Size of the first step attempt (default: chosen by Hairer's starting-step algorithm, one extra evaluation). */
  h0?: number;
  /** Embedded pair (default `'dormandPrince54'`). */
  method?: EmbeddedMethodName | EmbeddedTableau;
  /** A state component beyond this magnitude counts as blow-up (default 1e100). */
  blowup?: number;
}

/** Result of an adaptive integration. */
export interface AdaptiveResult {
  /** The state at t1. */
  y: Float64Array;
  /** Accepted steps. */
  steps: number;
  /** Rejected step attempts. */
  rejected: number;
  /** Vector-field evaluations, including the starting-step selection. */
  evaluations: number;
  /** Signed size of the last accepted step (the final one may be shortened to land on t1). */
  lastStepSize: number;
}

const SAFETY = 0.9;
const FAC_MIN = 0.2;
const FAC_MAX = 10;

function resolveEmbedded(method: EmbeddedMethodName | EmbeddedTableau | undefined, fn: string): EmbeddedTableau {
  const names = Object.keys(embeddedTableaus);
  if (method === undefined) return embeddedTableaus.dormandPrince54;
  if (typeof method === 'string') {
    if (Object.prototype.hasOwnProperty.call(embeddedTableaus, method)) return embeddedTableaus[method as EmbeddedMethodName];
    throw badInput(fn, `unknown embedded method '${method}'; valid methods: ${names.join(', ')} (or pass an EmbeddedTableau)`);
  }
  if (method === null || typeof method !== 'object' || !('bHat' in method)) {
    throw badInput(fn, `method must be one of ${names.join(', ')} or an EmbeddedTableau (a ButcherTableau with bHat and embeddedOrder)`);
  }
  return validateTableau(method, fn);
}

function checkTolerances(options: AdaptiveOptions, fn: string): { rtol: number; atol: number; maxSteps: number } {
  const { rtol = 1e-10, atol = 1e-12, maxSteps = 1e6 } = options;
  if (typeof rtol !== 'number' || !Number.isFinite(rtol) || rtol < 0) throw badInput(fn, `rtol must be a finite number ≥ 0, got ${String(rtol)}`);
  if (typeof atol !== 'number' || !Number.isFinite(atol) || !(atol > 0)) throw badInput(fn, `atol must be a finite number > 0, got ${String(atol)}`);
  if (typeof maxSteps !== 'number' || !Number.isInteger(maxSteps) || maxSteps < 1) {
    throw badInput(fn, `maxSteps must be a positive integer, got ${String(maxSteps)}`);
  }
  return { rtol, atol, maxSteps };
}

function maxAbs(v: Float64Array): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]!));
  return m;
}

/** Scaled RMS norm of v with weights atol + rtol·max(|y_i|, |z_i|). */
function scaledNorm(v: Float64Array, y: Float64Array, z: Float64Array, rtol: number, atol: number): number {
  const n = v.length;
  if (n === 0) return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const r = v[i]! / (atol + rtol * Math.max(Math.abs(y[i]!), Math.abs(z[i]!)));
    sum += r * r;
  }
  return Math.sqrt(sum / n);
}

/**
 * Integrates y' = f(t, y) from t0 to t1 with an embedded Runge–Kutta pair and automatic step
 * size control (default Dormand–Prince 5(4), rtol 1e-10, atol 1e-12).
 * @throws {OdeError} `bad-input`; `max-steps` when `maxSteps` attempts do not reach t1;
 *   `step-size` when the step falls below float64 time resolution; `nonfinite`,
 *   `wrong-length` and `blowup` as the fixed-step solvers (with the 1-based step and time).
 */
export function integrateAdaptive(field: VectorField, y0: ArrayLike<number>, options: AdaptiveOptions): AdaptiveResult {
  return adaptive(field, y0, options, 'integrateAdaptive');
}

/** The adaptive driver; `fn` names the public function in error messages. */
function adaptive(field: VectorField, y0: ArrayLike<number>, options: AdaptiveOptions, fn: string): AdaptiveResult {
  if (typeof field !== 'function') throw badInput(fn, `field must be a function (t, y) => Float64Array, got ${typeof field}`);
  if (options === null || typeof options !== 'object') throw badInput(fn, 'options { t1 } are required');
  const { t0 = 0, t1, h0 } = options;
  if (typeof t0 !== 'number' || !Number.isFinite(t0)) throw badInput(fn, `t0 must be a finite number, got ${String(t0)}`);
  if (typeof t1 !== 'number' || !Number.isFinite(t1)) throw badInput(fn, `t1 must be a finite number, got ${String(t1)}`);
  if (h0 !== undefined && (typeof h0 !== 'number' || !Number.isFinite(h0) || !(h0 > 0))) {
    throw badInput(fn, `h0 must be a finite number > 0 (its sign follows t1 - t0), got ${String(h0)}`);
  }
  const { rtol, atol, maxSteps } = checkTolerances(options, fn);
  const tab = resolveEmbedded(options.method, fn);
  const blowup = checkBlowup(options.blowup, fn);
  let y: Float64Array = checkInitialState(y0, fn);
  const n = y.length;
  if (t1 === t0) return { y, steps: 0, rejected: 0, evaluations: 0, lastStepSize: 0 };

  const s = tab.stages;
  const a = tab.a;
  const c = tab.c;
  const b = Float64Array.from(tab.b);
  const e = Float64Array.from(tab.b, (x, i) => x - tab.bHat[i]!);
  // A second, lower-order estimate (DOP853): blended with the first, see EmbeddedTableau.bHatLow.
  const eLow = tab.bHatLow === undefined ? null : Float64Array.from(tab.b, (x, i) => x - tab.bHatLow![i]!);
  // First same as last: the last stage is evaluated at (t + h, y_new), so it is the next step's k_1.
  const fsal = c[s - 1] === 1 && a[s - 1]!.every((x, j) => x === tab.b[j]) && tab.b[s - 1] === 0;
  const q = eLow === null ? Math.min(tab.order, tab.embeddedOrder) + 1 : tab.order;
  /** Stages evaluated at intermediate points: all but the FSAL stage. */
  const sNew = fsal ? s - 1 : s;
  const k = Array.from({ length: s }, () => new Float64Array(n));
  const stage = new Float64Array(n);
  let next: Float64Array = new Float64Array(n);
  const errVec = new Float64Array(n);
  const errLow = new Float64Array(n);
  const dir = t1 > t0 ? 1 : -1;
  const span = Math.abs(t1 - t0);

  let evaluations = 0;
  let steps = 0;
  let rejected = 0;
  evaluateInto(field, t0, y, k[0]!, 1);
  evaluations++;

  // Starting step (Hairer–Nørsett–Wanner §II.4, "Starting step size"): h with h^(p+1)·max(|f'|, |f|/|y|...) ≈ 0.01.
  let h: number;
  if (h0 !== undefined) {
    h = Math.min(h0, span);
  } else {
    const zero = new Float64Array(n);
    const d0 = scaledNorm(y, y, zero, rtol, atol);
    const d1 = scaledNorm(k[0]!, y, zero, rtol, atol);
    // Scaled norms overflow when the weights underflow (atol 1e-300 with rtol 0): start small then.
    let hTry = d0 < 1e-5 || d1 < 1e-5 || !Number.isFinite(d0 / d1) ? 1e-6 : 0.01 * (d0 / d1);
    hTry = Math.min(hTry, span);
    for (let i = 0; i < n; i++) stage[i] = y[i]! + dir * hTry * k[0]![i]!;
    evaluateInto(field, t0 + dir * hTry, stage, k[1]!, 1);
    evaluations++;
    for (let i = 0; i < n; i++) errVec[i] = (k[1]![i]! - k[0]![i]!) / hTry;
    const d2 = scaledNorm(errVec, y, zero, rtol, atol);
    const dMax = Math.max(d1, d2);
    const h1 = dMax <= 1e-15 || !Number.isFinite(dMax) ? Math.max(1e-6, hTry * 1e-3) : root(0.01 / dMax, tab.order + 1);
    h = Math.min(100 * hTry, h1, span);
  }

  // Time is carried as an unevaluated sum t + tLow (TwoSum compensation): the state's exact time
  // is t0 + Σ h, and plain summation would drift by up to steps·ulp(t)/2, which the last step
  // (h = t1 - t) would turn into an error of |f|·drift in y — 1e-12 relative after 10^4 steps.
  let t = t0;
  let tLow = 0;
  let lastStepSize = 0;
  let justRejected = false;
  for (;;) {
    if (steps + rejected >= maxSteps) {
      throw new OdeError(
        'max-steps',
        `${fn}: reached maxSteps = ${maxSteps} (${steps} accepted, ${rejected} rejected) at t = ${t} before t1 = ${t1}; ` +
          `raise maxSteps or loosen rtol/atol (rtol = ${rtol}, atol = ${atol})`,
        { step: steps + 1, t },
      );
    }
    // Below ~16 ulp of t the step no longer changes t meaningfully: a singularity or extreme stiffness.
    if (h < 16 * Number.EPSILON * Math.max(Math.abs(t), Number.MIN_VALUE)) {
      throw new OdeError(
        'step-size',
        `${fn}: step size ${h.toExponential(3)} fell below float64 time resolution at t = ${t} (step ${steps + 1}); ` +
          `the solution probably has a singularity or is too stiff near t = ${t}`,
        { step: steps + 1, t },
      );
    }
    // Land exactly on t1; also stretch a step that would leave a sliver shorter than 1% of h.
    let last = false;
    let hs = dir * h;
    const remaining = t1 - t - tLow;
    if (Math.abs(remaining) <= 1.01 * h) {
      hs = remaining;
      last = true;
    }
    const step = steps + 1;
    for (let i = 1; i < sNew; i++) {
      const row = a[i]!;
      for (let p = 0; p < n; p++) {
        let acc = 0;
        for (let j = 0; j < i; j++) acc += row[j]! * k[j]![p]!;
        stage[p] = y[p]! + hs * acc;
      }
      evaluateInto(field, t + c[i]! * hs, stage, k[i]!, step);
      evaluations++;
    }
    for (let p = 0; p < n; p++) {
      let acc = 0;
      let err = 0;
      for (let j = 0; j < sNew; j++) {
        acc += b[j]! * k[j]![p]!;
        err += e[j]! * k[j]![p]!;
      }
      next[p] = y[p]! + hs * acc;
      errVec[p] = hs * err;
    }
    if (eLow !== null) {
      for (let p = 0; p < n; p++) {
        let err = 0;
        for (let j = 0; j < sNew; j++) err += eLow[j]! * k[j]![p]!;
        errLow[p] = hs * err;
      }
    }
    const tNew = last ? t1 : t + (hs + tLow);
    if (fsal) {
      // The FSAL stage is f(t + h, y_new): its error weight e_s = -b̂_s is added once it is known.
      evaluateInto(field, tNew, next, k[s - 1]!, step);
      evaluations++;
      const es = e[s - 1]!;
      if (es !== 0) for (let p = 0; p < n; p++) errVec[p]! += hs * es * k[s - 1]![p]!;
      const esLow = eLow?.[s - 1] ?? 0;
      if (esLow !== 0) for (let p = 0; p < n; p++) errLow[p]! += hs * esLow * k[s - 1]![p]!;
    }
    let err = scaledNorm(errVec, y, next, rtol, atol);
    if (eLow !== null) {
      // Hairer's DOP853 blend: ‖e‖² / √(‖e‖² + 0.01 ‖e_low‖²), 0 when both vanish.
      const low = scaledNorm(errLow, y, next, rtol, atol);
      const denominator = Math.sqrt(err * err + 0.01 * low * low);
      err = denominator === 0 ? 0 : (err * err) / denominator;
    }
    if (Number.isNaN(err)) err = Infinity; // overflow in the trial step: reject and shrink
    if (err <= 1) {
      steps++;
      checkState(next, blowup, steps, tNew);
      if (last) {
        t = t1;
        tLow = 0;
      } else {
        // TwoSum: t + hs = sum + err exactly; fold err into tLow, then renormalise (Fast2Sum).
        const sum = t + hs;
        const bv = sum - t;
        tLow += (t - (sum - bv)) + (hs - bv);
        t = sum + tLow;
        tLow -= t - sum;
      }
      const swap = y;
      y = next;
      next = swap;
      lastStepSize = hs;
      if (fsal) {
        const first = k[0]!;
        k[0] = k[s - 1]!;
        k[s - 1] = first;
      } else if (!last) {
        evaluateInto(field, t, y, k[0]!, steps + 1);
        evaluations++;
      }
      if (last) break;
      let fac = err === 0 ? FAC_MAX : Math.min(FAC_MAX, Math.max(FAC_MIN, SAFETY * inverseRoot(err, q)));
      if (justRejected) fac = Math.min(fac, 1);
      justRejected = false;
      h = Math.abs(hs) * fac;
    } else {
      rejected++;
      justRejected = true;
      // A step too small to move the solution by more than its rounding, and still rejected: the
      // tolerance asks for less error than float64 holds, and the step size would only shrink on
      // (to underflow: once it fed t = NaN to the field).
      if (Math.abs(hs) * maxAbs(k[0]!) <= 4 * Number.EPSILON * maxAbs(y)) {
        throw new OdeError(
          'step-size',
          `${fn}: the step size underflowed: ${Math.abs(hs).toExponential(3)} at t = ${t} (step ${steps + 1}) moves the solution by less than ` +
            `its float64 resolution and is still rejected: the tolerance (rtol = ${rtol}, atol = ${atol}) asks for less error than float64 holds ` +
            `at |y| = ${maxAbs(y).toExponential(3)} (resolution ${(Number.EPSILON * maxAbs(y)).toExponential(1)}); raise rtol to at least 1e-14 or atol`,
          { step: steps + 1, t },
        );
      }
      h = Math.abs(hs) * Math.max(FAC_MIN, SAFETY * inverseRoot(err, q));
    }
  }
  return { y, steps, rejected, evaluations, lastStepSize };
}

/**
 * Dormand–Prince 5(4) with a standard step-size controller: the adaptive reference solver.
 * Defaults rtol 1e-10, atol 1e-12, maxSteps 1e6.
 * @example dormandPrince((t, y) => Float64Array.of(y[1], -y[0]), [1, 0], { t1: 10, rtol: 1e-12 }).y
 * @throws {OdeError} see {@link integrateAdaptive}.
 */
export function dormandPrince(field: VectorField, y0: ArrayLike<number>, options: Omit<AdaptiveOptions, 'method'>): AdaptiveResult {
  return adaptive(field, y0, { ...options, method: 'dormandPrince54' }, 'dormandPrince');
}
