/**
 * Cost of an automatic ladder (src/igr/ladder.ts, issue 13 §1): `chooseLadder` (Lanczos for
 * |λ|max, the modified terms, the probes) against the verification on the ladder it chose, per
 * loss, in one thread: median wall and CPU seconds, the probes and the moves. The CLI reuses the
 * last probe's two largest step sizes, so its verification costs less than the one timed here
 * (which measures all of them).
 *
 *   npx tsx bench/ladder.bench.ts [--reps 3]
 */
import { chooseLadder, findProblem, verifyBackwardError } from '../src/igr/index.js';
import { compileLoss } from '../src/expression/index.js';
import type { ScalarFn } from '../src/autodiff/index.js';
import { fmt, loadNote, median } from './util.js';

const args = process.argv.slice(2);
const repsAt = args.indexOf('--reps');
const reps = repsAt >= 0 ? Number(args[repsAt + 1]) || 1 : 1;

const cases: { name: string; loss: ScalarFn; theta0: readonly number[]; orders: number[] }[] = [
  { name: 'x^2*y + sin(y) at (1, 2)', loss: compileLoss('x^2*y + sin(y)').loss, theta0: [1, 2], orders: [1, 2, 3] },
  { name: 'x^4/4 - x^2/2 + 0.1*x at 0.3', loss: compileLoss('x^4/4 - x^2/2 + 0.1*x').loss, theta0: [0.3], orders: [1, 2, 3] },
  { name: 'sin(a)*cos(b) at (0.3, 0.2)', loss: compileLoss('sin(a)*cos(b)').loss, theta0: [0.3, 0.2], orders: [1, 2, 3, 4, 5, 6] },
  ...['two-parameter', 'mlp'].map((n) => ({ name: `${n} (built-in)`, loss: findProblem(n).loss, theta0: findProblem(n).theta0, orders: [1, 2, 3] })),
];

const seconds = (f: () => void): { wall: number; cpu: number } => {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  f();
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
};

console.log(`ladder bench, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${loadNote()}; median of ${reps} run(s), one thread\n`);
console.log('| loss | orders | probes (moves) | ladder h; T | chooseLadder wall / CPU s | verification wall / CPU s | choose / verify (CPU) | pass |');
console.log('|---|---|---|---|---:|---:|---:|---|');
for (const c of cases) {
  const choose: { wall: number; cpu: number }[] = [];
  const verify: { wall: number; cpu: number }[] = [];
  let line = '';
  for (let k = 0; k < reps; k++) {
    let choice!: ReturnType<typeof chooseLadder>;
    choose.push(seconds(() => void (choice = chooseLadder(c.loss, c.theta0, { orders: c.orders }))));
    let pass = false;
    verify.push(seconds(() => void (pass = verifyBackwardError(c.loss, c.theta0, { hs: choice.hs, T: choice.T, orders: c.orders }).pass)));
    const moves = choice.probes.slice(0, -1).map((p) => p.decision).join(', ') || 'none';
    line = `${choice.probes.length} (${moves}) | ${choice.hs.map((h) => Number(h.toPrecision(3))).join(', ')}; ${choice.T} | PASS:${pass}`;
  }
  const [head, ladder, pass] = line.split(' | ');
  const cw = median(choose.map((x) => x.wall));
  const cc = median(choose.map((x) => x.cpu));
  const vw = median(verify.map((x) => x.wall));
  const vc = median(verify.map((x) => x.cpu));
  console.log(`| ${c.name} | 1–${c.orders.at(-1)} | ${head} | ${ladder} | ${fmt(cw)} / ${fmt(cc)} | ${fmt(vw)} / ${fmt(vc)} | ${fmt(cc / vc)} | ${pass!.replace('PASS:', '')} |`);
}
console.log(`(${loadNote()})`);
