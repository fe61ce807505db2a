/**
 * Why the built-in problems' verification starts show no optimal truncation (EXPERIMENTS.md):
 * the growth |f_{j+1}| / |f_j| of the modified equation's terms at θ0, against λ_max(θ0). A ratio
 * that settles at λ_max is the Hessian part of the series, Σ (hλ)^j / j (summed by the principal
 * flow), convergent for hλ_max < 1; the factorial growth of an asymptotic series shows as a ratio
 * that keeps rising past λ_max. Prints a Markdown table.
 *
 *   npx tsx scripts/term-ratios.ts [order=10] [problem,problem,...=two-parameter,double-well,logistic]
 */
import { findProblem, modifiedTerms, sharpness } from '../src/igr/index.js';

const order = Number(process.argv[2] ?? 10);
const names = (process.argv[3] ?? 'two-parameter,double-well,logistic').split(',');
console.log(`| problem | θ0 | λ_max(θ0) | ${Array.from({ length: order - 1 }, (_, j) => `|f_${j + 2}|/|f_${j + 1}|`).join(' | ')} |`);
console.log(`|---|---|---:|${Array.from({ length: order - 1 }, () => '---:').join('|')}|`);
for (const name of names) {
  const p = findProblem(name);
  const theta = Float64Array.from(p.theta0);
  const norms = modifiedTerms(p.loss, order)(theta).map((f) => Math.hypot(...f));
  const ratios = norms.slice(1).map((n, j) => (n / norms[j]!).toFixed(2));
  console.log(`| ${name} | (${p.theta0.join(', ')}) | ${sharpness(p.loss, theta).toFixed(2)} | ${ratios.join(' | ')} |`);
}
