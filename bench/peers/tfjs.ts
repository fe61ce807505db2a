/**
 * TensorFlow.js with its pure-JavaScript CPU backend (float32 only). The loss
 * is written with tfjs ops on the flat parameter vector exactly as igr unpacks
 * it; gradients by tf.valueAndGrad / tf.grad, the HVP by nesting tf.grad
 * (H v = ∇_θ <v, ∇E(θ)>), which is what a user would try. tfjs issue 3252:
 * second derivatives through some ops (tanh among them) are not correct or
 * not supported; whatever happens is measured and reported, not worked around.
 */
import type * as TF from '@tensorflow/tfjs-core';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { messageOf, type Peer, type PeerUnavailable, type PreparedProblem } from './peer.js';
import type { Instance } from './problems.js';
import { packageVersion } from './versions.js';

/**
 * tfjs-core's ESM build uses directory imports that Node's ESM loader rejects,
 * and its Node (CommonJS) bundle registers no gradient functions (the umbrella
 * @tensorflow/tfjs package, not installed here, does that for its users). So
 * the harness bundles tfjs-core + its gradient registrations + the CPU backend
 * into one CommonJS file with esbuild, as an application bundler would, and
 * loads that: one copy of tfjs, all gradients, the pure-JS CPU kernels.
 */
async function bundleTfjs(): Promise<typeof TF> {
  const esbuild = await import('esbuild');
  const coreVersion = packageVersion('@tensorflow/tfjs-core');
  const outfile = join(tmpdir(), `igr-bench-peers-tfjs-${coreVersion}-${process.pid}.cjs`);
  await esbuild.build({
    stdin: {
      contents: [
        "export * from '@tensorflow/tfjs-core';",
        "import '@tensorflow/tfjs-core/dist/register_all_gradients';",
        "import '@tensorflow/tfjs-backend-cpu';",
      ].join('\n'),
      resolveDir: process.cwd(),
      loader: 'js',
    },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    // The ESM sources ("module"), so that gradients and backend share one core.
    mainFields: ['module', 'main'],
    outfile,
    logLevel: 'error',
  });
  try {
    return createRequire(import.meta.url)(outfile) as typeof TF;
  } finally {
    rmSync(outfile, { force: true });
  }
}

export async function loadTfjs(): Promise<Peer | PeerUnavailable> {
  const version = `@tensorflow/tfjs-core ${packageVersion('@tensorflow/tfjs-core')} + tfjs-backend-cpu ${packageVersion('@tensorflow/tfjs-backend-cpu')}`;
  let tf: typeof TF;
  try {
    tf = await bundleTfjs();
    const ok = await tf.setBackend('cpu');
    if (!ok) throw new Error("tf.setBackend('cpu') returned false");
    await tf.ready();
    // Production mode skips tfjs's debug checks: its fastest setting.
    tf.enableProdMode();
  } catch (e) {
    return { name: 'tfjs-cpu', version, error: messageOf(e) };
  }
  return {
    name: 'tfjs-cpu',
    version,
    precision: 'float32',
    how: `backend '${tf.getBackend()}' (pure JS, one thread), prod mode, eager`,
    matmul: (n, a, b) => {
      const A = tf.tensor2d(Float32Array.from(a), [n, n]);
      const B = tf.tensor2d(Float32Array.from(b), [n, n]);
      return () => {
        const c = tf.matMul(A, B);
        const data = c.dataSync();
        c.dispose();
        return data;
      };
    },
    prepare: (inst) => {
      // The CPU backend prints a one-time hint about tfjs-node on its first tensor; keep the report clean.
      const warn = console.warn;
      console.warn = () => {};
      try {
        return prepareTf(tf, inst);
      } finally {
        console.warn = warn;
      }
    },
  };
}

function prepareTf(tf: typeof TF, inst: Instance): PreparedProblem {
  const n = inst.spec.n;
  const d = inst.spec.sizes[0]!;
  const k = inst.spec.sizes[inst.spec.sizes.length - 1]!;
  const X = tf.tensor2d(Float32Array.from(inst.x), [n, d]);
  const Y = inst.spec.loss === 'mse' ? tf.tensor2d(Float32Array.from(inst.y), [n, k]) : null;
  const onehot =
    inst.spec.loss === 'softmax-ce' ? tf.cast(tf.oneHot(tf.tensor1d(inst.labels, 'int32'), k), 'float32') : null;
  const theta = tf.tensor1d(Float32Array.from(inst.theta));
  const v = tf.tensor1d(Float32Array.from(inst.v));

  const lossFn = (th: TF.Tensor): TF.Scalar => {
    let a: TF.Tensor = X;
    let z: TF.Tensor = X;
    inst.layers.forEach((s, l) => {
      const W = tf.reshape(tf.slice(th, [s.wOffset], [s.fanIn * s.fanOut]), [s.fanOut, s.fanIn]);
      const b = tf.slice(th, [s.bOffset], [s.fanOut]);
      z = tf.add(tf.matMul(a as TF.Tensor2D, W as TF.Tensor2D, false, true), b);
      if (l + 1 < inst.layers.length) a = tf.tanh(z);
    });
    if (Y) return tf.mean(tf.square(tf.sub(z, Y)));
    return tf.mean(tf.sub(tf.logSumExp(z, 1), tf.sum(tf.mul(z, onehot!), 1)));
  };
  const gradFn = tf.grad(lossFn);
  const hvpFn = tf.grad((th: TF.Tensor) => tf.sum(tf.mul(v, gradFn(th))));

  const read = (f: () => TF.Tensor): Float32Array => {
    const t = tf.tidy(f);
    const out = t.dataSync() as Float32Array;
    t.dispose();
    return out;
  };
  const prepared: PreparedProblem = {
    loss: () => read(() => lossFn(theta))[0]!,
    grad: () => read(() => gradFn(theta)),
    dispose: () => {
      for (const t of [X, Y, onehot, theta, v]) t?.dispose();
    },
  };
  try {
    read(() => hvpFn(theta));
    prepared.hvp = () => read(() => hvpFn(theta));
  } catch (e) {
    prepared.hvpError = messageOf(e);
  }
  return prepared;
}
