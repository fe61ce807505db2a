/**
 * Cost of the curvature layer (src/curvature):
 *  1. λ_max of the Hessian of the MNIST 196-64-10 tanh model (1,000 pooled digits, cross-entropy)
 *     at initialisation and after 200 steps of GD at h = 0.5: HVPs and time for Lanczos against
 *     PyHessian's power iteration, in one run. The reference λ* is Lanczos at tol 1e-12 (its
 *     certificate bounds |λ* − λ_max| by the residual). For each method: the first HVP count at
 *     which its estimate is within 1e-6 relative of λ* (Lanczos: the largest Ritz value of T_j,
 *     j = 1, 2, …; power iteration: the Rayleigh quotient of each iterate), the time that many
 *     HVPs take, and what its own stopping rule gives (Lanczos: certified, tol 1e-6; power
 *     iteration: PyHessian's defaults, relative change < 1e-3 within 100 HVPs).
 *  2. eigh and eigvalsh on random symmetric m × m matrices, m = 100, 200, 500: median CPU and wall
 *     ms per call (CPU time is the steadier figure on the shared machine).
 *
 *   npm run bench -- --only curvature [--quick]
 */
import { execSync } from 'node:child_process';
import { Rng, tensor, type ScalarFn } from '../src/autodiff/index.js';
import { eigh, eigvalsh, hessianEigs, hessianOperator, lanczosTridiagonal, powerIteration, tridiagonalEigenvalues } from '../src/curvature/index.js';
import { loadMnist, lossFunction, mlp, train } from '../src/nn/index.js';
import { fmt, loadNote, median } from './util.js';

const quick = process.argv.includes('--quick');
const commit = (() => {
  try {
    return execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();
console.log(`curvature bench, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, commit ${commit}, Node ${process.version}, ${loadNote()}\n`);

/** Wall and CPU milliseconds of one call. */
function timed<T>(fn: () => T): { value: T; wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { value, wall, cpu: (c.user + c.system) / 1000 };
}

const TARGET = 1e-6;

function lambdaMaxStudy(label: string, loss: ScalarFn, theta: Float64Array): void {
  const dim = theta.length;
  const op = hessianOperator(loss, theta);
  // reference: certified Lanczos at tol 1e-12
  const ref = timed(() => hessianEigs(loss, theta, { k: 1, tol: 1e-12 }));
  const lambda = ref.value.values[0]!;
  const hvpMs = ref.cpu / ref.value.hvps;
  console.log(`${label}: λ* = ${lambda.toPrecision(12)} (Lanczos tol 1e-12: ${ref.value.hvps} HVPs, residual ${ref.value.residuals[0]!.toExponential(2)}); one HVP ≈ ${hvpMs.toFixed(1)} ms CPU`);

  // Lanczos: the first j with |θ_max(T_j) − λ*| ≤ 1e-6 λ*, from one unrestarted run
  const steps = Math.min(dim, 120);
  const t = lanczosTridiagonal(op.apply, dim, { steps, seed: 0 });
  let lanczosHvps = -1;
  for (let j = 1; j <= t.alpha.length; j++) {
    const top = tridiagonalEigenvalues(t.alpha.subarray(0, j), t.beta.subarray(0, j - 1))[j - 1]!;
    if (Math.abs(top - lambda) <= TARGET * Math.abs(lambda)) {
      lanczosHvps = j;
      break;
    }
  }
  const lanczosTime = lanczosHvps > 0 ? timed(() => lanczosTridiagonal(op.apply, dim, { steps: lanczosHvps, seed: 0 })) : null;
  // Lanczos with its own certified stop at tol 1e-6
  const certified = timed(() => hessianEigs(loss, theta, { k: 1, tol: TARGET }));

  // power iteration: the Rayleigh quotient of each iterate, seen through the operator
  const quotients: number[] = [];
  const watching = (v: Float64Array): Float64Array => {
    const hv = op.apply(v);
    let vhv = 0;
    let vv = 0;
    for (let i = 0; i < v.length; i++) {
      vhv += v[i]! * hv[i]!;
      vv += v[i]! * v[i]!;
    }
    quotients.push(vhv / vv);
    return hv;
  };
  const cap = quick ? 300 : 2000;
  powerIteration(watching, dim, { k: 1, tol: 1e-15, maxIter: cap, seed: 0 });
  const powerHvps = quotients.findIndex((q) => Math.abs(q - lambda) <= TARGET * Math.abs(lambda)) + 1;
  const powerTime = powerHvps > 0 ? timed(() => powerIteration(op.apply, dim, { k: 1, tol: 1e-15, maxIter: powerHvps, seed: 0 })) : null;
  const pyhessian = timed(() => powerIteration(op.apply, dim, { k: 1, seed: 0 }));

  const rel = (v: number) => (Math.abs(v - lambda) / Math.abs(lambda)).toExponential(1);
  console.log('| method | HVPs | CPU s | wall s | λ estimate | relative error | residual certificate |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  console.log(`| Lanczos, first Ritz value within 1e-6 | ${lanczosHvps > 0 ? lanczosHvps : `> ${steps}`} | ${lanczosTime ? (lanczosTime.cpu / 1000).toFixed(2) : '—'} | ${lanczosTime ? (lanczosTime.wall / 1000).toFixed(2) : '—'} | | ≤ 1e-6 | |`);
  console.log(`| Lanczos, certified stop (tol 1e-6) | ${certified.value.hvps} | ${(certified.cpu / 1000).toFixed(2)} | ${(certified.wall / 1000).toFixed(2)} | ${certified.value.values[0]!.toPrecision(10)} | ${rel(certified.value.values[0]!)} | ${certified.value.residuals[0]!.toExponential(1)} |`);
  console.log(`| power iteration, first iterate within 1e-6 | ${powerHvps > 0 ? powerHvps : `> ${cap}`} | ${powerTime ? (powerTime.cpu / 1000).toFixed(2) : '—'} | ${powerTime ? (powerTime.wall / 1000).toFixed(2) : '—'} | | ≤ 1e-6 | |`);
  console.log(`| power iteration, PyHessian's stop (tol 1e-3, ≤ 100) | ${pyhessian.value.hvps} | ${(pyhessian.cpu / 1000).toFixed(2)} | ${(pyhessian.wall / 1000).toFixed(2)} | ${pyhessian.value.values[0]!.toPrecision(10)} | ${rel(pyhessian.value.values[0]!)} | ${pyhessian.value.residuals[0]!.toExponential(1)} |`);
  if (powerHvps > 0 && lanczosHvps > 0) console.log(`power iteration / Lanczos, HVPs to 1e-6: ${(powerHvps / lanczosHvps).toFixed(1)}×`);
  console.log(`(${loadNote()})\n`);
}

const { train: digits } = await loadMnist({ train: 1000, test: 1, seed: 0, pool: true });
const model = mlp({ sizes: [196, 64, 10], activation: 'tanh' });
const loss = lossFunction(model, digits);
const theta0 = model.init(0);
console.log(`MNIST 196-64-10 tanh, ${model.numParams} parameters, 1,000 digits (14×14), cross-entropy, init seed 0\n`);
lambdaMaxStudy('at initialisation', loss, theta0);
const trained = train({ loss, params0: theta0, optimizer: { kind: 'gd', lr: 0.5 }, steps: quick ? 50 : 200 });
lambdaMaxStudy(`after ${quick ? 50 : 200} GD steps at h = 0.5 (loss ${trained.finalLoss.toFixed(4)}, diverged: ${trained.diverged ? 'yes' : 'no'})`, loss, trained.params);

console.log('eigh / eigvalsh on random symmetric m × m matrices (Gaussian entries): median CPU ms per call (wall ms), interleaved rounds');
console.log('| m | eigh CPU ms (wall) | eigvalsh CPU ms (wall) |');
console.log('|---:|---:|---:|');
for (const m of [100, 200, 500]) {
  const rng = new Rng(m);
  const a = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      const v = rng.normal();
      a[i * m + j] = v;
      a[j * m + i] = v;
    }
  }
  const A = tensor(a, [m, m]);
  const fns = [() => eigh(A), () => eigvalsh(A)];
  fns.forEach((fn) => fn()); // warm-up
  // batches of about 50 ms of work per sample, so the CPU clock's resolution does not matter
  const batch = Math.max(1, Math.round(50 / timed(() => eigh(A)).wall));
  const cpu = fns.map(() => [] as number[]);
  const wall = fns.map(() => [] as number[]);
  for (let round = 0; round < (quick ? 3 : 9); round++) {
    fns.forEach((fn, i) => {
      const t = timed(() => {
        for (let b = 0; b < batch; b++) fn();
      });
      cpu[i]!.push(t.cpu / batch);
      wall[i]!.push(t.wall / batch);
    });
  }
  console.log(`| ${m} | ${fmt(median(cpu[0]!))} (${fmt(median(wall[0]!))}) | ${fmt(median(cpu[1]!))} (${fmt(median(wall[1]!))}) |`);
}
console.log(`(${loadNote()})`);
