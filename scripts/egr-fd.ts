/**
 * Explicit gradient regularization, exact against finite-difference: the cost
 * of one step of each (medians, against a plain GD step) and how well they
 * agree, on the MNIST MLP of the experiments (196-64-10 tanh, 1000 digits).
 *
 *   npx tsx scripts/egr-fd.ts [steps=200]
 *
 * Agreement is measured (1) on the regulariser's gradient 2μHg at one point,
 * and (2) on whole trajectories: EGR exact and finite-difference trained from the
 * same initialisation for `steps` steps.
 */
import { tensor, valueAndGrad } from '../src/autodiff/index.js';
import { egrGradient, lossFunction, mlp, train } from '../src/nn/index.js';
import { loadRunData } from '../src/igr/experiments/run.js';
import { nodeDataSources } from '../src/node/index.js';
import { makeRunConfig, modelSizes } from '../src/igr/experiments/config.js';
import { loadavg } from 'node:os';

const steps = Number(process.argv[2] ?? 200);
const config = makeRunConfig({ data: 'mnist', train: 1000, test: 2000, hidden: [64] });
const data = await loadRunData(config, undefined, nodeDataSources);
const model = mlp({ sizes: modelSizes(config), activation: 'tanh', init: 'lecun' });
const loss = lossFunction(model, data.train);
const theta0 = model.init(0);
const mu = 0.5;
const h = 0.25;

// A point part-way through training, where H g is not special.
const theta = train({ loss, params0: theta0, optimizer: { kind: 'gd', lr: 1 }, steps: 50 }).params;

function median(f: () => void, repeats = 7): number {
  const times: number[] = [];
  f(); // warm-up
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    f();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(repeats / 2)]!;
}

const gd = median(() => valueAndGrad(loss)(tensor(theta)));
const exact = median(() => egrGradient(loss, theta, mu, 'exact'));
const fd = median(() => egrGradient(loss, theta, mu, 'finite-difference'));

const g = valueAndGrad(loss)(tensor(theta)).grad.data;
const dExact = egrGradient(loss, theta, mu, 'exact').gradient;
const dFd = egrGradient(loss, theta, mu, 'finite-difference').gradient;
let num = 0;
let regNorm = 0;
let dirNorm = 0;
for (let i = 0; i < g.length; i++) {
  num += (dFd[i]! - dExact[i]!) ** 2;
  regNorm += (dExact[i]! - g[i]!) ** 2;
  dirNorm += dExact[i]! ** 2;
}

const run = (hvp: 'exact' | 'finite-difference') => train({ loss, params0: theta0, optimizer: { kind: 'egr', lr: h, mu, hvp }, steps });
const a = run('exact');
const b = run('finite-difference');
let gap = 0;
let travel = 0;
for (let i = 0; i < theta0.length; i++) {
  gap += (a.params[i]! - b.params[i]!) ** 2;
  travel += (a.params[i]! - theta0[i]!) ** 2;
}

console.log(`MNIST 196-64-10 tanh, ${data.train.X.shape[0]} digits, m = ${model.numParams}, μ = ${mu}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log(`one step, median of 7: GD gradient ${gd.toFixed(1)} ms; EGR exact ${exact.toFixed(1)} ms (${(exact / gd).toFixed(2)}× GD); EGR finite-difference ${fd.toFixed(1)} ms (${(fd / gd).toFixed(2)}× GD)`);
console.log(
  `at one point: |d_fd − d_exact| / |2μHg| = ${(Math.sqrt(num) / Math.sqrt(regNorm)).toExponential(2)}, / |d_exact| = ${(Math.sqrt(num) / Math.sqrt(dirNorm)).toExponential(2)}`,
);
console.log(
  `${steps} EGR steps at h = ${h}: final E exact ${a.finalLoss.toFixed(6)}, finite-difference ${b.finalLoss.toFixed(6)}; |θ_exact − θ_fd| / |θ_exact − θ_0| = ${(Math.sqrt(gap) / Math.sqrt(travel)).toExponential(2)}; wall ${a.seconds.toFixed(1)} s vs ${b.seconds.toFixed(1)} s`,
);
