/**
 * Cost of one optimiser step on an MNIST-sized MLP with N = 1000 digits:
 * a full-batch GD step (one value-and-gradient), and one EGR step with the
 * Hessian-vector product exact (double backprop) or by a finite difference of
 * gradients (two gradients). Prints medians (CPU and wall ms) and the median
 * per-round CPU-time ratio to the GD step (rounds interleave the three).
 *
 *   npx tsx bench/nn.bench.ts [--reps 7] [--quick]
 */
import { cpus, loadavg } from 'node:os';
import { hvp, tensor, valueAndGrad } from '../src/autodiff/index.js';
import { egrGradient, lossFunction, mlp } from '../src/nn/index.js';
import { loadMnist } from '../src/node/index.js';
import { median } from './util.js';

const args = process.argv.slice(2);
const reps = Number(args[args.indexOf('--reps') + 1] ?? 7) || 7;
const quick = args.includes('--quick');

/**
 * Times the candidates in interleaved rounds (one call of each per round), so a
 * change of machine load hits all alike. Measures wall time and process CPU time
 * (user + system, from `process.cpuUsage`): on a shared, oversubscribed machine the
 * CPU time is the steadier figure. Returns medians and the median over rounds of
 * each candidate's CPU time divided by the first candidate's.
 */
function timeRounds(fns: (() => void)[]): { wall: number[]; cpu: number[]; ratio: number[] } {
  fns.forEach((fn) => fn()); // warm-up: JIT and allocation
  const wall = fns.map(() => [] as number[]);
  const cpu = fns.map(() => [] as number[]);
  for (let r = 0; r < reps; r++) {
    fns.forEach((fn, i) => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      fn();
      wall[i]!.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu[i]!.push((c.user + c.system) / 1000);
    });
  }
  return {
    wall: wall.map(median),
    cpu: cpu.map(median),
    ratio: cpu.map((t) => median(t.map((v, r) => v / cpu[0]![r]!))),
  };
}

const configs = quick
  ? [{ pool: true, sizes: [196, 32, 10], n: 500 }]
  : [
      { pool: true, sizes: [196, 64, 10], n: 1000 },
      { pool: false, sizes: [784, 128, 10], n: 1000 },
    ];

console.log(`nn step costs, median of ${reps}; ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('CPU ms (wall ms) per step; ratios of CPU time to the GD step');
console.log('model            N     params   GD                EGR exact                  EGR finite-difference      gradient + hvp (unshared)');
for (const { pool, sizes, n } of configs) {
  const { train } = await loadMnist({ train: n, test: 1, seed: 0, pool });
  const model = mlp({ sizes, activation: 'tanh' });
  const loss = lossFunction(model, train);
  const theta = model.init(1);
  const { wall, cpu, ratio } = timeRounds([
    () => void valueAndGrad(loss)(tensor(theta)),
    () => void egrGradient(loss, theta, 0.01, 'exact'),
    () => void egrGradient(loss, theta, 0.01, 'finite-difference'),
    // The unshared alternative to egrGradient's double backprop: a gradient, then the autodiff's hvp.
    () => {
      const g = valueAndGrad(loss)(tensor(theta)).grad;
      void hvp(loss, tensor(theta), g);
    },
  ]);
  const cell = (i: number) => `${cpu[i]!.toFixed(1)} (${wall[i]!.toFixed(1)})`;
  console.log(
    `${sizes.join('-').padEnd(16)} ${String(n).padEnd(5)} ${String(model.numParams).padStart(6)}   ${cell(0).padEnd(16)}  ` +
      `${(cell(1) + ` ${ratio[1]!.toFixed(2)}×`).padEnd(25)}  ${(cell(2) + ` ${ratio[2]!.toFixed(2)}×`).padEnd(25)}  ${cell(3)} ${ratio[3]!.toFixed(2)}×`,
  );
}
