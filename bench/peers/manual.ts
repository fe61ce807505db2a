/**
 * The same losses and gradients written out by hand in plain float64 loops:
 * no tape, no tensors, no allocation beyond the activations. Two uses:
 *
 * 1. An independent oracle: igr's loss and gradient must match it to float64
 *    round-off, and finite differences of its gradient check igr's HVP.
 * 2. The plain-TypeScript baseline: what one core gets with straightforward
 *    loops, so the autodiff's overhead over hand-written backprop is a number.
 *
 * Layer l: z = a W^T + b (z[i,o] = sum_k a[i,k] W[o,k] + b[o]), a' = tanh(z)
 * except after the last layer. MSE: mean over all n*K outputs of (z - y)^2.
 * Cross-entropy: mean over rows of logsumexp(z_i) - z_i[label_i].
 */
import type { Instance } from './problems.js';

/** Forward pass; returns the activations of every layer (a_0 = x) and the final linear output. */
function forward(inst: Instance, theta: Float64Array): { acts: Float64Array[]; out: Float64Array } {
  const n = inst.spec.n;
  const acts: Float64Array[] = [inst.x];
  let a = inst.x;
  let out = a;
  inst.layers.forEach((s, l) => {
    const z = new Float64Array(n * s.fanOut);
    for (let i = 0; i < n; i++) {
      const ai = i * s.fanIn;
      for (let o = 0; o < s.fanOut; o++) {
        const wo = s.wOffset + o * s.fanIn;
        let acc = theta[s.bOffset + o]!;
        for (let k = 0; k < s.fanIn; k++) acc += a[ai + k]! * theta[wo + k]!;
        z[i * s.fanOut + o] = acc;
      }
    }
    if (l + 1 < inst.layers.length) {
      for (let j = 0; j < z.length; j++) z[j] = Math.tanh(z[j]!);
      acts.push(z);
      a = z;
    } else {
      out = z;
    }
  });
  return { acts, out };
}

/** Loss value and its derivative with respect to the final linear output. */
function lossAndSeed(inst: Instance, out: Float64Array): { loss: number; dOut: Float64Array } {
  const n = inst.spec.n;
  const k = inst.layers[inst.layers.length - 1]!.fanOut;
  const dOut = new Float64Array(out.length);
  let loss = 0;
  if (inst.spec.loss === 'mse') {
    const scale = 1 / out.length;
    for (let j = 0; j < out.length; j++) {
      const r = out[j]! - inst.y[j]!;
      loss += r * r;
      dOut[j] = 2 * r * scale;
    }
    return { loss: loss * scale, dOut };
  }
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let c = 0; c < k; c++) m = Math.max(m, out[i * k + c]!);
    let s = 0;
    for (let c = 0; c < k; c++) s += Math.exp(out[i * k + c]! - m);
    const lse = m + Math.log(s);
    const label = inst.labels[i]!;
    loss += lse - out[i * k + label]!;
    for (let c = 0; c < k; c++) dOut[i * k + c] = (Math.exp(out[i * k + c]! - lse) - (c === label ? 1 : 0)) / n;
  }
  return { loss: loss / n, dOut };
}

export function manualLoss(inst: Instance, theta: Float64Array): number {
  return lossAndSeed(inst, forward(inst, theta).out).loss;
}

export function manualValueAndGrad(inst: Instance, theta: Float64Array): { value: number; grad: Float64Array } {
  const n = inst.spec.n;
  const { acts, out } = forward(inst, theta);
  const { loss, dOut } = lossAndSeed(inst, out);
  const g = new Float64Array(inst.numParams);
  let dz = dOut;
  for (let l = inst.layers.length - 1; l >= 0; l--) {
    const s = inst.layers[l]!;
    const a = acts[l]!;
    // dW[o,k] = sum_i dz[i,o] a[i,k];  db[o] = sum_i dz[i,o]
    for (let i = 0; i < n; i++) {
      const ai = i * s.fanIn;
      for (let o = 0; o < s.fanOut; o++) {
        const d = dz[i * s.fanOut + o]!;
        if (d === 0) continue;
        g[s.bOffset + o] += d;
        const wo = s.wOffset + o * s.fanIn;
        for (let k = 0; k < s.fanIn; k++) g[wo + k] += d * a[ai + k]!;
      }
    }
    if (l === 0) break;
    // da[i,k] = sum_o dz[i,o] W[o,k]; through tanh: dz_prev = da (1 - a^2)
    const da = new Float64Array(n * s.fanIn);
    for (let i = 0; i < n; i++) {
      const ai = i * s.fanIn;
      for (let o = 0; o < s.fanOut; o++) {
        const d = dz[i * s.fanOut + o]!;
        const wo = s.wOffset + o * s.fanIn;
        for (let k = 0; k < s.fanIn; k++) da[ai + k] += d * theta[wo + k]!;
      }
    }
    for (let j = 0; j < da.length; j++) da[j] *= 1 - a[j]! * a[j]!;
    dz = da;
  }
  return { value: loss, grad: g };
}

/**
 * H v by a central difference of hand-written gradients, (g(θ+εv) - g(θ-εv)) / 2ε.
 * Truncation error O(ε² |∇³E|), round-off O(u |g| / ε) with u = 2^-53; ε = 1e-5
 * (about u^(1/3) scaled for |v| = 1) balances them near 1e-10 relative: far
 * below the float32 peers' error, and independent of igr's second-order machinery.
 */
export function manualHvpFd(inst: Instance, theta: Float64Array, v: Float64Array, eps = 1e-5): Float64Array {
  const tp = new Float64Array(theta.length);
  const tm = new Float64Array(theta.length);
  for (let i = 0; i < theta.length; i++) {
    tp[i] = theta[i]! + eps * v[i]!;
    tm[i] = theta[i]! - eps * v[i]!;
  }
  const gp = manualValueAndGrad(inst, tp).grad;
  const gm = manualValueAndGrad(inst, tm).grad;
  const hv = new Float64Array(theta.length);
  for (let i = 0; i < theta.length; i++) hv[i] = (gp[i]! - gm[i]!) / (2 * eps);
  return hv;
}

/** |a - b|_2 / |b|_2: the agreement measure used throughout the report. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`relErr: lengths differ (${a.length} vs ${b.length})`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    num += d * d;
    den += b[i]! * b[i]!;
  }
  if (!Number.isFinite(num)) return Number.NaN;
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}
