/**
 * The three benchmark problems of the autodiff issue (issue 2), generated once,
 * seeded, and handed to every library unchanged:
 *
 *   small   2-16-16-1     N = 64   mean squared error
 *   medium  64-128-128-10 N = 256  softmax cross-entropy
 *   large   784-256-256-10 N = 128 softmax cross-entropy
 *
 * Every library sees the loss as a function of ONE flat parameter vector laid
 * out as igr's nn layer lays it out (src/nn/mlp.ts): per layer W as [out, in]
 * row-major, then b [out]; tanh after every layer but the last.
 */
import { BenchRng } from './rng.js';

export type LossKind = 'mse' | 'softmax-ce';

export interface ProblemSpec {
  readonly name: 'small' | 'medium' | 'large';
  readonly sizes: readonly number[];
  readonly n: number;
  readonly loss: LossKind;
}

export const PROBLEMS: readonly ProblemSpec[] = [
  { name: 'small', sizes: [2, 16, 16, 1], n: 64, loss: 'mse' },
  { name: 'medium', sizes: [64, 128, 128, 10], n: 256, loss: 'softmax-ce' },
  { name: 'large', sizes: [784, 256, 256, 10], n: 128, loss: 'softmax-ce' },
];

/** Where layer l's weights and bias sit in the flat vector. */
export interface LayerSlot {
  readonly fanIn: number;
  readonly fanOut: number;
  readonly wOffset: number; // W [fanOut, fanIn] row-major starts here
  readonly bOffset: number; // b [fanOut] starts here
}

/** One generated instance: inputs, targets, parameters and an HVP direction, all float64. */
export interface Instance {
  readonly spec: ProblemSpec;
  readonly layers: readonly LayerSlot[];
  readonly numParams: number;
  /** Inputs, [n, sizes[0]] row-major. */
  readonly x: Float64Array;
  /** MSE targets [n, sizes.at(-1)] (empty for cross-entropy). */
  readonly y: Float64Array;
  /** Integer class labels in 0..K-1 (empty for MSE). */
  readonly labels: Int32Array;
  /** The point at which loss, gradient and HVP are evaluated. */
  readonly theta: Float64Array;
  /** The HVP direction, unit 2-norm. */
  readonly v: Float64Array;
}

export function layerSlots(sizes: readonly number[]): { layers: LayerSlot[]; numParams: number } {
  if (sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new Error(`layerSlots: sizes must be >= 2 positive integers, got [${sizes.join(', ')}]`);
  }
  const layers: LayerSlot[] = [];
  let offset = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const fanIn = sizes[l]!;
    const fanOut = sizes[l + 1]!;
    layers.push({ fanIn, fanOut, wOffset: offset, bOffset: offset + fanIn * fanOut });
    offset += fanIn * fanOut + fanOut;
  }
  return { layers, numParams: offset };
}

export function problemByName(name: string): ProblemSpec {
  const p = PROBLEMS.find((q) => q.name === name);
  if (!p) throw new Error(`unknown problem '${name}'; valid: ${PROBLEMS.map((q) => q.name).join(', ')}`);
  return p;
}

/**
 * Generate an instance. Weights ~ N(0, 1/fanIn) (so tanh layers are neither
 * saturated nor linear), biases ~ N(0, 0.1^2) (non-zero, so their gradients are
 * exercised), inputs ~ N(0, 1) (small, medium) or U[0, 1) (large, MNIST-like),
 * MSE targets sin(x_0) cos(x_1), labels uniform.
 */
export function makeInstance(spec: ProblemSpec, seed = 20210301): Instance {
  const rng = new BenchRng(seed);
  const { layers, numParams } = layerSlots(spec.sizes);
  const d = spec.sizes[0]!;
  const k = spec.sizes[spec.sizes.length - 1]!;
  const x = new Float64Array(spec.n * d);
  for (let i = 0; i < x.length; i++) x[i] = spec.name === 'large' ? rng.uniform() : rng.normal();
  let y = new Float64Array(0);
  let labels = new Int32Array(0);
  if (spec.loss === 'mse') {
    y = new Float64Array(spec.n * k);
    for (let i = 0; i < spec.n; i++) {
      const x0 = x[i * d]!;
      const x1 = d > 1 ? x[i * d + 1]! : 0;
      for (let j = 0; j < k; j++) y[i * k + j] = Math.sin(x0 + j) * Math.cos(x1);
    }
  } else {
    labels = new Int32Array(spec.n);
    for (let i = 0; i < spec.n; i++) labels[i] = rng.int(k);
  }
  const theta = new Float64Array(numParams);
  for (const s of layers) {
    const std = 1 / Math.sqrt(s.fanIn);
    for (let i = 0; i < s.fanIn * s.fanOut; i++) theta[s.wOffset + i] = std * rng.normal();
    for (let i = 0; i < s.fanOut; i++) theta[s.bOffset + i] = 0.1 * rng.normal();
  }
  const v = new Float64Array(numParams);
  let norm2 = 0;
  for (let i = 0; i < numParams; i++) {
    v[i] = rng.normal();
    norm2 += v[i]! * v[i]!;
  }
  const inv = 1 / Math.sqrt(norm2);
  for (let i = 0; i < numParams; i++) v[i] *= inv;
  return { spec, layers, numParams, x, y, labels, theta, v };
}

/** Floating-point operations of one forward pass (multiply-adds count 2), for context in reports. */
export function forwardFlops(inst: Instance): number {
  let f = 0;
  for (const s of inst.layers) f += 2 * inst.spec.n * s.fanIn * s.fanOut;
  return f;
}
