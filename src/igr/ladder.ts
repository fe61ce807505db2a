/**
 * Automatic step-size ladders for the verification (issue 13 §1): a ladder chosen for the loss
 * and start point instead of one fixed ladder, so that a user's own loss or network is measured
 * where the leading error term dominates and every point stays above the round-off floor.
 *
 * The rule ({@link chooseLadder}), in the order it is applied:
 *  1. Curvature scale κ at θ0: the larger of |λ|max of the Hessian (Lanczos with its residual
 *     certificate, `hessianEigs`, which = 'magnitude') and the growth of the modified terms
 *     max_j |f_{j+1}|/|f_j| for j ≤ P (P the highest order asked). The error of the order-p
 *     flow is h^p f_{p+1} + h^{p+1} f_{p+2} + …, so h·|f_{j+1}|/|f_j| is the size of the next
 *     correction against the leading one; it carries the third and higher derivatives that λ
 *     alone does not see.
 *  2. Largest step h0 = the 1-2-5 number at or below c/κ (c = {@link LADDER_CURVATURE_FACTOR},
 *     0.1), and at most 0.1·max(1, |θ0|∞)/|∇E(θ0)| so that one step moves θ by at most a tenth of
 *     its scale; with κ = 0 (no curvature at θ0) only the second bound applies; at a stationary
 *     start (∇E(θ0) = 0) nothing moves and the choice is refused.
 *  3. The ladder h0, h0/2, h0/4, h0/8 (K = {@link LADDER_POINTS} points) and T = 16·h0, so every
 *     T/h is a whole (power-of-two) number of steps, 16 to 128, and GD travels at most about
 *     1.6× the scale of θ.
 *  4. The probe: for every order asked, the local (one-step) errors at all K step sizes and the
 *     global errors at T at the two largest (the cheap ones: the fewest steps, the largest
 *     errors), measured exactly as the verification measures them (compare.ts: the same
 *     reference integrators, round-off floor and 100× reference margin; the local points *are*
 *     the verification's). The ladder moves one octave smaller (h and T halved) when a local
 *     slope fitted over the probe misses p + 1, or the global slope between the two largest h
 *     misses p, by more than the tolerance (0.1), or GD diverges; one octave larger (h and T
 *     doubled) when fewer than {@link LADDER_MIN_POINTS} local points of some order are above
 *     the round-off floor, or fewer than that many global points would be (extrapolated by h^p
 *     from the second step size, against {@link LADDER_FLOOR_MARGIN}× each point's floor). When
 *     both happen at once, or a move would undo the one before, the window between the
 *     pre-asymptotic range and the floor is narrower than the ladder: the spacing narrows
 *     ({@link LADDER_RATIOS}: 2, then 2^(1/2), 2^(1/3), 2^(1/4), step counts round(16·r^k)).
 *     At most {@link LADDER_MAX_MOVES} moves, so the work is bounded before it starts (at most
 *     moves + 1 probes, each at most K local and 2 global points per order; points measured
 *     once are reused across probes).
 *
 * The result says which ladder was chosen and why: κ and where it came from, the bound on h0,
 * the floors, each probe and move.
 */
import { hessianEigs } from '../curvature/index.js';
import { tensor, valueAndGrad, type ScalarFn } from '../autodiff/index.js';
import { checkOrders, comparisonMeasurer, fitSlope, measurePoint, ROUNDOFF_SAFETY, type FlowPointMeasurement, type PointMeasurement } from './compare.js';
import { DivergenceError, gradientDescent } from './descent.js';
import { modifiedField, modifiedTerms } from './modified.js';
import { prepareBackwardError, MAX_ORDER } from './verify.js';
import { IgrError } from './types.js';

/** Largest h·κ of an automatic ladder's first step (κ: |λ|max or the growth of the modified terms). */
export const LADDER_CURVATURE_FACTOR = 0.1;
/** Steps of gradient descent at the largest h: T = this × h0. */
export const LADDER_TOP_STEPS = 16;
/** Points of an automatic ladder (halving), before any is dropped. */
export const LADDER_POINTS = 4;
/** Fewest unflagged local points per order the probe accepts (and the fewest points a ladder may have). */
export const LADDER_MIN_POINTS = 3;
/**
 * Ratios h_k/h_{k+1} an automatic ladder tries, widest first: halving, then narrower spacings
 * (2^(1/2), 2^(1/3), 2^(1/4)) where the window between the pre-asymptotic range and the round-off
 * floor is narrower than the halving ladder (high orders, whose errors fall like h^(p+1)).
 */
export const LADDER_RATIOS: readonly number[] = [2, 2 ** (1 / 2), 2 ** (1 / 3), 2 ** (1 / 4)];
/** Most moves of the probe (each an octave smaller or larger, or a narrower spacing). */
export const LADDER_MAX_MOVES = 8;
/**
 * An extrapolated global error must stay this many times above its round-off floor (which holds
 * the verification's own 100× safety already): slack for the extrapolation by h^p.
 */
export const LADDER_FLOOR_MARGIN = 2;
/** Largest fraction of max(1, |θ0|∞) one gradient step may move θ. */
export const LADDER_MOVE_FRACTION = 0.1;
/** The verification's reference margin (compare.ts: every reference 100× below the error it measures). */
const REFERENCE_FACTOR = 100;

/** Options of {@link chooseLadder}. */
export interface LadderOptions {
  /** The orders the ladder is for (each in 1..MAX_ORDER). */
  orders: readonly number[];
  /** Points K of the ladder (default {@link LADDER_POINTS}). */
  points?: number;
  /** Most probe moves (default {@link LADDER_MAX_MOVES}). */
  maxMoves?: number;
  /** Slope tolerance the probe checks against (default 0.1, the verification's). */
  tolerance?: number;
  /** Seed of the Lanczos start vector (default 0). */
  seed?: number;
  /** Called after each probe with what it found. */
  onProbe?: (probe: LadderProbe) => void;
  /** Called after each point a probe measures: points done and in all of this probe (the CLI's progress line), and the probe's number from 1. */
  onProgress?: (done: number, total: number, probe: number) => void;
}

/** One probe of a candidate ladder and what it decided. */
export interface LadderProbe {
  h0: number;
  T: number;
  /** h_k / h_{k+1} (about: the step counts are whole numbers 16·r^k rounded). */
  ratio: number;
  points: number;
  hs: number[];
  /** Per order: successive local slopes log(e_k/e_{k+1})/log(h_k/h_{k+1}) (log2 of e(h)/e(h/2) on a halving ladder; `null` where a point is flagged). */
  localRatios: Record<number, (number | null)[]>;
  /** Per order: the local slope fitted over the unflagged points (`null`: fewer than two). */
  localSlope: Record<number, number | null>;
  /** Per order: the global slope between the two largest h, errors at T (`null` where flagged or missing). */
  globalRatio: Record<number, number | null>;
  /** What the probe decided: keep the ladder, or move it. */
  decision: 'keep' | 'smaller' | 'larger' | 'narrower';
  /** Why, in words (the order and ratio that decided). */
  why: string;
}

/** The ladder {@link chooseLadder} chose, and why. */
export interface LadderChoice {
  hs: number[];
  T: number;
  /** |λ|max of the Hessian at θ0 (Lanczos), its residual certificate and HVPs. */
  lambdaMax: number;
  lambdaResidual: number;
  hvps: number;
  /** |f_{j+1}|/|f_j| at θ0 for j = 1..P (`null` where f_j = 0). */
  termGrowth: (number | null)[];
  /** The curvature scale κ used and which measure set it. */
  kappa: number;
  kappaSource: 'lambda' | 'terms' | 'none';
  /** |∇E(θ0)|. */
  gradientNorm: number;
  /** The bound on h0 before rounding: min(c/κ, move bound). */
  bound: number;
  /** Which bound set h0. */
  boundSource: 'curvature' | 'movement';
  /** Global round-off floor at the smallest h: 100 · (n + 1) · ε · max(1, |θ0|∞). */
  floor: number;
  /** Every probe, in order; the last one's decision is 'keep' when the ladder settled. */
  probes: LadderProbe[];
  /** True when the last probe kept the ladder; false when the moves ran out (the last ladder is returned). */
  settled: boolean;
  /** The whole choice in one sentence, for the CLI. */
  reason: string;
  /**
   * The (h, order) jobs of the chosen ladder that the last probe measured in full (global at T
   * and local: its two largest h), as the verification's own jobs would measure them (same
   * inputs, deterministic), keyed by their index in `hs`; the CLI hands them to the verification
   * instead of measuring them again.
   */
  measured: FlowPointMeasurement[];
}

/** The 1-2-5 number at or below x (x > 0). */
export function niceBelow(x: number): number {
  const e = Math.floor(Math.log10(x));
  const m = x / 10 ** e;
  const f = m >= 5 ? 5 : m >= 2 ? 2 : 1;
  // Rebuild from the decimal text, so 0.02 is 0.02 and not 0.020000000000000004.
  return Number(`${f}e${e}`);
}

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! ** 2;
  return Math.sqrt(s);
}

const fmt = (x: number): string => (x === 0 ? '0' : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? String(Number(x.toPrecision(3))) : x.toExponential(2));

/**
 * Chooses the verification ladder (step sizes and T) for `loss` from `theta0` and the orders
 * asked, by the rule of this module's header: κ from |λ|max and the growth of the modified terms,
 * h0 ≤ 0.1/κ on the 1-2-5 grid, four halvings, T = 16·h0, then probes of the actual local and
 * global errors that move the ladder by octaves (at most {@link LADDER_MAX_MOVES}) until the
 * successive error ratios match 2^p at its large end and no point sits on the round-off floor.
 * Throws IgrError for bad orders, a non-finite θ0 or loss, or a stationary start.
 */
export function chooseLadder(loss: ScalarFn, theta0: Float64Array | readonly number[], options: LadderOptions): LadderChoice {
  const start = Float64Array.from(theta0);
  const search = ladderSearch('chooseLadder', loss, start, options);
  for (let step = search.next(); ; ) {
    if (step.done) return step.value;
    const { points, cache, probe } = step.value;
    points.forEach((point, i) => {
      measureInThread(loss, start, point, cache);
      options.onProgress?.(i + 1, points.length, probe);
    });
    step = search.next();
  }
}

/** A point a probe needs: the local (one-step) point at h, or the global point at (h, T), of order p. */
export interface ProbePoint {
  kind: 'local' | 'global';
  h: number;
  /** The final time of a global point (h for a local one). */
  T: number;
  order: number;
}

/**
 * {@link chooseLadder} with the probes' points measured by `measure` (e.g. on worker threads),
 * which must return, for each point, the measurement of the GD verification job (h index 0,
 * `point.order`) of `{ hs: [point.h], T: point.T, orders: [point.order] }` from θ0 — its `local`
 * is read for a local point, the whole of it for a global one; for a local point
 * {@link measureLocalPoint}'s result will do — or `'diverged'`. Everything else
 * (and so the choice, bit for bit) is as in {@link chooseLadder}.
 */
export async function chooseLadderWith(
  loss: ScalarFn,
  theta0: Float64Array | readonly number[],
  options: LadderOptions,
  measure: (points: readonly ProbePoint[], probe: number) => Promise<readonly (FlowPointMeasurement | PointMeasurement | 'diverged')[]>,
): Promise<LadderChoice> {
  const start = Float64Array.from(theta0);
  const search = ladderSearch('chooseLadderWith', loss, start, options);
  for (let step = search.next(); ; ) {
    if (step.done) return step.value;
    const { points, cache, probe } = step.value;
    const measured = await measure(points, probe);
    points.forEach((point, i) => store(point, measured[i]!, cache));
    step = search.next();
  }
}

/** The cache keys of a probe point. */
function pointKey(point: ProbePoint): string {
  return point.kind === 'local' ? `${point.h}:${point.order}` : `${point.h}:${point.T}:${point.order}`;
}

/**
 * Puts a measurement where a probe reads it: for a local point its `local` (or the point itself,
 * {@link measureLocalPoint}), for a global point the whole job.
 */
function store(point: ProbePoint, m: FlowPointMeasurement | PointMeasurement | 'diverged', cache: ProbeCache): void {
  const job = m !== 'diverged' && 'local' in m ? m : null;
  const diverged = m === 'diverged' || (job !== null && job.diverged !== null);
  if (point.kind === 'local') cache.local.set(pointKey(point), diverged ? 'diverged' : job !== null ? job.local : (m as PointMeasurement));
  else if (job === null && !diverged) throw new IgrError('chooseLadderWith: a global probe point needs the whole job measurement (global and local)');
  else cache.global.set(pointKey(point), diverged ? 'diverged' : { ...job!, hIndex: 0 });
}

/**
 * The local (one-step) point of GD at h for order p from θ0, as the verification measures it
 * (θ_1 against the order-p flow over time h, by `measurePoint`), or `'diverged'`: what a
 * {@link chooseLadderWith} measurer may return for a local point (as the `local` of a job).
 */
export function measureLocalPoint(loss: ScalarFn, theta0: Float64Array | readonly number[], h: number, order: number): PointMeasurement | 'diverged' {
  return localPoint(loss, Float64Array.from(theta0), h, order, { local: new Map(), global: new Map() });
}

/** Measures a probe point in this thread into the cache. */
function measureInThread(loss: ScalarFn, start: Float64Array, point: ProbePoint, cache: ProbeCache): void {
  if (point.kind === 'local') localPoint(loss, start, point.h, point.order, cache);
  else globalPoint(loss, start, point.h, point.T, point.order, cache);
}

/**
 * The rule of {@link chooseLadder} as a generator: before each probe it yields the points that
 * probe needs and the cache has not got, for the caller to measure into the cache; it returns
 * the choice.
 */
function* ladderSearch(
  fn: string,
  loss: ScalarFn,
  start: Float64Array,
  options: LadderOptions,
): Generator<{ points: ProbePoint[]; cache: ProbeCache; probe: number }, LadderChoice, void> {
  checkOrders(fn, options.orders, MAX_ORDER);
  const orders = [...new Set(options.orders)].sort((a, b) => a - b);
  const P = orders.at(-1)!;
  const K = options.points ?? LADDER_POINTS;
  if (!Number.isInteger(K) || K < LADDER_MIN_POINTS || K > 8) throw new IgrError(`${fn}: points must be an integer in ${LADDER_MIN_POINTS}..8, got ${K}`);
  const tolerance = options.tolerance ?? 0.1;
  if (!(tolerance > 0 && Number.isFinite(tolerance))) throw new IgrError(`${fn}: tolerance must be a finite number > 0, got ${tolerance}`);
  const maxMoves = options.maxMoves ?? LADDER_MAX_MOVES;
  if (!Number.isInteger(maxMoves) || maxMoves < 0) throw new IgrError(`${fn}: maxMoves must be an integer ≥ 0, got ${maxMoves}`);
  start.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new IgrError(`${fn}: θ0[${i}] = ${v} is not finite`);
  });
  const { value, grad } = valueAndGrad(loss)(tensor(Array.from(start), [start.length]));
  if (!Number.isFinite(value)) throw new IgrError(`${fn}: the loss at θ0 is ${value}, not finite`);
  const gradientNorm = norm(grad.data);
  if (!Number.isFinite(gradientNorm)) throw new IgrError(`${fn}: the gradient at θ0 is not finite`);
  if (gradientNorm === 0) {
    throw new IgrError(`${fn}: the gradient of the loss is 0 at θ0: gradient descent does not move and every error is 0; start elsewhere`);
  }
  const scale = Math.max(1, start.reduce((m, v) => Math.max(m, Math.abs(v)), 0));

  // 1. Curvature: |λ|max (a loose tolerance: the scale matters, not its digits) and term growth.
  const eig = hessianEigs(loss, start, { k: 1, which: 'magnitude', tol: 1e-6, maxIter: Math.min(300, Math.max(20, 3 * start.length)), seed: options.seed ?? 0 });
  const lambdaMax = Math.abs(eig.values[0] ?? 0);
  const terms = modifiedTerms(loss, Math.min(P + 1, MAX_ORDER + 1))(start).map(norm);
  const termGrowth = terms.slice(1).map((f, j) => (terms[j]! > 0 && Number.isFinite(f / terms[j]!) ? f / terms[j]! : null));
  const growth = Math.max(0, ...termGrowth.filter((r): r is number => r !== null));
  const kappa = Math.max(lambdaMax, growth);
  const kappaSource: LadderChoice['kappaSource'] = kappa === 0 ? 'none' : lambdaMax >= growth ? 'lambda' : 'terms';

  // 2. The largest step.
  const moveBound = (LADDER_MOVE_FRACTION * scale) / gradientNorm;
  const curvatureBound = kappa > 0 ? LADDER_CURVATURE_FACTOR / kappa : Infinity;
  const bound = Math.min(curvatureBound, moveBound);
  const boundSource: LadderChoice['boundSource'] = curvatureBound <= moveBound ? 'curvature' : 'movement';
  let h0 = niceBelow(bound);
  let ratioIndex = 0;

  // 3–4. Probe and move.
  const probes: LadderProbe[] = [];
  const cache: ProbeCache = { local: new Map(), global: new Map() };
  let settled = false;
  let lastMove: 'smaller' | 'larger' | null = null;
  for (let move = 0; move <= maxMoves; move++) {
    const ratio = LADDER_RATIOS[ratioIndex]!;
    const points = probePoints(orders, h0, ratio, K).filter((point) => !(point.kind === 'local' ? cache.local : cache.global).has(pointKey(point)));
    yield { points, cache, probe: move + 1 };
    const probe = probeLadder(start, orders, h0, ratio, K, tolerance, cache);
    probes.push(probe);
    // A move back where the last one came from: the window is narrower than this ladder.
    if ((probe.decision === 'smaller' && lastMove === 'larger') || (probe.decision === 'larger' && lastMove === 'smaller')) {
      probe.decision = 'narrower';
      probe.why += '; moving back would undo the last move';
    }
    options.onProbe?.(probe);
    if (probe.decision === 'keep') {
      settled = true;
      break;
    }
    if (move === maxMoves) break;
    if (probe.decision === 'narrower') {
      if (ratioIndex === LADDER_RATIOS.length - 1) {
        probe.why += `; the ladder is already at its narrowest ratio ${fmt(LADDER_RATIOS[ratioIndex]!)}`;
        break;
      }
      ratioIndex++;
      lastMove = null;
    } else if (probe.decision === 'smaller') {
      h0 /= 2;
      lastMove = 'smaller';
    } else {
      h0 *= 2;
      lastMove = 'larger';
    }
  }
  const last = probes.at(-1)!;
  const hs = last.hs;
  const T = last.T;
  const steps = Math.round(T / hs.at(-1)!);
  const floor = ROUNDOFF_SAFETY * (steps + 1) * Number.EPSILON * scale;
  const moves = probes.slice(0, -1).map((p) => p.decision);
  const reason =
    `|λ|max(θ0) = ${fmt(lambdaMax)}` +
    (termGrowth.length > 0 ? `, max |f_{j+1}|/|f_j| = ${fmt(growth)}` : '') +
    `: κ = ${fmt(kappa)}; h0 ≤ ${kappaSource === 'none' ? '' : `${LADDER_CURVATURE_FACTOR}/κ = ${fmt(curvatureBound)}`}` +
    `${boundSource === 'movement' ? `${kappaSource === 'none' ? '' : ', and '}${LADDER_MOVE_FRACTION}·max(1, |θ0|)/|∇E| = ${fmt(moveBound)} (one step moves θ at most a tenth)` : ''}` +
    `, on the 1-2-5 grid ${fmt(probes[0]!.h0)}; T = ${LADDER_TOP_STEPS}·h0; ` +
    (moves.length === 0 ? 'the probe kept it' : `moves: ${moves.join(', ')}`) +
    ` (${last.why}); global round-off floor at the smallest h ${fmt(floor)}` +
    (settled ? '' : `; NOT settled within ${maxMoves} moves: the slopes may miss`);
  const measured: FlowPointMeasurement[] = [];
  for (const p of orders) {
    for (const k of [0, 1]) {
      const m = cache.global.get(`${hs[k]}:${T}:${p}`);
      if (m !== undefined && m !== 'diverged') measured.push({ ...m, hIndex: k });
    }
  }
  return {
    hs,
    T,
    measured,
    lambdaMax,
    lambdaResidual: eig.residuals[0] ?? 0,
    hvps: eig.hvps,
    termGrowth,
    kappa,
    kappaSource,
    gradientNorm,
    bound,
    boundSource,
    floor,
    probes,
    settled,
    reason,
  };
}

/** The step counts n_k = round(16 · r^k) of a ladder with ratio r (distinct, so h_k = T/n_k are distinct and T/h_k whole). */
export function ladderSteps(ratio: number, points: number): number[] {
  const steps: number[] = [];
  for (let k = 0; steps.length < points; k++) {
    const n = Math.round(LADDER_TOP_STEPS * ratio ** k);
    if (steps.at(-1) !== n) steps.push(n);
  }
  return steps;
}

/** The step sizes of a ladder: h_k = T / n_k with T = 16·h0 (h_0 = h0 exactly; for ratio 2 every h_k = h0/2^k exactly). */
export function ladderSizes(h0: number, ratio: number, points: number): number[] {
  const T = LADDER_TOP_STEPS * h0;
  return ladderSteps(ratio, points).map((n, k) => (k === 0 ? h0 : ratio === 2 ? h0 / 2 ** k : T / n));
}

/** The points the probe of one candidate ladder reads: per order, the local points at every h, then the global points at T at the two largest. */
function probePoints(orders: readonly number[], h0: number, ratio: number, K: number): ProbePoint[] {
  const hs = ladderSizes(h0, ratio, K);
  const T = LADDER_TOP_STEPS * h0;
  return orders.flatMap((order) => [
    ...hs.map((h): ProbePoint => ({ kind: 'local', h, T: h, order })),
    ...hs.slice(0, 2).map((h): ProbePoint => ({ kind: 'global', h, T, order })),
  ]);
}

/** Decides, from the measured points of one candidate ladder (all in `cache`), whether to keep or move it. */
function probeLadder(start: Float64Array, orders: number[], h0: number, ratio: number, K: number, tolerance: number, cache: ProbeCache): LadderProbe {
  const hs = ladderSizes(h0, ratio, K);
  const T = LADDER_TOP_STEPS * h0;
  const scale = Math.max(1, start.reduce((m, v) => Math.max(m, Math.abs(v)), 0));
  // Local errors at every h: the verification's own local points (they do not depend on T).
  const local = new Map<string, PointMeasurement>();
  const global = new Map<string, PointMeasurement>();
  let diverged = false;
  for (const p of orders) {
    hs.forEach((h, k) => {
      const m = cache.local.get(`${h}:${p}`)!;
      if (m === 'diverged') diverged = true;
      else local.set(`${k}:${p}`, m);
    });
    // Global errors at T at the two largest h.
    [0, 1].forEach((k) => {
      const m = cache.global.get(`${hs[k]}:${T}:${p}`)!;
      if (m === 'diverged') diverged = true;
      else global.set(`${k}:${p}`, m.global);
    });
  }
  const localRatios: Record<number, (number | null)[]> = {};
  const localSlope: Record<number, number | null> = {};
  const globalRatio: Record<number, number | null> = {};
  let smaller: string | null = null;
  let larger: string | null = null;
  if (diverged) {
    smaller = `gradient descent diverges at h = ${fmt(h0)}`;
  } else {
    for (const p of orders) {
      const e = hs.map((_, k) => {
        const m = local.get(`${k}:${p}`)!;
        return m.flagged || m.error === null ? null : m.error;
      });
      // Successive ratios as slopes: log(e_k / e_{k+1}) / log(h_k / h_{k+1}) (= log2 of e(h)/e(h/2) on a halving ladder).
      localRatios[p] = e.slice(1).map((b, k) => (b === null || e[k] === null || b <= 0 ? null : Math.log(e[k]! / b) / Math.log(hs[k]! / hs[k + 1]!)));
      const fit = fitSlope(hs, e, p + 1, tolerance);
      localSlope[p] = fit?.slope ?? null;
      const kept = e.filter((v) => v !== null).length;
      if (larger === null && kept < LADDER_MIN_POINTS) {
        larger = `order ${p}'s local error is on the round-off floor at ${K - kept} of ${K} step sizes (from h = ${fmt(hs[e.findIndex((v) => v === null)]!)})`;
      }
      if (smaller === null && fit !== null && !fit.pass) {
        smaller = `pre-asymptotic: local slope ${fit.slope.toFixed(3)} at order ${p} (successive ratios ${localRatios[p]!.map((r) => (r === null ? '—' : r.toFixed(2))).join(', ')}), expected ${p + 1}`;
      }
      const g = [0, 1].map((k) => global.get(`${k}:${p}`)!);
      const gr = g.every((m) => !m.flagged && m.error !== null && m.error > 0) ? Math.log(g[0]!.error! / g[1]!.error!) / Math.log(hs[0]! / hs[1]!) : null;
      globalRatio[p] = gr;
      if (smaller === null && gr !== null && Math.abs(gr - p) > tolerance) {
        smaller = `pre-asymptotic: global ratio ${gr.toFixed(3)} between h = ${fmt(hs[0]!)} and ${fmt(hs[1]!)} at order ${p}, expected ${p}`;
      }
      if (larger === null) {
        // The global errors at the smaller h, extrapolated by h^p from the second step size,
        // against the floor each will be measured against (it grows with the steps n = T/h).
        let above = g.filter((m) => !m.flagged && m.error !== null).length;
        const base = g[1]!.flagged || g[1]!.error === null ? null : g[1]!.error;
        for (let k = 2; k < K && base !== null; k++) {
          const estimate = base * (hs[k]! / hs[1]!) ** p;
          const floor = ROUNDOFF_SAFETY * (Math.round(T / hs[k]!) + 1) * Number.EPSILON * scale;
          if (estimate >= LADDER_FLOOR_MARGIN * floor) above++;
        }
        if (above < LADDER_MIN_POINTS) {
          larger = `order ${p}'s global error would be on the round-off floor at ${K - above} of ${K} step sizes (extrapolated by h^${p} from h = ${fmt(hs[1]!)})`;
        }
      }
    }
  }
  const decision: LadderProbe['decision'] = smaller !== null && larger !== null ? 'narrower' : smaller !== null ? 'smaller' : larger !== null ? 'larger' : 'keep';
  const why =
    decision === 'keep'
      ? `every local slope within ${tolerance} of p + 1, the global ratios at the two largest h within ${tolerance} of p, every point above the floor`
      : decision === 'narrower'
        ? `${smaller}, and ${larger}`
        : (smaller ?? larger)!;
  return { h0, T, ratio, points: K, hs, localRatios, localSlope, globalRatio, decision, why };
}

/**
 * The measurements a choice has made, reused by later probes (a move keeps most step sizes):
 * local points by (h, order), global points by (h, T, order). Every measurement is deterministic,
 * so a reused one is the one that would be made again.
 */
interface ProbeCache {
  local: Map<string, PointMeasurement | 'diverged'>;
  global: Map<string, FlowPointMeasurement | 'diverged'>;
}

/**
 * The local (one-step) point of a GD verification at h for order p: θ_1 = θ0 − h∇E(θ0) against
 * the order-p flow over time h, measured by the verification's own `measurePoint` (its reference,
 * floor and 100× margin), so it is the local point the verification itself will measure.
 */
function localPoint(loss: ScalarFn, start: Float64Array, h: number, p: number, cache: ProbeCache): PointMeasurement | 'diverged' {
  const key = `${h}:${p}`;
  let m = cache.local.get(key);
  if (m === undefined) {
    let iterate: Float64Array | null = null;
    try {
      iterate = gradientDescent(loss, start, h, 1)[1]!;
    } catch (e) {
      if (!(e instanceof DivergenceError)) throw e;
    }
    m = iterate === null ? 'diverged' : measurePoint(modifiedField(loss, h, p), start, { iterate, time: h, steps: 1 }, REFERENCE_FACTOR, 'local', p);
    cache.local.set(key, m);
  }
  return m;
}

/** The global point of a GD verification at (h, T) for order p (GD for T/h steps against the order-p flow to T). */
function globalPoint(loss: ScalarFn, start: Float64Array, h: number, T: number, p: number, cache: ProbeCache): PointMeasurement | 'diverged' {
  const key = `${h}:${T}:${p}`;
  let m = cache.global.get(key);
  if (m === undefined) {
    const { comparison } = prepareBackwardError(loss, start, { hs: [h], T, orders: [p] });
    const measured = comparisonMeasurer(comparison)({ hIndex: 0, order: p });
    m = measured.diverged !== null ? 'diverged' : measured;
    cache.global.set(key, m);
  }
  return m === 'diverged' ? m : m.global;
}
