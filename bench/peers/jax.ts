/**
 * jax-js (@jax-js/jax) on its WebAssembly CPU backend, in float32 and float64.
 *
 * Running it under Node 20 takes two accommodations, both recorded in the report:
 * - `init()` with no argument probes WebGPU through `navigator.gpu`, and Node 20
 *   has no global `navigator` (ReferenceError), so only 'wasm' is initialised.
 * - `np.array(Float64Array)` tests `data instanceof Float16Array` first, and
 *   Node 20 has no Float16Array (ReferenceError). An empty stand-in class is
 *   installed when the global is missing, so the test is simply false; nothing
 *   of jax-js's arithmetic is touched.
 * Its wasm backend multi-threads through Web Workers when `Worker` and
 * SharedArrayBuffer exist; Node 20 has no global `Worker`, so it runs on one
 * thread here, like igr and tfjs.
 *
 * jax-js arrays are reference counted and every function consumes its
 * arguments, hence the `.ref`s. Loss, gradient and HVP are each wrapped in
 * `jit` (fused, compiled wasm kernels: how jax-js is meant to be used); the
 * HVP is forward-over-reverse, `jvp(grad(E), θ, v)`, as JAX recommends.
 */
import type * as JAX from '@jax-js/jax';
import { messageOf, type Peer, type PeerUnavailable, type PreparedProblem } from './peer.js';
import type { Instance } from './problems.js';
import { packageVersion } from './versions.js';

type Jax = typeof JAX;
type Arr = JAX.Array;

let loaded: Promise<Jax> | null = null;

async function loadJaxModule(): Promise<Jax> {
  const g = globalThis as { Float16Array?: unknown };
  if (typeof g.Float16Array === 'undefined') g.Float16Array = class Float16ArrayAbsentInNode20 {};
  const jax = await import('@jax-js/jax');
  const devices = await jax.init('wasm');
  if (!devices.includes('wasm')) throw new Error(`jax-js init('wasm') gave devices [${devices.join(', ')}]`);
  jax.defaultDevice('wasm');
  return jax;
}

export async function loadJax(dtype: 'float32' | 'float64', useJit = true): Promise<Peer | PeerUnavailable> {
  const name = `jax-js-wasm-${dtype === 'float32' ? 'f32' : 'f64'}${useJit ? '' : '-eager'}`;
  const version = `@jax-js/jax ${packageVersion('@jax-js/jax')}`;
  let jax: Jax;
  try {
    loaded ??= loadJaxModule();
    jax = await loaded;
  } catch (e) {
    return { name, version, error: messageOf(e) };
  }
  const threads = typeof (globalThis as { Worker?: unknown }).Worker === 'undefined' ? 'one thread (no global Worker)' : 'Web Workers';
  return {
    name,
    version,
    precision: dtype,
    how: `device 'wasm', ${threads}, ${useJit ? 'jit' : 'eager'}`,
    prepare: (inst) => prepareJax(jax, inst, dtype, useJit),
    // The eager variant exists to check the jit one's HVP; one matmul figure per dtype suffices.
    matmul: useJit ? (n, a, b) => {
      const np = jax.numpy;
      const cast = (x: Float64Array): Float32Array | Float64Array => (dtype === 'float32' ? Float32Array.from(x) : Float64Array.from(x));
      const A = np.array(cast(a), { shape: [n, n] });
      const B = np.array(cast(b), { shape: [n, n] });
      const mm = jax.jit((x: Arr, y: Arr) => np.matmul(x, y));
      return () => mm(A.ref, B.ref).dataSync();
    } : undefined,
  };
}

function prepareJax(jax: Jax, inst: Instance, dtype: 'float32' | 'float64', useJit: boolean): PreparedProblem {
  const np = jax.numpy;
  const n = inst.spec.n;
  const d = inst.spec.sizes[0]!;
  const k = inst.spec.sizes[inst.spec.sizes.length - 1]!;
  const arr = (values: Float64Array, shape: number[]): Arr =>
    np.array(dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values), { shape });
  const X = arr(inst.x, [n, d]);
  const Y = inst.spec.loss === 'mse' ? arr(inst.y, [n, k]) : null;
  let onehot: Arr | null = null;
  if (inst.spec.loss === 'softmax-ce') {
    const oh = new Float64Array(n * k);
    for (let i = 0; i < n; i++) oh[i * k + inst.labels[i]!] = 1;
    onehot = arr(oh, [n, k]);
  }
  const theta = arr(inst.theta, [inst.numParams]);
  const v = arr(inst.v, [inst.numParams]);

  // Consumes th (ownership rule); constants are passed as .ref so they survive.
  const lossFn = (th: Arr): Arr => {
    let a = X.ref;
    let z: Arr | null = null;
    inst.layers.forEach((s, l) => {
      const W = th.ref.slice([s.wOffset, s.wOffset + s.fanIn * s.fanOut]).reshape([s.fanOut, s.fanIn]);
      const b = th.ref.slice([s.bOffset, s.bOffset + s.fanOut]);
      const zl = np.matmul(a, W.transpose()).add(b);
      if (l + 1 < inst.layers.length) a = np.tanh(zl);
      else z = zl;
    });
    th.dispose();
    const out = z!;
    if (Y) return np.square(out.sub(Y.ref)).mean();
    return jax.nn.logsumexp(out.ref, 1).sub(out.mul(onehot!.ref).sum(1)).mean();
  };
  const gradFn = jax.grad(lossFn);
  const hvpFn = (th: Arr, dir: Arr): Arr => {
    const [g, hv] = jax.jvp(gradFn, [th], [dir]);
    g.dispose();
    return hv;
  };
  const owned: { dispose(): void }[] = [];
  const wrap = <F extends (...args: Arr[]) => Arr>(f: F): F => {
    if (!useJit) return f;
    const j = jax.jit(f);
    owned.push(j);
    return j as unknown as F;
  };
  const lossJ = wrap(lossFn);
  const gradJ = wrap(gradFn as (th: Arr) => Arr);
  const hvpJ = wrap(hvpFn);

  const prepared: PreparedProblem = {
    loss: () => (lossJ(theta.ref).dataSync() as ArrayLike<number>)[0]!,
    grad: () => gradJ(theta.ref).dataSync() as ArrayLike<number>,
    dispose: () => {
      for (const o of owned) o.dispose();
      for (const t of [X, Y, onehot, theta, v]) t?.dispose();
    },
  };
  try {
    hvpJ(theta.ref, v.ref).dataSync();
    prepared.hvp = () => hvpJ(theta.ref, v.ref).dataSync() as ArrayLike<number>;
  } catch (e) {
    prepared.hvpError = messageOf(e);
  }
  return prepared;
}
