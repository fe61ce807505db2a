/**
 * Cost of backward error analysis (src/igr):
 *  1. `modifiedTerms(loss, p)` at one point, p = 1..4 (6 on the small problems), per problem:
 *     median ms per call and its ratio to one gradient of the loss (interleaved rounds, so the
 *     ratios survive load changes);
 *  2. a default verification (`verifyProblem`, orders 1–3, default ladder) per problem and in
 *     total: median wall and CPU seconds (CPU is the steadier figure on a shared machine), with
 *     the reference's field evaluations (DOP853 / RK4 references, Dormand–Prince cross-check);
 *  3. `--orders`: the cost of one order at a time, 1..8 on two-parameter (the cheapest problem)
 *     and 1..5 on the mlp, default ladders, in one thread: what MAX_ORDER = 8 rests on.
 *
 *   npx tsx bench/igr.bench.ts [--quick] [--reps 3] [--orders]
 */
import { grad, tensor } from '../src/autodiff/index.js';
import { findProblem, modifiedTerms, problems, verifyProblem } from '../src/igr/index.js';
import { fmt, loadNote, median, timeRounds } from './util.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const repsAt = args.indexOf('--reps');
const reps = repsAt >= 0 ? Number(args[repsAt + 1]) || 3 : quick ? 1 : 3;

console.log(`igr bench, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${loadNote()}\n`);

console.log('modifiedTerms(loss, p)(θ0): ms per call, and ratio to one gradient ∇E(θ0)');
console.log('| problem | m | ∇E ms | ' + [1, 2, 3, 4, 5, 6].map((p) => `p=${p} ms (×∇E)`).join(' | ') + ' |');
console.log('|---|---:|---:|' + [1, 2, 3, 4, 5, 6].map(() => '---:').join('|') + '|');
for (const problem of problems) {
  const theta = Float64Array.from(problem.theta0);
  const x = tensor(problem.theta0.slice(), [problem.dimension]);
  const g = grad(problem.loss);
  const maxOrder = problem.dimension > 10 ? 4 : 6;
  const orders = Array.from({ length: maxOrder }, (_, i) => i + 1);
  const fns = [() => g(x), ...orders.map((p) => {
    const terms = modifiedTerms(problem.loss, p);
    return () => terms(theta);
  })];
  const r = timeRounds(fns, { budgetMs: quick ? 600 : 3000, minRounds: quick ? 3 : 7 });
  const ratio = r.ratioTo(0);
  const cells = [1, 2, 3, 4, 5, 6].map((p) => (p <= maxOrder ? `${fmt(r.ms[p]!)} (${fmt(ratio[p]!)})` : '—'));
  console.log(`| ${problem.name} | ${problem.dimension} | ${fmt(r.ms[0]!)} | ${cells.join(' | ')} |`);
}
console.log(`(${loadNote()})\n`);

console.log(`verifyProblem(problem): default ladder, orders 1–3; median of ${reps} run(s), seconds`);
console.log('| problem | h ladder | T | wall s | CPU s | field evaluations (global / cross-check / local) | pass |');
console.log('|---|---|---:|---:|---:|---|---|');
let totalWall = 0;
let totalCpu = 0;
for (const problem of problems) {
  const wall: number[] = [];
  const cpu: number[] = [];
  let pass = true;
  let evaluations = '';
  for (let k = 0; k < reps; k++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const report = verifyProblem(problem);
    pass = report.pass && pass;
    const e = report.reference!.evaluations;
    evaluations = `${e.global} / ${e.crossCheck} / ${e.local}`;
    wall.push((performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
  }
  totalWall += median(wall);
  totalCpu += median(cpu);
  console.log(`| ${problem.name} | ${problem.hs[0]} … ${problem.hs.at(-1)} (${problem.hs.length}) | ${problem.T} | ${fmt(median(wall))} | ${fmt(median(cpu))} | ${evaluations} | ${pass} |`);
}
console.log(`| all five | | | ${fmt(totalWall)} | ${fmt(totalCpu)} | | |`);
console.log(`(${loadNote()})`);

if (args.includes('--orders')) {
  console.log('\nOne order at a time (verifyProblem with orders [p], default ladder, one thread): CPU s, field evaluations, points fitted');
  console.log('| problem | p | CPU s | wall s | evaluations | fitted global / local | pass |');
  console.log('|---|---:|---:|---:|---:|---|---|');
  for (const [name, maxOrder] of [['two-parameter', quick ? 6 : 8], ['mlp', quick ? 3 : 5]] as const) {
    const problem = findProblem(name);
    for (let p = 1; p <= maxOrder; p++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const r = verifyProblem(problem, { orders: [p] });
      const c = process.cpuUsage(c0);
      const e = r.reference!.evaluations;
      console.log(
        `| ${name} | ${p} | ${fmt((c.user + c.system) / 1e6)} | ${fmt((performance.now() - t0) / 1000)} | ${e.global + e.crossCheck + e.local} | ` +
          `${r.globalSlope[p]?.used ?? 0} / ${r.localSlope[p]?.used ?? 0} of ${problem.hs.length} | ${r.pass} |`,
      );
    }
  }
  console.log(`(${loadNote()})`);
}
