/**
 * Autodiff speed and memory (issue 2).
 *
 * 1. Tanh MLPs, loss as a function of one flat parameter vector θ: small 2-16-16-1
 *    (N = 64, mean squared error), medium 64-128-128-10 (N = 256, softmax cross-entropy),
 *    large 784-256-256-10 (N = 128, softmax cross-entropy). Medians of loss, value-and-grad
 *    and hvp time (reverse-over-reverse, and forward-over-reverse for comparison) and the
 *    per-round ratios grad/loss and hvp/grad. Targets: both ratios ≤ 3 on medium and large.
 * 2. matmul GFLOP/s at n = 256 beside a scalar multiply-add loop timed in the same run
 *    (target ≥ 45% of the loop) and a plain i-k-j triple loop.
 * 3. Heap after full collections before and after 10^5 gradient calls on the small MLP.
 *
 *   npx tsx bench/autodiff.bench.ts [--quick]
 */
import {
  Rng, Tensor, add, hvp, hvpForwardOverReverse, matmul, mean, randomNormal, reshape, slice, softmaxCrossEntropy, square, sub, tanh,
  transpose, valueAndGrad, type ScalarFn,
} from '../src/autodiff/index.js';
import { collector, fmt, heapAfterGc, loadNote, timeRounds } from './util.js';

const quick = process.argv.includes('--quick');
const budgetMs = quick ? 800 : 4000;

interface Problem {
  name: string;
  sizes: number[];
  n: number;
  loss: 'mse' | 'xent';
}

const PROBLEMS: Problem[] = [
  { name: 'small', sizes: [2, 16, 16, 1], n: 64, loss: 'mse' },
  { name: 'medium', sizes: [64, 128, 128, 10], n: 256, loss: 'xent' },
  { name: 'large', sizes: [784, 256, 256, 10], n: 128, loss: 'xent' },
];

/** The loss of a tanh MLP as a function of its flat parameters (W as [out, in] then b, layer by layer), and an initial θ. */
export function mlpProblem(p: Problem, seed = 1): { loss: ScalarFn; theta: Tensor; numParams: number } {
  const rng = new Rng(seed);
  const { sizes, n } = p;
  const X = randomNormal([n, sizes[0]!], rng);
  const out = sizes[sizes.length - 1]!;
  const Y = randomNormal([n, out], rng);
  const labels = Array.from({ length: n }, () => rng.int(out));
  let numParams = 0;
  for (let l = 0; l + 1 < sizes.length; l++) numParams += sizes[l]! * sizes[l + 1]! + sizes[l + 1]!;
  const th = new Float64Array(numParams);
  let at = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const fanIn = sizes[l]!;
    for (let i = 0; i < sizes[l + 1]! * fanIn; i++) th[at++] = rng.normal() / Math.sqrt(fanIn);
    for (let i = 0; i < sizes[l + 1]!; i++) th[at++] = 0.1 * rng.normal();
  }
  const loss: ScalarFn = (theta) => {
    let h = X;
    let off = 0;
    for (let l = 0; l + 1 < sizes.length; l++) {
      const i = sizes[l]!;
      const o = sizes[l + 1]!;
      const W = reshape(slice(theta, off, off + o * i), [o, i]);
      off += o * i;
      const b = slice(theta, off, off + o);
      off += o;
      const z = add(matmul(h, transpose(W)), b);
      h = l + 2 < sizes.length ? tanh(z) : z;
    }
    return p.loss === 'mse' ? mean(square(sub(h, Y))) : softmaxCrossEntropy(h, labels);
  };
  return { loss, theta: new Tensor([numParams], th), numParams };
}

function mlpBench(): void {
  console.log(`\n## MLP loss / grad / hvp (${loadNote()})`);
  console.log('problem  params   loss ms   grad ms   hvp ms   hvp-fwd ms   grad/loss   hvp/grad   fwd-over-rev/rev-over-rev');
  for (const p of PROBLEMS) {
    const { loss, theta, numParams } = mlpProblem(p);
    const vg = valueAndGrad(loss);
    const v = randomNormal([numParams], new Rng(2));
    const r = timeRounds([() => loss(theta), () => vg(theta), () => hvp(loss, theta, v), () => hvpForwardOverReverse(loss, theta, v)], { budgetMs });
    const ratio0 = r.ratioTo(0);
    const ratio1 = r.ratioTo(1);
    const ratio2 = r.ratioTo(2);
    console.log(
      `${p.name.padEnd(8)} ${String(numParams).padStart(6)}   ${fmt(r.ms[0]!).padStart(7)}   ${fmt(r.ms[1]!).padStart(7)}   ${fmt(r.ms[2]!).padStart(6)}   ${fmt(r.ms[3]!).padStart(10)}   ${ratio0[1]!.toFixed(2).padStart(9)}   ${ratio1[2]!.toFixed(2).padStart(8)}   ${ratio2[3]!.toFixed(2).padStart(10)}`,
    );
  }
}

function naiveMatmul(A: Float64Array, B: Float64Array, n: number): Float64Array {
  const C = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const a = A[i * n + k]!;
      for (let j = 0; j < n; j++) C[i * n + j] += a * B[k * n + j]!;
    }
  }
  return C;
}

/** The reference: one accumulator, `s += x[i] * y[i]` over arrays that stay in L1. */
function multiplyAddLoop(x: Float64Array, y: Float64Array, reps: number): number {
  let s = 0;
  for (let r = 0; r < reps; r++) for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}

function matmulBench(): void {
  const n = 256;
  const rng = new Rng(3);
  const A = randomNormal([n, n], rng);
  const B = randomNormal([n, n], rng);
  const x = randomNormal([1024], rng).data;
  const y = randomNormal([1024], rng).data;
  const flops = 2 * n * n * n;
  const reps = flops / (2 * x.length);
  const r = timeRounds([() => matmul(A, B), () => multiplyAddLoop(x, y, reps), () => naiveMatmul(A.data, B.data, n)], { budgetMs });
  const gf = r.ms.map((ms) => flops / (ms * 1e6));
  const ratios = r.ratioTo(0);
  console.log(`\n## matmul n = ${n} (${loadNote()})`);
  console.log(`register-blocked matmul  ${fmt(r.ms[0]!)} ms  ${gf[0]!.toFixed(2)} GFLOP/s`);
  console.log(`scalar multiply-add loop ${fmt(r.ms[1]!)} ms  ${gf[1]!.toFixed(2)} GFLOP/s  (same flop count)`);
  console.log(`naive i-k-j loop         ${fmt(r.ms[2]!)} ms  ${gf[2]!.toFixed(2)} GFLOP/s`);
  console.log(`matmul rate / multiply-add loop rate, per-round median: ${(100 * ratios[1]!).toFixed(0)}% (target ≥ 45%)`);
}

function heapBench(): void {
  const { loss, theta } = mlpProblem(PROBLEMS[0]!);
  const vg = valueAndGrad(loss);
  const gc = collector();
  const total = quick ? 20_000 : 100_000;
  for (let i = 0; i < 500; i++) vg(theta);
  const readings: [number, number][] = [[0, heapAfterGc(gc)]];
  const t0 = performance.now();
  let sink = 0;
  for (let i = 1; i <= total; i++) {
    sink += vg(theta).value;
    if (i % (total / 4) === 0) readings.push([i, heapAfterGc(gc)]);
  }
  const us = ((performance.now() - t0) * 1000) / total;
  void sink;
  console.log(`\n## heap over ${total} gradient calls, small MLP (${loadNote()})`);
  console.log(readings.map(([c, mb]) => `${c} calls: ${mb.toFixed(2)} MB`).join('; '));
  const growth = ((readings[readings.length - 1]![1] - readings[0]![1]) * 2 ** 20) / total;
  console.log(`growth ${growth.toFixed(2)} bytes/call; ${us.toFixed(1)} µs per call including collections`);
}

const which = process.argv.find((a) => a.startsWith('--part='))?.slice(7);
if (!which || which === 'mlp') mlpBench();
if (!which || which === 'matmul') matmulBench();
if (!which || which === 'heap') heapBench();
