/**
 * What the verification report adds for `igr verify --optimizer sgd|momentum|rk:<name>`: the
 * optimiser and its parameters in one line, and for two-parameter problems a phase portrait of
 * the optimiser's own iterates beside the flows it is compared with — the heavy-ball iterates
 * with the rescaled gradient flow and its first-order modified flow, a Runge–Kutta method's
 * iterates with its truncated modified flows. (SGD's problems have data and more than two
 * parameters: no portrait; the page says so.)
 */
import type { ScalarFn } from '../autodiff/index.js';
import { DivergenceError, gradientFlow } from '../igr/descent.js';
import { modifiedField } from '../igr/modified.js';
import type { VerificationReport } from '../igr/types.js';
import { findTableau, heavyBall, momentumField, momentumStart, type MomentumReport, type RungeKuttaReport, type SgdReport } from '../igr/optimizers/index.js';
import type { VectorField } from '../ode/index.js';
import type { Cell } from './html.js';
import { sampleFlow, type PathDivergence } from './paths.js';
import { lossContours, paddedBounds, suggestPhaseSettings } from './phase.js';
import { Plot, orderColor } from './svg.js';

/** The parameters of a non-GD verification (what `igr verify --optimizer` put in the report). */
export type OptimizerParameters = RungeKuttaReport['optimizer'] | MomentumReport['optimizer'] | SgdReport['optimizer'];

/** The optimiser of a report, or `null` for gradient descent (`verifyBackwardError`). */
export function optimizerOf(report: VerificationReport): OptimizerParameters | null {
  const o = (report as Partial<RungeKuttaReport | MomentumReport | SgdReport>).optimizer;
  return o !== undefined && (o.name === 'rk' || o.name === 'momentum' || o.name === 'sgd') ? o : null;
}

/** The optimiser and its parameters in one line of plain text (the section heading shows it). */
export function describeOptimizer(o: OptimizerParameters | null): string {
  if (o === null) return 'gradient descent';
  switch (o.name) {
    case 'rk':
      return `rk:${o.tableau} (order ${o.order}, ${o.stages} stages) on θ′ = −∇E`;
    case 'momentum':
      return `heavy-ball momentum, β = ${o.beta}, flows from ${o.start === 'shifted' ? 'θ₀ + hβ/(1 − β)² ∇E(θ₀)' : 'θ₀'}`;
    case 'sgd':
      return `SGD with random reshuffling: ${o.batches} minibatches of ${o.batchSize}, ${o.epochs} epoch${o.epochs === 1 ? '' : 's'}, mean over ${o.sequences} order sequences (${o.averaging})`;
  }
}

/** The step the optimiser is applied with, in words (the x axis of the error plots). */
export function stepName(o: OptimizerParameters | null): string {
  return o?.name === 'sgd' ? 'learning rate ε' : o?.name === 'rk' ? 'step size h' : 'learning rate h';
}

/** The portrait of one optimiser run, its caption and the table of final distances. */
export interface OptimizerPortrait {
  svg: string;
  caption: string;
  /** Rows [flow, ‖θ_n − θ_p(n h)‖, max_k ‖θ_k − θ_p(k h)‖ over the drawn steps, note] for the table behind the plot. */
  rows: Cell[][];
  h: number;
  steps: number;
  notes: string[];
}

interface Iterates {
  points: Float64Array[];
  diverged: PathDivergence | null;
}

/** Portraits are drawn over this many steps of the optimiser (Figure 1 of the paper uses a few dozen). */
const PORTRAIT_STEPS = 40;
/** RK4 substeps per optimiser step for the drawn flows: error O((h/8)^4), far below the distances shown. */
const SUBSTEPS = 8;
/** A path leaving |θ| ≤ this counts as diverged (far outside any plot). */
const BLOWUP = 1e6;

function heavyBallIterates(loss: ScalarFn, theta0: readonly number[], h: number, beta: number, steps: number): Iterates {
  try {
    return { points: heavyBall(loss, theta0, h, beta, steps), diverged: null };
  } catch (error) {
    if (!(error instanceof DivergenceError)) throw error;
    // The finite part, so the picture shows where the iterates went before they blew up.
    const finite = error.iterates ?? [Float64Array.from(theta0)];
    return { points: finite, diverged: { step: error.step, message: `heavy-ball iterates diverged at step ${error.step}: ${error.message}` } };
  }
}

function round2(v: number): number {
  return Number(v.toPrecision(2));
}

/**
 * The phase portrait of a momentum or Runge–Kutta verification of a two-parameter loss; `null`
 * for SGD (not two-dimensional), for other dimensions, or when the Hessian at θ₀ gives no
 * curvature scale. The step is chosen from |λ|max of the Hessian at θ₀ like GD's portrait:
 *  - momentum: h = 0.5(1 − β)²/((1 + β)|λ|max), so the modified flow's correction factor
 *    h(1 + β)/(1 − β)² is GD's moderate 0.5/|λ|max, over 40(1 + β)/(1 − β) steps (the flow time
 *    that −∇E/(1 − β) needs to travel as far as GD's portrait over 40 steps);
 *  - Runge–Kutta of order q ≥ 2: h = 1/|λ|max (half the stability limit of the two-stage methods,
 *    less for the others), so the first correction h^q f_{q+1} is visible; Euler as GD, 0.5/|λ|max.
 */
export function optimizerPortrait(loss: ScalarFn, report: VerificationReport, opts: { id?: string; labels?: [string, string] } = {}): OptimizerPortrait | null {
  const o = optimizerOf(report);
  if (o === null || o.name === 'sgd' || report.dimension !== 2) return null;
  const scale = suggestPhaseSettings(loss, report.theta0);
  if (scale === null) return null;
  const lambda = 0.5 / scale.hModerate; // suggestPhaseSettings' moderate h is 0.5/|λ|max (rounded)
  const theta0 = Float64Array.from(report.theta0);
  let h: number;
  let steps: number;
  let iterates: Iterates;
  let iterateName: string;
  const flows: { name: string; key: number; field: VectorField; start: Float64Array }[] = [];
  if (o.name === 'momentum') {
    const { beta } = o;
    h = round2((0.5 * (1 - beta) ** 2) / ((1 + beta) * lambda));
    steps = Math.round((PORTRAIT_STEPS * (1 + beta)) / (1 - beta));
    iterates = heavyBallIterates(loss, report.theta0, h, beta, steps);
    iterateName = `heavy ball β=${beta}, h=${h}`;
    const start = o.start === 'shifted' ? momentumStart(loss, theta0, h, beta) : theta0;
    flows.push({ name: `−∇E/(1−β) (p=1)`, key: 1, field: momentumField(loss, h, beta, 1), start });
    flows.push({ name: `−∇Ẽ/(1−β) (p=2), h=${h}`, key: 2, field: momentumField(loss, h, beta, 2), start });
  } else {
    const tableau = findTableau(o.tableau);
    h = round2((o.order >= 2 ? 1 : 0.5) / lambda);
    steps = PORTRAIT_STEPS;
    iterates = sampleFlow(gradientFlow(loss), theta0, h, steps, { substeps: 1, method: tableau, blowup: BLOWUP, name: `${o.tableau} iterates` });
    iterateName = `${o.tableau}, h=${h}`;
    // The truncations the verification measured, up to q + 2 (higher ones cost derivatives of
    // order q + 3 at every substep and are indistinguishable in a picture).
    for (const p of report.orders.filter((p) => p <= o.order + 2)) {
      const name = p <= o.order ? `after f_${p} = gradient flow (p=${p})` : `after f_${p} (p=${p}), h=${h}`;
      flows.push({ name, key: p, field: modifiedField(loss, h, p, tableau), start: theta0 });
    }
  }
  const paths = flows.map((f) => ({ ...f, ...sampleFlow(f.field, f.start, h, steps, { substeps: SUBSTEPS, blowup: BLOWUP, name: f.name }) }));

  const box = paddedBounds([...iterates.points, ...paths.flatMap((p) => (p.diverged ? [] : p.points))]);
  const [lx, ly] = opts.labels ?? ['θ₁', 'θ₂'];
  const plot = new Plot({
    title: `${report.problem}: ${o.name === 'rk' ? `rk:${o.tableau}` : 'heavy-ball'} iterates and flows`,
    x: { kind: 'linear', label: lx, domain: box.x },
    y: { kind: 'linear', label: ly, domain: box.y },
    id: opts.id,
    width: 520,
    height: 440,
  });
  plot.contour(lossContours(loss, box));
  const xy = (ps: readonly Float64Array[]): [number, number][] => ps.map((p) => [p[0]!, p[1]!]);
  // As in GD's portrait: the unmodified flow thickest, a third flow dashed.
  paths.forEach((p, i) => {
    plot.add({ name: p.name, points: xy(p.points), color: orderColor(p.key), width: i === 0 ? 2.4 : 1.8, dash: i === 2 ? '5 3' : undefined, kind: 'flow' });
  });
  plot.add({ name: iterateName, points: xy(iterates.points), color: '#000', marker: 'square', hollow: true, line: false, kind: 'iterates' });
  plot.add({ name: 'start θ₀', points: [[theta0[0]!, theta0[1]!]], color: '#000', marker: 'diamond', line: false, kind: 'start' });
  for (const d of [iterates.diverged, ...paths.map((p) => p.diverged)]) if (d) plot.note(d.message);

  // The final distance and the largest along the path: near a minimum every path ends at the same
  // point, so the final distance alone would hide how far the iterates strayed on the way (for
  // momentum's shifted start the largest is the start offset hβ/(1 − β)²|∇E(θ₀)| itself).
  const rows: Cell[][] = paths.map((p) => {
    const n = Math.min(p.points.length, iterates.points.length);
    const at = (k: number): number => Math.hypot(iterates.points[k]![0]! - p.points[k]![0]!, iterates.points[k]![1]! - p.points[k]![1]!);
    let largest = 0;
    for (let k = 0; k < n; k++) largest = Math.max(largest, at(k));
    const final = n === steps + 1 ? at(steps) : null;
    return [p.name, final, largest, p.diverged?.message ?? iterates.diverged?.message ?? ''];
  });
  const caption =
    o.name === 'momentum'
      ? `Loss contours; heavy-ball iterates (squares, θ₋₁ = θ₀) at h = ${h} over ${steps} steps, and the flows they are compared with, from ${o.start === 'shifted' ? 'the shifted start θ₀ + hβ/(1 − β)² ∇E(θ₀)' : 'θ₀'} (RK4, ${SUBSTEPS} substeps per step). h = 0.5(1 − β)²/((1 + β)|λ|max) of the Hessian at θ₀: the modified flow's correction is as large as GD's at 0.5/|λ|max.`
      : `Loss contours; ${o.tableau} iterates (squares) at h = ${h} over ${steps} steps, and from the same start the truncations of its modified equation the verification measured (RK4, ${SUBSTEPS} substeps per step). h = ${o.order >= 2 ? '1' : '0.5'}/|λ|max of the Hessian at θ₀${o.order >= 2 ? `, so the first correction h^${o.order} f_${o.order + 1} shows` : ''}.`;
  return { svg: plot.toSvg(), caption, rows, h, steps, notes: plot.notes };
}
