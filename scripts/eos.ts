/**
 * The edge of stability, measured (issue 12 §3; Cohen, Kaur, Li, Kolter & Talwalkar, ICLR 2021).
 *
 * Full-batch gradient descent on MNIST or Fashion-MNIST (seeded subsets, pooled to 14×14), tanh
 * and relu MLPs 196-32-32-10, MSE on one-hot targets ((1/2N)Σ|f − e_y|², Cohen et al.'s
 * normalisation) and cross-entropy, four learning rates per (activation, loss); along each run:
 *
 * - λ_max of the training loss's Hessian every `EVERY` steps by warm-started Lanczos
 *   (`SharpnessTracker`, src/igr/experiments/curvature.ts: seeded, with residual certificates);
 * - the first measured step where h·λ_max/2 ≥ 0.95, and the mean and spread of h·λ_max/2 after it;
 * - the loss at every step (how often it rises after that step: non-monotone descent);
 * - windows of W = 5 GD steps from θ_k (k = 0, the 0.95 step, and the last W steps):
 *   the distance of θ_{k+W} from the gradient flow and from the IGR flow (order 2,
 *   `modifiedField(loss, h, 2)`) started at θ_k and integrated over W·h by src/igr's
 *   `referenceFlow` (RK4 with step doubling until its Richardson estimate is 10× below the
 *   distance it measures), relative to GD's travel ‖θ_{k+W} − θ_k‖;
 * - at θ_0 (in the first run of each activation × loss, its smallest h) and at the 0.95 step (in
 *   the first run of each that reaches it), the same over the fixed time T = W·h for the ladder
 *   h, h/2, h/4, h/8 (GD takes W·2^j steps of h/2^j from θ_k), and the fitted slopes of log distance
 *   against log h over the three smallest: 1 for the gradient flow and 2 for the IGR flow while
 *   h·λ_max ≪ 2 (backward error analysis), and the distances at the run's own h beside them.
 *
 *   npx tsx scripts/eos.ts --data mnist [--train 1000] [--steps N] [--quick] [--resume]   # → scripts/results/eos-mnist.json
 *   npx tsx scripts/eos.ts --report [--figures docs/figures]                       # tables (Markdown) and SVG plots from the JSON
 *
 * `--quick` runs 60 steps of one setting per (activation, loss), to measure the cost first;
 * `--resume` keeps the runs already in the output file and measures the rest.
 * `--only tanh:mse --hs 0.09,0.11 --windows-every 100 --out FILE` repeats chosen runs (bit for bit:
 * the measurements do not touch the iterates) with a flow window every 100 steps and no ladders,
 * for the distances against time; `--report` draws `FILE`s named eos-<data>-windows.json too.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { grad, tensor, type ScalarFn } from '../src/autodiff/index.js';
import { lossFunction, mlp, train, type Dataset, type LossKind } from '../src/nn/index.js';
import { gradientDescent, modifiedField } from '../src/igr/index.js';
import { fitSlope, referenceFlow } from '../src/igr/compare.js';
import { SharpnessTracker, curvatureSeed } from '../src/igr/experiments/curvature.js';
import { loadDataset } from '../src/node/datasets.js';
import { Plot, ORDER_COLORS } from '../src/report/svg.js';
import type { VectorField } from '../src/ode/index.js';

type Act = 'tanh' | 'relu';
const EVERY = 50;
const W = 5;
const LADDER = 4;
const MAX_REFERENCE_STEPS = 2 ** 8;

/**
 * The learning rates per (activation, loss), chosen from probes (EXPERIMENTS.md): for MSE such that
 * 2/h spans from well above the sharpness after the first steps (no edge of stability within the
 * budget) to below λ_max(θ₀) (a catapult first); cross-entropy's λ_max(θ₀) ≈ 2–3.5, so h = 0.5 … 4.
 */
const LADDERS: Record<Act, Record<LossKind, number[]>> = {
  tanh: { mse: [0.05, 0.07, 0.09, 0.11], 'cross-entropy': [0.5, 1, 2, 4] },
  relu: { mse: [0.05, 0.1, 0.18, 0.25], 'cross-entropy': [0.5, 1, 2, 4] },
};

/**
 * Steps per run, per (activation, loss): what the 40-minute budget on two shared cores allowed.
 * tanh + MSE sharpens slowly (1,500 steps); relu + MSE is at the limit within 50 steps at its
 * larger h; cross-entropy's sharpness falls once the loss is small, so its runs are shorter.
 */
const STEPS: Record<Act, Record<LossKind, number>> = {
  tanh: { mse: 1500, 'cross-entropy': 1000 },
  relu: { mse: 1000, 'cross-entropy': 600 },
};

interface Window {
  start: number;
  time: number;
  /** h·λ_max/2 at the last measurement at or before `start`. */
  hLambdaHalf: number | null;
  travel: number;
  gradientFlow: number | null;
  igrFlow: number | null;
  reference: { gradientFlow: number | null; igrFlow: number | null };
}

interface Ladder {
  start: number;
  hs: number[];
  gradientFlow: (number | null)[];
  igrFlow: (number | null)[];
  slopeGradientFlow: number | null;
  slopeIgrFlow: number | null;
}

interface EosRun {
  data: string;
  activation: Act;
  loss: LossKind;
  h: number;
  train: number;
  sizes: number[];
  lambda0: number | null;
  steps: number;
  diverged: { step: number; reason: string } | null;
  sharpness: { step: number; loss: number | null; lambdaMax: number | null; residual: number | null; hvps: number; converged: boolean }[];
  losses: number[];
  reach95: number | null;
  after: { mean: number; sd: number; min: number; max: number; n: number } | null;
  risesAfter: number | null;
  finalLoss: number | null;
  windows: Window[];
  ladders: Ladder[];
  hvps: number;
  flowEvaluations: number;
  seconds: number;
}

function dist(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

function finite(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** The gradient flow θ' = −∇E as a VectorField. */
function gradientFlowField(loss: ScalarFn): VectorField {
  const g = grad(loss);
  return (_t, y) => {
    const d = g(tensor(y)).data;
    const out = new Float64Array(d.length);
    for (let i = 0; i < d.length; i++) out[i] = -d[i]!;
    return out;
  };
}

/** Distance of `target` from the flow of `field` started at θ over time t, to 10× below itself; null when no reference resolves it. */
function flowDistance(field: VectorField, theta: Float64Array, t: number, target: Float64Array, startSteps: number, counter: { evaluations: number }): { distance: number | null; bound: number | null } {
  // At most 256 RK4 steps per window (≈ 2,000 field evaluations with the doubling): a flow that
  // needs more over 5 steps of h (a modified flow that blows up at large h, whose every resolution
  // fails) is reported unresolved (null), not chased to 2^14 steps.
  const ref = referenceFlow(field, theta, t, startSteps, 10, (y) => dist(y, target), 'rk4', MAX_REFERENCE_STEPS);
  if (ref === null) return { distance: null, bound: null };
  counter.evaluations += ref.evaluations;
  return { distance: ref.converged ? dist(ref.y, target) : null, bound: ref.estimate };
}

function windowAt(loss: ScalarFn, h: number, start: number, thetaK: Float64Array, thetaKW: Float64Array, hLambdaHalf: number | null, counter: { evaluations: number }): Window {
  const t = W * h;
  const gf = flowDistance(gradientFlowField(loss), thetaK, t, thetaKW, 2, counter);
  const igr = flowDistance(modifiedField(loss, h, 2), thetaK, t, thetaKW, 2, counter);
  return {
    start,
    time: start * h,
    hLambdaHalf,
    travel: dist(thetaK, thetaKW),
    gradientFlow: gf.distance,
    igrFlow: igr.distance,
    reference: { gradientFlow: gf.bound, igrFlow: igr.bound },
  };
}

function ladderAt(loss: ScalarFn, h: number, start: number, thetaK: Float64Array, first: Window, counter: { evaluations: number }): Ladder {
  const hs = [h];
  const gfs: (number | null)[] = [first.gradientFlow];
  const igrs: (number | null)[] = [first.igrFlow];
  const t = W * h;
  for (let j = 1; j < LADDER; j++) {
    const hj = h / 2 ** j;
    const n = W * 2 ** j;
    let end: Float64Array;
    try {
      end = gradientDescent(loss, thetaK, hj, n)[n]!;
    } catch {
      hs.push(hj);
      gfs.push(null);
      igrs.push(null);
      continue;
    }
    hs.push(hj);
    gfs.push(flowDistance(gradientFlowField(loss), thetaK, t, end, 2, counter).distance);
    igrs.push(flowDistance(modifiedField(loss, hj, 2), thetaK, t, end, 2, counter).distance);
  }
  const fit = (ds: (number | null)[], p: number) => fitSlope(hs.slice(1), ds.slice(1), p, 0.1)?.slope ?? null;
  return { start, hs, gradientFlow: gfs, igrFlow: igrs, slopeGradientFlow: fit(gfs, 1), slopeIgrFlow: fit(igrs, 2) };
}

/** Which ladders a run measures: at θ₀ (the first run of a group) and at its 0.95 step (the first run of a group to reach it). */
interface LadderPlan {
  atStart: boolean;
  at95: boolean;
}

function runOne(data: Dataset, dataName: string, act: Act, lossKind: LossKind, h: number, steps: number, plan: LadderPlan, windowsEvery = 0): EosRun {
  const started = performance.now();
  const sizes = [196, 32, 32, 10];
  const model = mlp({ sizes, activation: act });
  const loss = lossFunction(model, data, { loss: lossKind });
  const theta0 = model.init(0);
  const tracker = new SharpnessTracker(loss, { every: EVERY, k: 1 }, curvatureSeed(0));
  const losses: number[] = [];
  const counter = { evaluations: 0 };
  const windows: Window[] = [];
  const ladders: Ladder[] = [];
  // Windows: at the start, at the 0.95 step (added when it is met) and at the end.
  const planned = new Set([0, steps - W]);
  // --windows-every N: a window every N steps besides (the distances against time, densely).
  if (windowsEvery > 0) for (let k = windowsEvery; k + W <= steps; k += windowsEvery) planned.add(k);
  const open = new Map<number, { theta: Float64Array; hlh: number | null; ladder: boolean }>();
  let reach95: number | null = null;
  let lastHlh: number | null = null;
  const result = train({
    loss,
    params0: theta0,
    optimizer: { kind: 'gd', lr: h },
    steps,
    onStep: (n, e, theta) => {
      losses[n] = e;
      if (tracker.due(n)) {
        const p = tracker.measure(n, e, theta);
        lastHlh = p.lambdaMax === null ? null : (h * p.lambdaMax) / 2;
        if (reach95 === null && lastHlh !== null && lastHlh >= 0.95) {
          reach95 = n;
          if (!open.has(n) && n + W <= steps) open.set(n, { theta: Float64Array.from(theta), hlh: lastHlh, ladder: (plan.at95 && n > 0) || (n === 0 && plan.atStart) });
        }
      }
      if (planned.has(n) && !open.has(n) && n + W <= steps) open.set(n, { theta: Float64Array.from(theta), hlh: lastHlh, ladder: n === 0 && plan.atStart });
      const w = open.get(n - W);
      if (w) {
        open.delete(n - W);
        const win = windowAt(loss, h, n - W, w.theta, theta, w.hlh, counter);
        windows.push(win);
        if (w.ladder) ladders.push(ladderAt(loss, h, n - W, w.theta, win, counter));
      }
    },
  });
  const points = tracker.points.map((p) => ({ step: p.step, loss: p.loss, lambdaMax: p.lambdaMax, residual: p.residuals?.[0] ?? null, hvps: p.hvps, converged: p.converged }));
  const r95 = reach95 as number | null;
  let after: EosRun['after'] = null;
  let risesAfter: number | null = null;
  if (r95 !== null) {
    const xs = points.filter((p) => p.step >= r95 && p.lambdaMax !== null).map((p) => (h * p.lambdaMax!) / 2);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
    after = { mean, sd, min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
    let rises = 0;
    let total = 0;
    for (let n = r95 + 1; n < losses.length; n++) {
      if (losses[n] === undefined || losses[n - 1] === undefined) continue;
      total++;
      if (losses[n]! > losses[n - 1]!) rises++;
    }
    risesAfter = total > 0 ? rises / total : null;
  }
  return {
    data: dataName,
    activation: act,
    loss: lossKind,
    h,
    train: data.X.shape[0]!,
    sizes,
    lambda0: points[0]?.lambdaMax ?? null,
    steps: result.steps,
    diverged: result.diverged && { step: result.diverged.step, reason: result.diverged.reason },
    sharpness: points,
    losses: losses.map((v) => (Number.isFinite(v) ? Number(v.toPrecision(7)) : NaN)),
    reach95: r95,
    after,
    risesAfter,
    finalLoss: finite(result.finalLoss),
    windows,
    ladders,
    hvps: tracker.hvps,
    flowEvaluations: counter.evaluations,
    seconds: (performance.now() - started) / 1000,
  };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function measure(): Promise<void> {
  const dataName = arg('data') ?? 'mnist';
  const n = Number(arg('train') ?? 1000);
  const stepsOption = arg('steps');
  const quick = process.argv.includes('--quick');
  const only = arg('only'); // e.g. tanh:mse
  const onlyHs = arg('hs')?.split(',').map(Number); // e.g. 0.09,0.11
  const windowsEvery = Number(arg('windows-every') ?? 0);
  const { train: data } = await loadDataset(dataName, { train: n, test: 10, seed: 0, pool: true });
  const out = arg('out') ?? `scripts/results/eos-${dataName}${quick ? '-quick' : ''}.json`;
  // --resume: keep the runs already in `out` (an interrupted measurement continues where it stopped).
  const runs: EosRun[] = process.argv.includes('--resume') && existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as { runs: EosRun[] }).runs : [];
  const done = (act: Act, loss: LossKind, h: number) => runs.find((r) => r.activation === act && r.loss === loss && r.h === h);
  for (const act of ['tanh', 'relu'] as const) {
    for (const loss of ['mse', 'cross-entropy'] as const) {
      if (only && only !== `${act}:${loss}`) continue;
      const hs = quick ? [LADDERS[act][loss][2]!] : onlyHs ?? LADDERS[act][loss];
      let startLadder = true;
      let ladder95 = true;
      for (const h of hs) {
        const previous = done(act, loss, h);
        if (previous) {
          startLadder = false;
          if (previous.ladders.some((l) => l.start > 0)) ladder95 = false;
          continue;
        }
        const plan = windowsEvery > 0 ? { atStart: false, at95: false } : { atStart: startLadder, at95: ladder95 };
        const steps = quick ? 60 : stepsOption !== undefined ? Number(stepsOption) : STEPS[act][loss];
        const r = runOne(data, dataName, act, loss, h, steps, plan, windowsEvery);
        startLadder = false;
        if (r.ladders.some((l) => l.start > 0)) ladder95 = false;
        runs.push(r);
        const last = r.sharpness.at(-1);
        console.error(
          `${dataName} ${act} ${loss} h=${h}: λ0 ${r.lambda0?.toFixed(3)} (hλ0/2 ${(((r.lambda0 ?? NaN) * h) / 2).toFixed(2)}), ` +
            `${r.diverged ? `diverged at ${r.diverged.step}` : `E ${r.finalLoss?.toExponential(3)}`}, reach 0.95 at ${r.reach95}, ` +
            `after ${r.after ? `${r.after.mean.toFixed(3)} ± ${r.after.sd.toFixed(3)}` : '—'}, last hλ/2 ${last?.lambdaMax ? ((h * last.lambdaMax) / 2).toFixed(3) : '—'}, ` +
            `${r.hvps} HVPs, ${r.flowEvaluations} flow evals, ${r.seconds.toFixed(0)} s`,
        );
        mkdirSync('scripts/results', { recursive: true });
        const command = `npx tsx scripts/eos.ts ${process.argv.slice(2).filter((a) => a !== '--resume').join(' ')}`;
        writeFileSync(out, JSON.stringify({ generated: new Date().toISOString(), command, every: EVERY, window: W, runs }, null, 0) + '\n');
      }
    }
  }
}

// ---------- the report: Markdown tables and SVG figures from the JSON ----------

const f2 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(2));
const f3 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(3));
const e2 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toExponential(1));

function relative(w: Window | undefined, key: 'gradientFlow' | 'igrFlow'): number | null {
  if (!w || w[key] === null || !(w.travel > 0)) return null;
  return w[key]! / w.travel;
}

/**
 * Where the edge of stability begins in a run's series: the first measured step with h·λ_max/2 ≥ 0.95,
 * and for a run that starts there (h·λ_max(θ₀)/2 ≥ 0.95: GD is unstable from the start, a catapult
 * throws it to a flatter region) the first such step after the sharpness has fallen below 0.95, or
 * step 0 when it never does (at or past the limit throughout).
 */
function eosOnset(r: EosRun): { step: number | null; catapult: boolean; throughout: boolean } {
  const half = r.sharpness.map((p) => ({ step: p.step, x: p.lambdaMax === null ? null : (r.h * p.lambdaMax) / 2 }));
  const catapult = (half[0]?.x ?? 0) >= 0.95;
  let below = !catapult;
  for (const p of half) {
    if (p.x === null) continue;
    if (!below) {
      if (p.x < 0.95) below = true;
      continue;
    }
    if (p.x >= 0.95) return { step: p.step, catapult, throughout: false };
  }
  // A run that starts past the limit and never comes below 0.95 sits at the edge from its first step.
  if (catapult && !below) return { step: 0, catapult, throughout: true };
  return { step: null, catapult, throughout: false };
}

/** Mean, sd, min and max of h·λ_max/2 from `from` on, and the fraction of steps whose loss rose. */
function afterOnset(r: EosRun, from: number): { mean: number; sd: number; min: number; max: number; rises: number | null } | null {
  const xs = r.sharpness.filter((p) => p.step >= from && p.lambdaMax !== null).map((p) => (r.h * p.lambdaMax!) / 2);
  if (xs.length === 0) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  let rises = 0;
  let total = 0;
  for (let n = from + 1; n < r.losses.length; n++) {
    if (!Number.isFinite(r.losses[n]!) || !Number.isFinite(r.losses[n - 1]!)) continue;
    total++;
    if (r.losses[n]! > r.losses[n - 1]!) rises++;
  }
  return { mean, sd, min: Math.min(...xs), max: Math.max(...xs), rises: total > 0 ? rises / total : null };
}

function report(): void {
  const figures = arg('figures') ?? 'docs/figures';
  mkdirSync(figures, { recursive: true });
  for (const dataName of ['mnist', 'fashion']) {
    const file = `scripts/results/eos-${dataName}.json`;
    if (!existsSync(file)) continue;
    const { runs, command } = JSON.parse(readFileSync(file, 'utf8')) as { runs: EosRun[]; command: string };
    console.log(`\n#### ${dataName === 'mnist' ? 'MNIST' : 'Fashion-MNIST'} (${runs[0]?.train} training images, 196-32-32-10, seed 0)\n`);
    console.log(`\`${command}\`\n`);
    console.log('| activation, loss | h | steps | hλ₀/2 | hλ/2 ≥ 0.95 from step | hλ/2 after it: mean ± sd (min–max) | loss rises after it | final train E | hλ/2 at the end | GF / IGR distance, window at step 0 | GF / IGR distance, last window |');
    console.log('|---|---:|---:|---:|---:|---|---:|---:|---:|---|---|');
    for (const r of runs) {
      // A diverged run has no edge of stability to speak of: only its divergence step is shown.
      const onset = r.diverged ? { step: null, catapult: false, throughout: false } : eosOnset(r);
      const after = onset.step === null ? null : afterOnset(r, onset.step);
      const w0 = r.windows.find((w) => w.start === 0);
      const wEnd = [...r.windows].sort((a, b) => b.start - a.start)[0];
      const pair = (w: Window | undefined) => (w ? `${e2(relative(w, 'gradientFlow'))} / ${e2(relative(w, 'igrFlow'))}` : '—');
      const status = r.diverged ? `diverged at step ${r.diverged.step}` : e2(r.finalLoss);
      const lastHalf = r.sharpness.at(-1)?.lambdaMax;
      const onsetText = r.diverged
        ? '— (diverged)'
        : onset.step === null
          ? onset.catapult
            ? 'never (after a catapult)'
            : 'never'
          : onset.throughout
            ? '0 (never below)'
            : `${onset.step}${onset.catapult ? ' (after a catapult)' : ''}`;
      console.log(
        `| ${r.activation}, ${r.loss} | ${r.h} | ${r.steps} | ${f2(((r.lambda0 ?? NaN) * r.h) / 2)} | ${onsetText} | ${after ? `${f3(after.mean)} ± ${f3(after.sd)} (${f2(after.min)}–${f2(after.max)})` : '—'} | ${after?.rises === null || after === null ? '—' : `${(100 * after.rises).toFixed(0)}%`} | ${status} | ${lastHalf === null || lastHalf === undefined ? '—' : f2((r.h * lastHalf) / 2)} | ${pair(w0)} | ${pair(wEnd)}${wEnd ? ` (k=${wEnd.start})` : ''} |`,
      );
    }
    const ladders = runs.flatMap((r) => r.ladders.map((l) => ({ r, l })));
    if (ladders.length) {
      console.log('\nDistance after time T = 5h from θ_k for the ladder h, h/2, h/4, h/8 (GD takes 5·2^j steps of h/2^j), relative to GD\'s travel; slopes fitted over the three smallest h (backward error analysis: 1 for the gradient flow, 2 for the IGR flow):\n');
      console.log('| activation, loss | from | h | hλ/2 there | gradient flow: h, h/2, h/4, h/8 | slope | IGR flow: h, h/2, h/4, h/8 | slope |');
      console.log('|---|---|---:|---:|---|---:|---|---:|');
      for (const { r, l } of ladders) {
        const w = r.windows.find((x) => x.start === l.start);
        const travel = w?.travel ?? NaN;
        const rel = (ds: (number | null)[]) => ds.map((d) => e2(d === null ? null : d / travel)).join(', ');
        console.log(`| ${r.activation}, ${r.loss} | ${l.start === 0 ? 'θ₀' : `step ${l.start}`} | ${r.h} | ${f2(w?.hLambdaHalf)} | ${rel(l.gradientFlow)} | ${f2(l.slopeGradientFlow)} | ${rel(l.igrFlow)} | ${f2(l.slopeIgrFlow)} |`);
      }
    }
    const hv = runs.flatMap((r) => r.sharpness.slice(1).map((p) => p.hvps));
    const first = runs.map((r) => r.sharpness[0]?.hvps ?? NaN);
    console.log(
      `\nLanczos HVPs per measurement: first (cold start) ${Math.min(...first)}–${Math.max(...first)}, warm-started median ${median(hv)} (range ${Math.min(...hv)}–${Math.max(...hv)}); ` +
        `per run ${Math.min(...runs.map((r) => r.hvps))}–${Math.max(...runs.map((r) => r.hvps))} HVPs against ${Math.min(...runs.map((r) => r.steps))}–${Math.max(...runs.map((r) => r.steps))} gradient steps; ` +
        `${runs.every((r) => r.sharpness.every((p) => p.converged)) ? 'every measurement converged' : `${runs.reduce((s, r) => s + r.sharpness.filter((p) => !p.converged).length, 0)} measurements did not converge`}; ` +
        `flow references ${runs.reduce((s, r) => s + r.flowEvaluations, 0)} field evaluations; ${runs.reduce((s, r) => s + r.seconds, 0).toFixed(0)} s in all.`,
    );
    const dense = `scripts/results/eos-${dataName}-windows.json`;
    if (existsSync(dense)) {
      const extra = JSON.parse(readFileSync(dense, 'utf8')) as { runs: EosRun[]; command: string };
      console.log(`\nDense windows: \`${extra.command}\` (the same runs, a window every few steps; distance / GD travel over 5 steps):\n`);
      for (const r of extra.runs) {
        const ws = [...r.windows].sort((a, b) => a.start - b.start);
        console.log(`- ${r.activation}, ${r.loss}, h = ${r.h} (EoS from step ${eosOnset(r).step ?? 'never'}): ` + ws.map((w) => `k=${w.start} (hλ/2 ${f2(w.hLambdaHalf)}): ${e2(relative(w, 'gradientFlow'))} / ${e2(relative(w, 'igrFlow'))}`).join('; '));
      }
      for (const g of [...new Set(extra.runs.map((r) => `${r.activation}:${r.loss}`))]) {
        const rs = extra.runs.filter((r) => `${r.activation}:${r.loss}` === g);
        const [act, loss] = g.split(':');
        const slug = `eos-${dataName}-${act}-${loss === 'cross-entropy' ? 'ce' : 'mse'}-windows`;
        const plot = new Plot({ title: `${dataName} ${act} ${loss}: GD ${W} steps from θ_k against the flows from θ_k`, x: { kind: 'linear', label: 'step k of the window start' }, y: { kind: 'log', label: 'distance / GD travel' }, id: slug, width: 520, height: 340 });
        rs.forEach((r, i) => {
          const color = ORDER_COLORS[(i + 2) % ORDER_COLORS.length]!;
          const ws = [...r.windows].sort((a, b) => a.start - b.start);
          const pick = (key: 'gradientFlow' | 'igrFlow') => ws.map((w) => [w.start, relative(w, key)] as const).filter((p): p is readonly [number, number] => p[1] !== null && p[1] > 0);
          plot.add({ name: `h = ${r.h}: gradient flow`, points: pick('gradientFlow'), color, marker: 'circle' });
          plot.add({ name: `h = ${r.h}: IGR flow`, points: pick('igrFlow'), color, marker: 'square', dash: '4,3', hollow: true });
          const onset = eosOnset(r).step;
          if (onset !== null) plot.note(`h = ${r.h}: h·λ_max/2 ≥ 0.95 from step ${onset}`);
        });
        writeFileSync(`${figures}/${slug}.svg`, plot.toSvg() + '\n');
      }
    }
    const groups = [...new Set(runs.map((r) => `${r.activation}:${r.loss}`))];
    for (const g of groups) {
      const rs = runs.filter((r) => `${r.activation}:${r.loss}` === g);
      const [act, loss] = g.split(':');
      const slug = `eos-${dataName}-${act}-${loss === 'cross-entropy' ? 'ce' : 'mse'}`;
      const plot = new Plot({ title: `${dataName} ${act} ${loss}: λ_max along training (dashed: 2/h)`, x: { kind: 'linear', label: 'step' }, y: { kind: 'log', label: 'λ_max' }, id: slug, width: 520, height: 340 });
      rs.forEach((r, i) => {
        const color = ORDER_COLORS[i % ORDER_COLORS.length]!;
        const pts = r.sharpness.filter((p) => p.lambdaMax !== null && p.lambdaMax > 0).map((p) => [p.step, p.lambdaMax!] as [number, number]);
        if (pts.length === 0) return;
        plot.add({ name: `h = ${r.h}${r.diverged ? ` (diverged at ${r.diverged.step})` : ''}`, points: pts, color, marker: 'circle', markerSize: 2 });
        plot.add({ name: `2/h = ${(2 / r.h).toPrecision(3)}`, points: [[0, 2 / r.h], [Math.max(r.steps, pts.at(-1)![0]), 2 / r.h]], color, dash: '5,4', legend: false, width: 1 });
      });
      writeFileSync(`${figures}/${slug}.svg`, plot.toSvg() + '\n');
      const dplot = new Plot({ title: `${dataName} ${act} ${loss}: GD ${W} steps from θ_k against the flows from θ_k`, x: { kind: 'linear', label: 'time kh of the window start' }, y: { kind: 'log', label: 'distance / GD travel' }, id: `${slug}-distances`, width: 520, height: 340 });
      rs.forEach((r, i) => {
        const color = ORDER_COLORS[i % ORDER_COLORS.length]!;
        const ws = [...r.windows].sort((a, b) => a.start - b.start);
        const gf = ws.map((w) => [w.time, relative(w, 'gradientFlow')] as const).filter((p): p is readonly [number, number] => p[1] !== null && p[1] > 0);
        const ig = ws.map((w) => [w.time, relative(w, 'igrFlow')] as const).filter((p): p is readonly [number, number] => p[1] !== null && p[1] > 0);
        if (gf.length) dplot.add({ name: `h = ${r.h}: gradient flow`, points: gf, color, marker: 'circle' });
        if (ig.length) dplot.add({ name: `h = ${r.h}: IGR flow`, points: ig, color, marker: 'square', dash: '4,3', hollow: true });
      });
      try {
        writeFileSync(`${figures}/${slug}-distances.svg`, dplot.toSvg() + '\n');
      } catch (e) {
        console.error(`${slug}-distances: ${(e as Error).message}`);
      }
    }
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
}

if (process.argv.includes('--report')) report();
else await measure();
