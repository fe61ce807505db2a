/** The benchmark MLP problems of issue 2, shared by bench/autodiff.bench.ts and profiling scripts. */
import {
  Rng, Tensor, add, matmul, mean, randomNormal, reshape, slice, softmaxCrossEntropy, square, sub, tanh, transpose, type ScalarFn,
} from '../src/autodiff/index.js';

export interface Problem {
  name: string;
  sizes: number[];
  n: number;
  loss: 'mse' | 'xent';
}

export const PROBLEMS: Problem[] = [
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

