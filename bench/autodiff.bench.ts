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
 * 3. Per-call overhead on a tiny two-parameter loss (value, grad, hvp, third derivative).
 * 4. Heap after full collections before and after 10^5 gradient calls on the small MLP.
 *
 *   npx tsx bench/autodiff.bench.ts [--quick]
 */
import {
  Rng, add, dot, grad, hvp, hvpForwardOverReverse, matmul, mul, randomNormal, slice, square, sum, tensor, valueAndGrad, type Tensor,
} from '../src/autodiff/index.js';
import { PROBLEMS, mlpProblem } from './autodiff-mlp.js';
import { collector, fmt, heapAfterGc, loadNote, timeRounds } from './util.js';

const quick = process.argv.includes('--quick');
const budgetMs = quick ? 800 : 4000;

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

/** A stricter reference: eight independent accumulators, so the adds are not serialised on one register (scalar throughput, not latency). */
function multiplyAddLoop8(x: Float64Array, y: Float64Array, reps: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < x.length; i += 8) {
      s0 += x[i]! * y[i]!; s1 += x[i + 1]! * y[i + 1]!; s2 += x[i + 2]! * y[i + 2]!; s3 += x[i + 3]! * y[i + 3]!;
      s4 += x[i + 4]! * y[i + 4]!; s5 += x[i + 5]! * y[i + 5]!; s6 += x[i + 6]! * y[i + 6]!; s7 += x[i + 7]! * y[i + 7]!;
    }
  }
  return s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
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
  const r = timeRounds([() => matmul(A, B), () => multiplyAddLoop(x, y, reps), () => naiveMatmul(A.data, B.data, n), () => multiplyAddLoop8(x, y, reps)], { budgetMs });
  const gf = r.ms.map((ms) => flops / (ms * 1e6));
  const ratios = r.ratioTo(0);
  console.log(`\n## matmul n = ${n} (${loadNote()})`);
  console.log(`register-blocked matmul  ${fmt(r.ms[0]!)} ms  ${gf[0]!.toFixed(2)} GFLOP/s`);
  console.log(`scalar multiply-add loop ${fmt(r.ms[1]!)} ms  ${gf[1]!.toFixed(2)} GFLOP/s  (same flop count)`);
  console.log(`naive i-k-j loop         ${fmt(r.ms[2]!)} ms  ${gf[2]!.toFixed(2)} GFLOP/s`);
  console.log(`8-accumulator multiply-add  ${fmt(r.ms[3]!)} ms  ${gf[3]!.toFixed(2)} GFLOP/s  (same flop count)`);
  console.log(`matmul rate / multiply-add loop rate, per-round median: ${(100 * ratios[1]!).toFixed(0)}% (target ≥ 45%); / 8-accumulator loop: ${(100 * ratios[3]!).toFixed(0)}%`);
}

function heapBench(): void {
  const { loss, theta } = mlpProblem(PROBLEMS[0]!);
  const vg = valueAndGrad(loss);
  const gc = collector();
  const total = quick ? 20_000 : 100_000;
  // warm-up: let V8 optimise (code and type feedback are heap too) before the first reading
  for (let i = 0; i < 5000; i++) vg(theta);
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

/**
 * Per-call overhead on a tiny loss, where bookkeeping rather than arithmetic dominates (the
 * igr layer evaluates nested derivatives of two-parameter losses many thousand times):
 * E(a, b) = (1/2)(ab - 1)², its gradient, an hvp and a third-derivative contraction T[v, v].
 */
function tinyBench(): void {
  const E = (x: Tensor): Tensor => mul(sum(square(add(mul(slice(x, 0, 1), slice(x, 1, 2)), -1))), 0.5);
  const x = tensor([0.3, 1.2]);
  const v = tensor([1, 0.5]);
  const g = grad(E);
  const T = grad((y) => dot(hvp(E, y, v), v));
  const r = timeRounds([() => E(x), () => g(x), () => hvp(E, x, v), () => T(x)], { budgetMs });
  console.log(`\n## tiny loss E(a, b) = (ab - 1)²/2 (${loadNote()})`);
  console.log(`value ${fmt(r.ms[0]! * 1000)} µs, grad ${fmt(r.ms[1]! * 1000)} µs, hvp ${fmt(r.ms[2]! * 1000)} µs, third-derivative T[v, v] ${fmt(r.ms[3]! * 1000)} µs`);
}

const which = process.argv.find((a) => a.startsWith('--part='))?.slice(7);
if (!which || which === 'mlp') mlpBench();
if (!which || which === 'matmul') matmulBench();
if (!which || which === 'tiny') tinyBench();
if (!which || which === 'heap') heapBench();
