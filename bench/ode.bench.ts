/**
 * ODE stepper speed: RK4 on 1000-dimensional linear fields; and what proving a tableau's order
 * costs (rooted trees and order conditions up to order 9, DOP853's validation).
 *
 * Measures steps per second and the stepper's own share of the time: total time of
 * `integrate` minus the time of the same number of bare field evaluations, over the total.
 * Target (issue 3): the stepper's own work under 20% of the total for a dense linear field.
 * A diagonal field (1000 multiplications per evaluation) shows the stepper's cost when the
 * field is as cheap as it gets, against a hand-written RK4 loop for the same field.
 *
 * Run: npx tsx bench/ode.bench.ts   (prints medians of repeated runs, and the load average)
 */
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { embeddedTableaus, integrate, orderConditionResiduals, rootedTrees, validateTableau, type VectorField } from '../src/ode/index.js';
import { median } from './util.js';

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}

/** Milliseconds of one run. */
function time(run: () => void): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

/**
 * Times several variants interleaved (a, b, c, a, b, c, ...) after one warm-up run of each, so
 * that load from other processes on the shared machine hits all of them alike; returns the
 * per-variant times of every round.
 */
function interleaved(variants: (() => void)[], rounds: number): number[][] {
  for (const v of variants) v();
  const times = variants.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) variants.forEach((v, i) => times[i]!.push(time(v)));
  return times;
}

/** y' = A y with A = -I + R/√n, R uniform in [-1, 1]: a stable dense field, n² multiply-adds per evaluation. */
function denseField(n: number): VectorField {
  const rand = seeded(42);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) A[i] = (2 * rand() - 1) / Math.sqrt(n);
  for (let i = 0; i < n; i++) A[i * n + i]! -= 1;
  return (_t, y) => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      const row = i * n;
      for (let j = 0; j < n; j++) s += A[row + j]! * y[j]!;
      out[i] = s;
    }
    return out;
  };
}

/** y' = -d ⊙ y: n multiplications per evaluation, so the stepper's work is comparable to the field's. */
function diagonalField(n: number): { field: VectorField; d: Float64Array } {
  const rand = seeded(7);
  const d = Float64Array.from({ length: n }, () => 0.5 + rand());
  return { field: (_t, y) => { const out = new Float64Array(n); for (let i = 0; i < n; i++) out[i] = -d[i]! * y[i]!; return out; }, d };
}

/** A hand-specialised RK4 for y' = f(y): what a generic tableau stepper is competing with. */
function handRk4(field: VectorField, y0: Float64Array, dt: number, steps: number): Float64Array {
  const n = y0.length;
  let y = y0.slice();
  const s = new Float64Array(n);
  for (let k = 0; k < steps; k++) {
    const t = k * dt;
    const k1 = field(t, y);
    for (let i = 0; i < n; i++) s[i] = y[i]! + 0.5 * dt * k1[i]!;
    const k2 = field(t + 0.5 * dt, s);
    for (let i = 0; i < n; i++) s[i] = y[i]! + 0.5 * dt * k2[i]!;
    const k3 = field(t + 0.5 * dt, s);
    for (let i = 0; i < n; i++) s[i] = y[i]! + dt * k3[i]!;
    const k4 = field(t + dt, s);
    const next = new Float64Array(n);
    for (let i = 0; i < n; i++) next[i] = y[i]! + dt * (k1[i]! / 6 + k2[i]! / 3 + k3[i]! / 3 + k4[i]! / 6);
    y = next;
  }
  return y;
}

export interface OdeBenchRow {
  field: string;
  steps: number;
  totalMs: number;
  fieldOnlyMs: number;
  stepsPerSecond: number;
  stepperShare: number;
  handRk4Ms: number;
}

/** Runs the benchmark and returns the rows (medians); prints them when `print`. */
export function runOdeBench(print = true): OdeBenchRow[] {
  const n = 1000;
  const rounds = 15;
  const y0 = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
  const rows: OdeBenchRow[] = [];
  const cases: { name: string; field: VectorField; steps: number }[] = [
    { name: 'dense 1000×1000 (A y)', field: denseField(n), steps: 25 },
    { name: 'diagonal 1000 (-d⊙y)', field: diagonalField(n).field, steps: 2000 },
  ];
  for (const c of cases) {
    const dt = 1 / c.steps;
    let sink = 0;
    const [total, fieldOnly, hand] = interleaved([
      () => { sink += integrate(c.field, y0, { t1: 1, steps: c.steps, method: 'rk4' })[0]!; },
      // The same number of field evaluations (4 per step) on a fixed state, returning fresh arrays.
      () => { for (let k = 0; k < 4 * c.steps; k++) sink += c.field(k * dt, y0)[0]!; },
      () => { sink += handRk4(c.field, y0, dt, c.steps)[0]!; },
    ], rounds);
    if (sink === 42) console.log(''); // keep the results observable
    // The share is taken per round (total and field-only measured back to back), then the median.
    const shares = total!.map((tm, r) => (tm - fieldOnly![r]!) / tm);
    const totalMs = median(total!);
    rows.push({
      field: c.name,
      steps: c.steps,
      totalMs,
      fieldOnlyMs: median(fieldOnly!),
      stepsPerSecond: c.steps / (totalMs / 1000),
      stepperShare: median(shares),
      handRk4Ms: median(hand!),
    });
  }
  if (print) {
    console.log(`ODE bench: RK4, n = ${n}, medians of ${rounds} interleaved rounds; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    console.table(rows.map((r) => ({
      field: r.field,
      steps: r.steps,
      'total ms': r.totalMs.toFixed(1),
      'field-only ms': r.fieldOnlyMs.toFixed(1),
      'steps/s': r.stepsPerSecond.toFixed(0),
      'stepper share': `${(100 * r.stepperShare).toFixed(1)}%`,
      'hand RK4 ms': r.handRk4Ms.toFixed(1),
      'generic / hand': (r.totalMs / r.handRk4Ms).toFixed(2),
    })));
  }
  return rows;
}

/**
 * Cost of the order-condition machinery at high order: enumerating the 286 rooted trees of order 9
 * on first use (those up to 8 are enumerated when the module loads and validates DOP853; all are
 * memoised), the 200 conditions up to order 8 and 486 up to 9 for DOP853's weights, and a whole
 * `validateTableau(dop853)` (b to order 8, b̂ to order 5). Medians of repeated calls.
 */
export function runOrderConditionBench(print = true): Record<string, number> {
  let trees = 0;
  for (let n = 1; n <= 8; n++) trees += rootedTrees(n).length;
  const t0 = performance.now();
  trees += rootedTrees(9).length;
  const enumerateMs = performance.now() - t0;
  const dop = embeddedTableaus.dop853;
  const [eight, nine, validate] = interleaved([
    () => void orderConditionResiduals(dop.a, dop.b, 8),
    () => void orderConditionResiduals(dop.a, dop.b, 9),
    () => void validateTableau(dop),
  ], 21);
  const row = { trees, enumerateMs, conditions8Ms: median(eight!), conditions9Ms: median(nine!), validateMs: median(validate!) };
  if (print) {
    console.log(`\nOrder conditions: the 286 trees of order 9 (${trees} up to 9) enumerated in ${enumerateMs.toFixed(2)} ms (first call); ` +
      `DOP853's 200 conditions to order 8: ${row.conditions8Ms.toFixed(2)} ms, 486 to order 9: ${row.conditions9Ms.toFixed(2)} ms, ` +
      `validateTableau(dop853): ${row.validateMs.toFixed(2)} ms (medians of 21); load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  }
  return row;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runOrderConditionBench();
  runOdeBench();
}
