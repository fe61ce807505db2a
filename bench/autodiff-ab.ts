/**
 * A/B timing of two builds of the autodiff on the three peer-benchmark MLPs (issue 7):
 * the working tree against another copy of `src/autodiff` (for instance the last commit,
 * extracted with `git archive HEAD src/autodiff | tar -x -C /tmp/base`). Both are timed in
 * interleaved rounds, so machine load hits them alike; prints medians (ms) and the
 * per-round median ratio base / current (above 1: the working tree is faster).
 *
 *   npx tsx bench/autodiff-ab.ts --base=/tmp/base/src/autodiff [--problems=small,medium,large] [--rounds=15]
 *
 * Also checks that both builds give the same loss, gradient and HVP (max relative
 * difference printed): a speed change must not change results beyond round-off.
 */
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as cur from '../src/autodiff/index.js';
import { PROBLEMS, makeInstance, type Instance } from './peers/problems.js';
import { median } from './util.js';

type AD = typeof cur;

function arg(name: string, dflt: string): string {
  const a = process.argv.find((s) => s.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : dflt;
}

/** The benchmark loss (as bench/peers/igr.ts builds it) written against one autodiff build. */
function lossOf(ad: AD, inst: Instance): (theta: cur.Tensor) => cur.Tensor {
  const { n } = inst.spec;
  const d = inst.spec.sizes[0]!;
  const k = inst.spec.sizes[inst.spec.sizes.length - 1]!;
  const X = ad.tensor(inst.x, [n, d]);
  const Y = inst.spec.loss === 'mse' ? ad.tensor(inst.y, [n, k]) : null;
  const labels = Array.from(inst.labels);
  return (theta) => {
    let a = X;
    let z = X;
    inst.layers.forEach((s, l) => {
      const W = ad.reshape(ad.slice(theta, s.wOffset, s.wOffset + s.fanIn * s.fanOut), [s.fanOut, s.fanIn]);
      const b = ad.slice(theta, s.bOffset, s.bOffset + s.fanOut);
      z = ad.add(ad.matmul(a, ad.transpose(W)), b);
      if (l + 1 < inst.layers.length) a = ad.tanh(z);
    });
    return Y ? ad.mean(ad.square(ad.sub(z, Y))) : ad.softmaxCrossEntropy(z, labels);
  };
}

function maxRel(a: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(a[i]!));
  }
  return num / den;
}


async function main(): Promise<void> {
  const basePath = arg('base', '');
  if (!basePath) throw new Error('autodiff-ab: give --base=DIR (a copy of src/autodiff to compare against)');
  const base = (await import(pathToFileURL(resolve(basePath, 'index.ts')).href)) as AD;
  const names = arg('problems', 'small,medium,large').split(',');
  const rounds = Number(arg('rounds', '15'));
  console.log(`load at start: ${loadavg().map((x) => x.toFixed(2)).join(', ')}`);
  console.log('| problem | quantity | base ms | current ms | base/current | max rel diff |');
  console.log('|---|---|---:|---:|---:|---:|');
  for (const name of names) {
    const spec = PROBLEMS.find((p) => p.name === name);
    if (!spec) throw new Error(`autodiff-ab: unknown problem '${name}' (valid: ${PROBLEMS.map((p) => p.name).join(', ')})`);
    const inst = makeInstance(spec);
    const builds = [base, cur].map((ad) => {
      const f = lossOf(ad, inst);
      const theta = ad.tensor(inst.theta);
      const v = ad.tensor(inst.v);
      const g = ad.grad(f);
      return {
        loss: () => new Float64Array([f(theta).item()]),
        grad: () => g(theta).data,
        hvp: () => ad.hvp(f, theta, v).data,
      };
    });
    const reps = name === 'small' ? 200 : 1;
    for (const q of ['loss', 'grad', 'hvp'] as const) {
      const diff = maxRel(builds[0]![q](), builds[1]![q]());
      const t: number[][] = [[], []];
      const ratios: number[] = [];
      for (let r = 0; r < rounds + 3; r++) {
        const rt = builds.map((b) => {
          const s = performance.now();
          for (let i = 0; i < reps; i++) b[q]();
          return (performance.now() - s) / reps;
        });
        if (r < 3) continue; // warm-up
        t[0]!.push(rt[0]!);
        t[1]!.push(rt[1]!);
        ratios.push(rt[0]! / rt[1]!);
      }
      console.log(`| ${name} | ${q} | ${median(t[0]!).toPrecision(3)} | ${median(t[1]!).toPrecision(3)} | ${median(ratios).toFixed(3)} | ${diff.toExponential(1)} |`);
    }
  }
  console.log(`load at end: ${loadavg().map((x) => x.toFixed(2)).join(', ')}`);
}

await main();
