/** Adaptive Dormand–Prince 5(4): meets its tolerance, costs less than RK4, and fails clearly. */
import { describe, expect, it } from 'vitest';
import { dormandPrince, integrate, integrateAdaptive, OdeError, type EmbeddedTableau } from '../../src/ode/index.js';
import { linearProblem, maxAbs, maxDiff, nonAutonomous, oscillator, riccati, type Problem } from './problems.js';

const problems: Problem[] = [linearProblem(1), oscillator(), riccati(), nonAutonomous()];

/** The tolerance a solution should meet: atol + rtol·|y(t1)|_∞, the scale the controller uses per step. */
const tolerance = (p: Problem, rtol: number, atol: number): number => atol + rtol * maxAbs(p.exact);

describe('Dormand–Prince meets its tolerance (global error ≤ 10 × (atol + rtol·|y|))', () => {
  // The controller bounds the local error per step; the global error over these O(1)
  // intervals stays within a small factor of it (measured: 0.1× to 0.5×), so 10× is a real check.
  for (const p of problems) {
    for (const rtol of [1e-6, 1e-8, 1e-10, 1e-12]) {
      it(`${p.name}, rtol = ${rtol}`, () => {
        const atol = rtol * 1e-2;
        const r = dormandPrince(p.field, p.y0, { t0: p.t0, t1: p.t1, rtol, atol });
        expect(maxDiff(r.y, p.exact)).toBeLessThanOrEqual(10 * tolerance(p, rtol, atol));
        expect(r.steps).toBeGreaterThan(0);
      });
    }
  }
  it('reaches ~1e-12 relative accuracy at rtol = 1e-12 with the default atol', () => {
    for (const p of problems) {
      const r = dormandPrince(p.field, p.y0, { t1: p.t1, rtol: 1e-12 });
      expect(maxDiff(r.y, p.exact) / maxAbs(p.exact)).toBeLessThan(2e-12);
    }
  });
  it('carries time without drift over 36 000 steps (compensated t): y\' = cos t to t = 1000.3', () => {
    // y = sin t. Plain summation of t drifts ~steps·ulp(1000)/2 and gave an error of 2.4e-12 here;
    // with the compensated time the error is 1.1e-13, the size DP's own error at rtol = 1e-13.
    const t1 = 1000.3;
    const r = dormandPrince((t) => Float64Array.of(Math.cos(t)), [0], { t1, rtol: 1e-13, atol: 1e-13 });
    expect(r.steps).toBeGreaterThan(30_000);
    expect(Math.abs(r.y[0]! - Math.sin(t1))).toBeLessThan(5e-13);
  });
  it('integrates backwards (t1 < t0) to the same tolerance', () => {
    const p = oscillator(2);
    const r = dormandPrince(p.field, p.exact, { t0: 2, t1: 0, rtol: 1e-10, atol: 1e-12 });
    expect(maxDiff(r.y, p.y0)).toBeLessThanOrEqual(10 * (1e-12 + 1e-10));
  });
  it('a user pair without FSAL (Heun–Euler 2(1)) meets its tolerance and counts its evaluations', () => {
    const heunEuler: EmbeddedTableau = {
      name: 'heunEuler21', order: 2, embeddedOrder: 1, stages: 2,
      a: [[0, 0], [1, 0]], b: [1 / 2, 1 / 2], bHat: [1, 0], c: [0, 1],
    };
    for (const p of problems) {
      let calls = 0;
      const field = (t: number, y: Float64Array) => { calls++; return p.field(t, y); };
      const r = integrateAdaptive(field, p.y0, { t1: p.t1, rtol: 1e-6, atol: 1e-8, method: heunEuler });
      expect(maxDiff(r.y, p.exact)).toBeLessThanOrEqual(10 * tolerance(p, 1e-6, 1e-8));
      // f(t0) and the probe; one new stage per attempt; f at each new point except t1.
      expect(r.evaluations).toBe(2 + (r.steps + r.rejected) + (r.steps - 1));
      expect(calls).toBe(r.evaluations);
    }
  });
  it('DOP853 through integrateAdaptive meets its tolerance, rtol 1e-6 … 1e-12', () => {
    // Its error is Hairer's blend of the order-5 and order-3 estimates (O(h^8), controller
    // exponent 1/8), so it tracks the tolerance as DP5's does; the bound checked is the same 10×.
    for (const p of problems) {
      for (const rtol of [1e-6, 1e-9, 1e-12]) {
        const atol = rtol * 1e-2;
        const r = integrateAdaptive(p.field, p.y0, { t0: p.t0, t1: p.t1, rtol, atol, method: 'dop853' });
        expect(maxDiff(r.y, p.exact), `${p.name} rtol ${rtol}`).toBeLessThanOrEqual(10 * tolerance(p, rtol, atol));
      }
    }
  });
  it('Bogacki–Shampine 3(2) through integrateAdaptive meets its tolerance too', () => {
    for (const p of problems) {
      const r = integrateAdaptive(p.field, p.y0, { t1: p.t1, rtol: 1e-6, atol: 1e-8, method: 'bogackiShampine32' });
      expect(maxDiff(r.y, p.exact)).toBeLessThanOrEqual(10 * tolerance(p, 1e-6, 1e-8));
    }
  });
});

describe('cost', () => {
  it('counts evaluations: 2 to start (f(t0) and the step-size probe), then 6 per attempt (FSAL)', () => {
    for (const p of problems) {
      let calls = 0;
      const r = dormandPrince((t, y) => { calls++; return p.field(t, y); }, p.y0, { t1: p.t1, rtol: 1e-9 });
      expect(r.evaluations).toBe(calls);
      expect(r.evaluations).toBe(2 + 6 * (r.steps + r.rejected));
    }
  });
  it('DOP853 (not FSAL): 2 to start, 11 per attempt, and f at each accepted point before t1', () => {
    for (const p of problems) {
      let calls = 0;
      const r = integrateAdaptive((t, y) => { calls++; return p.field(t, y); }, p.y0, { t1: p.t1, rtol: 1e-9, method: 'dop853' });
      expect(r.evaluations).toBe(calls);
      expect(r.evaluations).toBe(2 + 11 * (r.steps + r.rejected) + (r.steps - 1));
    }
  });
  it('DOP853 needs fewer evaluations than Dormand–Prince 5(4) for the same error at tight tolerances', () => {
    const rows: Record<string, number | string>[] = [];
    for (const p of [linearProblem(1, 8), oscillator(16), nonAutonomous(8)]) {
      const dp5 = dormandPrince(p.field, p.y0, { t1: p.t1, rtol: 1e-12, atol: 1e-14 });
      const target = maxDiff(dp5.y, p.exact);
      // The loosest DOP853 tolerance (decades from 1e-6 down) that matches DP5's error.
      let rtol = 1e-6;
      let r = integrateAdaptive(p.field, p.y0, { t1: p.t1, rtol, atol: rtol * 1e-2, method: 'dop853' });
      while (maxDiff(r.y, p.exact) > target && rtol > 1e-14) {
        rtol /= 10;
        r = integrateAdaptive(p.field, p.y0, { t1: p.t1, rtol, atol: rtol * 1e-2, method: 'dop853' });
      }
      expect(maxDiff(r.y, p.exact)).toBeLessThanOrEqual(target);
      rows.push({ problem: p.name, error: target.toExponential(2), dp5: dp5.evaluations, dop853: r.evaluations, rtol });
      expect(r.evaluations).toBeLessThan(dp5.evaluations);
    }
    console.log('DOP853 vs Dormand–Prince 5(4) (rtol 1e-12) at equal error:');
    console.table(rows);
  });
  it('uses fewer evaluations than RK4 at equal accuracy on smooth problems', () => {
    const rows: Record<string, number | string>[] = [];
    for (const p of [linearProblem(1), oscillator(), nonAutonomous()]) {
      const dp = dormandPrince(p.field, p.y0, { t1: p.t1, rtol: 1e-10, atol: 1e-12 });
      const target = maxDiff(dp.y, p.exact);
      // Smallest RK4 step count reaching the same error: double, then bisect.
      const err = (steps: number) => maxDiff(integrate(p.field, p.y0, { t1: p.t1, steps, method: 'rk4' }), p.exact);
      // Capped so that a broken RK4 fails here instead of doubling for ever.
      let hi = 1;
      while (err(hi) > target && hi < 2 ** 14) hi *= 2;
      expect(err(hi)).toBeLessThanOrEqual(target);
      let lo = hi / 2;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (err(mid) > target) lo = mid;
        else hi = mid;
      }
      rows.push({ problem: p.name, error: target.toExponential(2), dpEvaluations: dp.evaluations, rk4Evaluations: 4 * hi, ratio: (4 * hi / dp.evaluations).toFixed(1) });
      expect(dp.evaluations).toBeLessThan(4 * hi);
    }
    console.log('Dormand–Prince (rtol 1e-10) vs RK4 at equal error:');
    console.table(rows);
  });
  it('t1 = t0 returns a copy of y0 without evaluating', () => {
    const r = dormandPrince(() => { throw new Error('not called'); }, [3], { t0: 1, t1: 1 });
    expect(Array.from(r.y)).toEqual([3]);
    expect(r.evaluations).toBe(0);
  });
  it('honours h0 as the first attempted step', () => {
    const seen: number[] = [];
    dormandPrince((t, y) => { seen.push(t); return y.slice(); }, [1], { t1: 1, h0: 0.01 });
    // f(t0), then the stages of the first attempt at t0 + c_i·0.01.
    expect(seen[1]).toBeCloseTo(0.01 / 5, 15);
  });
});

describe('failures', () => {
  it('a step cap hit is a max-steps error naming the cap and the time reached', () => {
    const p = oscillator(2);
    let err: unknown;
    try { dormandPrince(p.field, p.y0, { t1: 2, rtol: 1e-12, maxSteps: 5 }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(OdeError);
    expect((err as OdeError).kind).toBe('max-steps');
    expect((err as OdeError).message).toMatch(/^dormandPrince: reached maxSteps = 5 \(\d+ accepted, \d+ rejected\) at t = [\d.e-]+ before t1 = 2; raise maxSteps or loosen rtol\/atol/);
  });
  it('a singularity (y\' = y² from 1, singular at t = 1) is a step-size error near t = 1', () => {
    let err: unknown;
    try { dormandPrince((_t, y) => Float64Array.of(y[0]! * y[0]!), [1], { t1: 2 }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(OdeError);
    expect((err as OdeError).kind).toBe('step-size');
    expect(Math.abs((err as OdeError).t! - 1)).toBeLessThan(1e-6);
    expect((err as OdeError).message).toMatch(/step size .* fell below float64 time resolution at t = 0\.99999/);
  });
  it("a tolerance below float64 resolution (rtol 0, atol 1e-300) is a step-size underflow, not the field's fault", () => {
    // Once: "vector field returned a non-finite value … t = NaN" (the scaled norms overflowed and
    // the step shrank to nothing). The field here is y' = −y, fine everywhere.
    let err: unknown;
    try { dormandPrince((_t, y) => y.map((v) => -v), [1], { t1: 1, rtol: 0, atol: 1e-300 }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(OdeError);
    expect((err as OdeError).kind).toBe('step-size');
    expect((err as OdeError).t).toBe(0);
    expect((err as OdeError).message).toMatch(
      /^dormandPrince: the step size underflowed: [\d.]+e-\d+ at t = 0 \(step 1\) moves the solution by less than its float64 resolution and is still rejected: the tolerance \(rtol = 0, atol = 1e-300\) asks for less error than float64 holds at \|y\| = 1\.000e\+0/,
    );
    expect((err as OdeError).message).not.toMatch(/NaN|vector field/);
    // A tight but attainable absolute tolerance still integrates (to 1e-15 of e^-1).
    expect(Math.abs(dormandPrince((_t, y) => y.map((v) => -v), [1], { t1: 1, rtol: 0, atol: 1e-17 }).y[0]! - Math.exp(-1))).toBeLessThan(1e-15);
  });
  it('a solution beyond the blow-up threshold is a blowup error with its time', () => {
    let err: unknown;
    try { dormandPrince((_t, y) => y.slice(), [1], { t1: 100, blowup: 1e6 }); } catch (e) { err = e; }
    expect((err as OdeError).kind).toBe('blowup');
    // e^t passes 1e6 at t = ln(1e6) ≈ 13.8; the step that crosses it ends within one step of that.
    expect((err as OdeError).t).toBeGreaterThan(Math.log(1e6));
    expect((err as OdeError).t).toBeLessThan(Math.log(1e6) + 1);
    expect((err as OdeError).message).toMatch(/solution blew up at step \d+, t = [\d.]+: \|y\[0\]\| = .* exceeds the blow-up threshold 1000000/);
  });
  it('a non-finite field value is a nonfinite error naming step and time', () => {
    let err: unknown;
    try { dormandPrince((t, y) => Float64Array.of(t > 0.5 ? NaN : -y[0]!), [1], { t1: 1 }); } catch (e) { err = e; }
    expect((err as OdeError).kind).toBe('nonfinite');
    expect((err as OdeError).t).toBeGreaterThan(0.5);
    expect((err as OdeError).message).toMatch(/vector field returned a non-finite value \(component 0 is NaN\) at step \d+, t = 0\.5/);
  });
});
