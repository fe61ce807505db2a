/**
 * Cost of one optimiser step on an MNIST-sized MLP with N = 1000 digits:
 * a full-batch GD step (one value-and-gradient), and one EGR step with the
 * Hessian-vector product exact (double backprop) or by a finite difference of
 * gradients (two gradients). Prints medians in ms and ratios to the GD step.
 *
 *   npx tsx bench/nn.bench.ts [--reps 7] [--quick]
 */
import { cpus, loadavg } from 'node:os';
import { tensor, valueAndGrad } from '../src/autodiff/index.js';
import { egrGradient, loadMnist, lossFunction, mlp } from '../src/nn/index.js';

const args = process.argv.slice(2);
const reps = Number(args[args.indexOf('--reps') + 1] ?? 7) || 7;
const quick = args.includes('--quick');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 ? s[k]! : (s[k - 1]! + s[k]!) / 2;
}

function time(fn: () => void): number {
  fn(); // warm-up: JIT and allocation
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

const configs = quick
  ? [{ pool: true, sizes: [196, 32, 10], n: 500 }]
  : [
      { pool: true, sizes: [196, 64, 10], n: 1000 },
      { pool: false, sizes: [784, 128, 10], n: 1000 },
    ];

console.log(`nn step costs, median of ${reps}; ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('model            N     params   GD ms   EGR exact ms (×GD)   EGR fd ms (×GD)');
for (const { pool, sizes, n } of configs) {
  const { train } = await loadMnist({ train: n, test: 1, seed: 0, pool });
  const model = mlp({ sizes, activation: 'tanh' });
  const loss = lossFunction(model, train);
  const theta = model.init(1);
  const gd = time(() => void valueAndGrad(loss)(tensor(theta)));
  const exact = time(() => void egrGradient(loss, theta, 0.01, 'exact'));
  const fd = time(() => void egrGradient(loss, theta, 0.01, 'finite-difference'));
  console.log(
    `${sizes.join('-').padEnd(16)} ${String(n).padEnd(5)} ${String(model.numParams).padStart(6)} ${gd.toFixed(1).padStart(7)}` +
      `   ${exact.toFixed(1).padStart(8)} (${(exact / gd).toFixed(2)}×)` +
      `       ${fd.toFixed(1).padStart(8)} (${(fd / gd).toFixed(2)}×)`,
  );
}
