/**
 * Optimisers on the flat parameter vector: full-batch gradient descent,
 * minibatch SGD with random reshuffling, heavy-ball momentum, and explicit
 * gradient regularization (EGR) with an exact or a finite-difference
 * Hessian-vector product. Every one detects divergence and reports the step,
 * never throwing for it (a diverged run is a result, not a number).
 */
import { NonFiniteError, Rng, dot, grad, mul, tensor, valueAndGrad, type ScalarFn, type Tensor } from '../autodiff/index.js';

/** Valid optimiser kinds, for error messages. */
export const optimizers = ['gd', 'sgd', 'momentum', 'egr'] as const;
export type OptimizerKind = (typeof optimizers)[number];

/** Valid ways of computing EGR's Hessian-vector product. */
export const egrHvpModes = ['exact', 'finite-difference'] as const;
export type EgrHvpMode = (typeof egrHvpModes)[number];

/**
 * Default step `r` of the finite-difference HVP, along the unit vector g/|g|.
 * Zhao et al. (2022) treat r as a hyperparameter of float32 training; in float64
 * the forward difference has truncation error ≈ (r/2)|∇³E[u,u]| and round-off
 * ≈ ε|∇E|/r, so r = 1e-4 keeps the first near 1e-4 (relative) and the second
 * near 1e-12 for losses of order one.
 */
export const DEFAULT_FD_STEP = 1e-4;

/** Default: a loss above this multiple of max(|E(θ₀)|, 1) counts as exploded. */
export const DEFAULT_EXPLODE_FACTOR = 1e6;

/** Which optimiser, and its hyperparameters. `lr` is the learning rate h. */
export type OptimizerSpec =
  /** θ_{n+1} = θ_n − h ∇E(θ_n). */
  | { kind: 'gd'; lr: number }
  /**
   * Minibatch steps θ ← θ − h ∇E_B(θ) (random reshuffling): each epoch visits every
   * example once, in a fresh order drawn from `seed`; its last batch holds the
   * remainder when `batchSize` does not divide the number of examples.
   */
  | { kind: 'sgd'; lr: number; batchSize: number; seed: number }
  /** Heavy ball: θ_{n+1} = θ_n − h ∇E(θ_n) + β (θ_n − θ_{n−1}), θ_{−1} = θ_0; β in [0, 1). */
  | { kind: 'momentum'; lr: number; beta: number }
  /**
   * GD on E + μ|∇E|², whose gradient is g + 2μHg. `exact`: H g by double
   * backprop; `finite-difference`: H g ≈ |g| (∇E(θ + r u) − ∇E(θ))/r, u = g/|g|
   * (Zhao et al. 2022), default r = {@link DEFAULT_FD_STEP}.
   */
  | { kind: 'egr'; lr: number; mu: number; hvp: EgrHvpMode; r?: number };

/** Options of {@link train}. */
export interface TrainOptions {
  /** Full-batch loss of the flat parameters. */
  loss: ScalarFn;
  /** Minibatch loss on the given example indices; needed by SGD. */
  batchLoss?: (params: Tensor, indices: ArrayLike<number>) => Tensor;
  /** Number of examples `batchLoss` indexes; needed by SGD. */
  numExamples?: number;
  params0: Float64Array;
  optimizer: OptimizerSpec;
  /** Number of parameter updates. */
  steps: number;
  /**
   * Called with each step's loss (before that step's update) and with the final loss at
   * `step = steps`, and with the parameters θ_step that loss belongs to (the optimiser's own
   * array: read it during the call, copy it to keep it; do not modify it). A measurement along
   * training (the sharpness of `igr train --sharpness-every`) hooks in here.
   */
  onStep?: (step: number, loss: number, params: Float64Array) => void;
  /** Record the loss every `record` steps (default 1); the final loss is always recorded. */
  record?: number;
  /** Loss above `explodeFactor · max(|E(θ₀)|, 1)` means divergence (default {@link DEFAULT_EXPLODE_FACTOR}). */
  explodeFactor?: number;
  /**
   * The loss the explosion threshold is relative to, in place of E(θ₀): a run
   * continued over several calls passes its first loss so every call uses one threshold.
   */
  explodeReference?: number;
  /**
   * Stop rule: called after each step's loss E(θ_n) is known (minibatch loss for
   * SGD); returning true ends the run at θ_n, before its update (`stopped: true`).
   * E.g. `(n, e) => e <= target` trains to a given training loss.
   */
  until?: (step: number, loss: number) => boolean;
}

/** Why and where a run diverged. */
export interface Divergence {
  /** The step n whose loss E(θ_n) or parameters θ_n were bad. */
  step: number;
  loss: number;
  reason: 'nonfinite' | 'exploded';
}

/** The outcome of {@link train}. */
export interface TrainResult {
  /** Final parameters; on divergence, the parameters at the step of divergence. */
  params: Float64Array;
  /**
   * Recorded losses, at the steps in `lossSteps`. Full-batch E(θ_n) except for
   * SGD, where step losses are the minibatch's (the last entry is always full-batch).
   */
  losses: number[];
  lossSteps: number[];
  /** Full-batch loss at the final parameters (NaN when diverged). */
  finalLoss: number;
  /** Parameter updates performed. */
  steps: number;
  /** True when the `until` stop rule ended the run. */
  stopped: boolean;
  diverged: Divergence | null;
  seconds: number;
  /** Gradients of E evaluated (EGR finite-difference: two per step). */
  gradientEvaluations: number;
  /** Exact Hessian-vector products evaluated (EGR exact: one per step). */
  hvpEvaluations: number;
}

function positive(where: string, name: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new Error(`${where}: ${name} must be a positive finite number, got ${String(v)}`);
  }
}

/** Throws a clear error unless `spec` is a valid optimiser specification. */
export function checkOptimizer(spec: OptimizerSpec): void {
  const kind = (spec as { kind?: unknown })?.kind;
  if (!(optimizers as readonly unknown[]).includes(kind)) {
    throw new Error(`unknown optimizer '${String(kind)}': valid optimizers are ${optimizers.join(', ')}`);
  }
  const where = `optimizer '${spec.kind}'`;
  positive(where, 'learning rate lr', spec.lr);
  switch (spec.kind) {
    case 'gd':
      return;
    case 'sgd':
      if (!Number.isInteger(spec.batchSize) || spec.batchSize < 1) {
        throw new Error(`${where}: batchSize must be a positive integer, got ${spec.batchSize}`);
      }
      if (!Number.isFinite(spec.seed)) throw new Error(`${where}: seed must be a finite number, got ${spec.seed}`);
      return;
    case 'momentum':
      if (!(typeof spec.beta === 'number' && spec.beta >= 0 && spec.beta < 1)) {
        throw new Error(`${where}: beta must lie in [0, 1), got ${String(spec.beta)}`);
      }
      return;
    case 'egr':
      positive(where, 'mu', spec.mu);
      if (!(egrHvpModes as readonly unknown[]).includes(spec.hvp)) {
        throw new Error(`${where}: unknown hvp mode '${String(spec.hvp)}': valid modes are ${egrHvpModes.join(', ')}`);
      }
      if (spec.r !== undefined) positive(where, 'finite-difference step r', spec.r);
      return;
  }
}

/** A loss value and the gradient of the loss being descended. */
export interface ValueAndDirection {
  /** E(θ) (the plain loss, not the regularised one). */
  value: number;
  /** The gradient the optimiser steps along. */
  gradient: Float64Array;
  /** |∇E(θ)|² (for EGR: the penalty without μ). */
  gradNormSquared: number;
}

/**
 * The EGR gradient at θ: ∇(E + μ|∇E|²) = g + 2μ H g (Barrett & Dherin 2021, eq.
 * for the explicitly regularised loss), with g = ∇E(θ), H = ∇²E(θ).
 *
 * `exact` shares the work by double backprop: differentiating μ|g(θ)|² with g
 * traced gives 2μHg in one backward pass through the first backward pass, and
 * g and E(θ) are read off that same traced evaluation.
 * `finite-difference`: H g ≈ |g| (∇E(θ + r u) − ∇E(θ)) / r with u = g/|g|
 * (Zhao et al. 2022), two gradient evaluations and no second-order tracing.
 */
export function egrGradient(loss: ScalarFn, theta: Float64Array, mu: number, hvp: EgrHvpMode, r = DEFAULT_FD_STEP): ValueAndDirection {
  const m = theta.length;
  if (hvp === 'exact') {
    let value = NaN;
    let g = new Float64Array(m);
    const penalty: ScalarFn = (th) => {
      const inner = valueAndGrad(loss)(th);
      value = inner.value;
      g = Float64Array.from(inner.grad.data);
      return mul(dot(inner.grad, inner.grad), mu);
    };
    const penaltyGrad = grad(penalty)(tensor(theta)).data; // 2μ H g
    const gradient = new Float64Array(m);
    let gg = 0;
    for (let i = 0; i < m; i++) {
      gradient[i] = g[i]! + penaltyGrad[i]!;
      gg += g[i]! * g[i]!;
    }
    return { value, gradient, gradNormSquared: gg };
  }
  const { value, grad: gT } = valueAndGrad(loss)(tensor(theta));
  const g = gT.data;
  let gg = 0;
  for (let i = 0; i < m; i++) gg += g[i]! * g[i]!;
  const norm = Math.sqrt(gg);
  const gradient = Float64Array.from(g);
  if (norm === 0 || !Number.isFinite(norm)) return { value, gradient, gradNormSquared: gg };
  const shifted = new Float64Array(m);
  for (let i = 0; i < m; i++) shifted[i] = theta[i]! + (r * g[i]!) / norm;
  const g2 = valueAndGrad(loss)(tensor(shifted)).grad.data;
  // H g ≈ |g| (∇E(θ + r u) − ∇E(θ)) / r, so 2μ H g = 2μ |g| / r · (g2 − g).
  const scale = (2 * mu * norm) / r;
  for (let i = 0; i < m; i++) gradient[i] = g[i]! + scale * (g2[i]! - g[i]!);
  return { value, gradient, gradNormSquared: gg };
}

/**
 * Runs an optimiser for `steps` updates from `params0`. Divergence (a non-finite
 * loss or parameter, or a loss above `explodeFactor · max(|E(θ₀)|, 1)`) stops the
 * run and is reported in `diverged` with its step; `train` does not throw for it.
 * Bad options (unknown optimiser, non-positive lr or μ, β outside [0, 1), …) throw.
 */
export function train(options: TrainOptions): TrainResult {
  const { loss, optimizer: spec, steps, onStep } = options;
  checkOptimizer(spec);
  if (!Number.isInteger(steps) || steps < 0) throw new Error(`train: steps must be a non-negative integer, got ${steps}`);
  const record = options.record ?? 1;
  if (!Number.isInteger(record) || record < 1) throw new Error(`train: record must be a positive integer, got ${record}`);
  const explodeFactor = options.explodeFactor ?? DEFAULT_EXPLODE_FACTOR;
  positive('train', 'explodeFactor', explodeFactor);
  const reference = options.explodeReference;
  if (reference !== undefined && !Number.isFinite(reference)) {
    throw new Error(`train: explodeReference must be a finite number, got ${reference}`);
  }
  if (!(options.params0 instanceof Float64Array)) throw new Error('train: params0 must be a Float64Array');
  for (let i = 0; i < options.params0.length; i++) {
    if (!Number.isFinite(options.params0[i]!)) throw new Error(`train: params0[${i}] = ${options.params0[i]} is not finite`);
  }
  let numExamples = 0;
  if (spec.kind === 'sgd') {
    if (!options.batchLoss || options.numExamples === undefined) {
      throw new Error("train: optimizer 'sgd' needs batchLoss and numExamples (see batchLossFunction)");
    }
    numExamples = options.numExamples;
    if (!Number.isInteger(numExamples) || numExamples < 1) throw new Error(`train: numExamples must be a positive integer, got ${numExamples}`);
    if (spec.batchSize > numExamples) {
      throw new Error(`optimizer 'sgd': batchSize ${spec.batchSize} exceeds the ${numExamples} examples`);
    }
  }

  const start = performance.now();
  const m = options.params0.length;
  let theta = Float64Array.from(options.params0);
  let previous = Float64Array.from(theta); // θ_{n−1}, for momentum
  const losses: number[] = [];
  const lossSteps: number[] = [];
  let gradientEvaluations = 0;
  let hvpEvaluations = 0;
  let diverged: Divergence | null = null;
  let stopped = false;
  let lastValue = NaN;
  let threshold = reference === undefined ? Infinity : explodeFactor * Math.max(Math.abs(reference), 1);

  // SGD state: a seeded permutation per epoch, consumed batch by batch.
  const rng = spec.kind === 'sgd' ? new Rng(spec.seed) : null;
  let order: number[] = [];
  let cursor = 0;
  const nextBatch = (): number[] => {
    if (cursor >= order.length) {
      order = rng!.shuffle(Array.from({ length: numExamples }, (_, i) => i));
      cursor = 0;
    }
    const batch = order.slice(cursor, cursor + (spec as { batchSize: number }).batchSize);
    cursor += batch.length;
    return batch;
  };

  const fullLoss = (th: Float64Array): number => {
    try {
      return loss(tensor(th)).item();
    } catch (error) {
      if (error instanceof NonFiniteError) return NaN; // see the finite-check note in the loop
      throw error;
    }
  };
  const check = (step: number, value: number): boolean => {
    if (!Number.isFinite(value)) diverged = { step, loss: value, reason: 'nonfinite' };
    else if (value > threshold) diverged = { step, loss: value, reason: 'exploded' };
    return diverged === null;
  };
  const note = (step: number, value: number): void => {
    if (step % record === 0) {
      losses.push(value);
      lossSteps.push(step);
    }
    onStep?.(step, value, theta);
  };

  if (spec.kind === 'sgd' && reference === undefined) {
    // The explosion threshold is relative to the full-batch loss at the start.
    const e0 = fullLoss(theta);
    if (check(0, e0)) threshold = explodeFactor * Math.max(Math.abs(e0), 1);
  }

  let n = 0;
  for (; n < steps && !diverged; n++) {
    let value = NaN;
    let direction: ArrayLike<number> = theta;
    try {
      switch (spec.kind) {
        case 'gd':
        case 'momentum': {
          const r = valueAndGrad(loss)(tensor(theta));
          value = r.value;
          direction = r.grad.data;
          gradientEvaluations++;
          break;
        }
        case 'sgd': {
          const batch = nextBatch();
          const r = valueAndGrad((p: Tensor) => options.batchLoss!(p, batch))(tensor(theta));
          value = r.value;
          direction = r.grad.data;
          gradientEvaluations++;
          break;
        }
        case 'egr': {
          const r = egrGradient(loss, theta, spec.mu, spec.hvp, spec.r ?? DEFAULT_FD_STEP);
          value = r.value;
          direction = r.gradient;
          if (spec.hvp === 'exact') {
            gradientEvaluations++;
            hvpEvaluations++;
          } else gradientEvaluations += 2;
          break;
        }
      }
    } catch (error) {
      // With the autodiff's opt-in finite check on, a NaN throws where it appears;
      // for training that is a divergence at this step, like a NaN loss.
      if (!(error instanceof NonFiniteError)) throw error;
      value = NaN;
    }
    if (n === 0 && spec.kind !== 'sgd' && reference === undefined && Number.isFinite(value)) {
      threshold = explodeFactor * Math.max(Math.abs(value), 1);
    }
    if (!check(n, value)) break;
    note(n, value);
    lastValue = value;
    if (options.until?.(n, value)) {
      stopped = true;
      break;
    }

    const next = new Float64Array(m);
    const h = spec.lr;
    let finite = true;
    if (spec.kind === 'momentum') {
      const beta = spec.beta;
      for (let i = 0; i < m; i++) {
        next[i] = theta[i]! - h * direction[i]! + beta * (theta[i]! - previous[i]!);
        if (!Number.isFinite(next[i]!)) finite = false;
      }
    } else {
      for (let i = 0; i < m; i++) {
        next[i] = theta[i]! - h * direction[i]!;
        if (!Number.isFinite(next[i]!)) finite = false;
      }
    }
    previous = theta;
    theta = next;
    if (!finite) {
      diverged = { step: n + 1, loss: NaN, reason: 'nonfinite' };
      n++;
      break;
    }
  }

  let finalLoss = NaN;
  if (stopped && spec.kind !== 'sgd') {
    // E(θ_n) was just computed and reported to onStep; no second evaluation.
    finalLoss = lastValue;
  } else if (!diverged) {
    finalLoss = fullLoss(theta);
    if (!check(n, finalLoss)) finalLoss = NaN;
    else if (!stopped) onStep?.(n, finalLoss, theta);
  }
  if (!Number.isNaN(finalLoss)) {
    // The last recorded loss is the full-batch loss at the final parameters.
    if (lossSteps[lossSteps.length - 1] === n) losses[losses.length - 1] = finalLoss;
    else {
      losses.push(finalLoss);
      lossSteps.push(n);
    }
  }
  return {
    params: theta,
    losses,
    lossSteps,
    finalLoss,
    steps: n,
    stopped,
    diverged,
    seconds: (performance.now() - start) / 1000,
    gradientEvaluations,
    hvpEvaluations,
  };
}
