/**
 * Why the tanh primitive uses a branch-free kernel (issue 7): Math.tanh (V8's fdlibm tanh)
 * branches on |x| < 1, and on a network's pre-activations that branch is unpredictable.
 * Times, on the medium MLP's two hidden pre-activations (65 536 values, the tanh work of
 * one loss evaluation), Math.tanh on the values as they come, Math.tanh on the same values
 * sorted (predictable branches), and src/autodiff's tanhKernel; prints medians and ratios.
 *
 *   npx tsx bench/autodiff-tanh.ts
 */
import { loadavg } from 'node:os';
import { tanhKernel } from '../src/autodiff/kernels.js';
import * as ad from '../src/autodiff/index.js';
import { makeInstance, problemByName } from './peers/problems.js';

const inst = makeInstance(problemByName('medium'));
const X = ad.tensor(inst.x, [inst.spec.n, inst.spec.sizes[0]!]);
const theta = ad.tensor(inst.theta);
const zs: Float64Array[] = [];
let a = X;
for (const s of inst.layers.slice(0, -1)) {
  const W = ad.reshape(ad.slice(theta, s.wOffset, s.wOffset + s.fanIn * s.fanOut), [s.fanOut, s.fanIn]);
  const z = ad.add(ad.matmul(a, ad.transpose(W)), ad.slice(theta, s.bOffset, s.bOffset + s.fanOut));
  zs.push(z.data);
  a = ad.tanh(z);
}
const sorted = zs.map((z) => z.slice().sort());
const outs = zs.map((z) => new Float64Array(z.length));

function mathTanh(src: Float64Array[]): void {
  src.forEach((z, j) => {
    const o = outs[j]!;
    for (let i = 0; i < z.length; i++) o[i] = Math.tanh(z[i]!);
  });
}
const median = (xs: number[]): number => xs.slice().sort((x, y) => x - y)[xs.length >> 1]!;
const cases: [string, () => void][] = [
  ['Math.tanh, pre-activations as they come', () => mathTanh(zs)],
  ['Math.tanh, the same values sorted', () => mathTanh(sorted)],
  ['tanhKernel (branch-free), as they come', () => zs.forEach((z, j) => tanhKernel(z, outs[j]!))],
];
console.log(`load ${loadavg().map((v) => v.toFixed(2)).join(', ')}; ${zs.reduce((s, z) => s + z.length, 0)} values`);
const times = cases.map(() => [] as number[]);
for (let r = 0; r < 203; r++) {
  cases.forEach(([, f], c) => {
    const t = performance.now();
    f();
    if (r >= 3) times[c]!.push(performance.now() - t);
  });
}
const base = median(times[0]!);
cases.forEach(([name], c) => console.log(`${name}: ${median(times[c]!).toFixed(3)} ms  (Math.tanh as they come / this = ${(base / median(times[c]!)).toFixed(2)})`));
