/** Error paths of the ODE layer not covered by bad-input.test.ts. */
import { describe, expect, it } from 'vitest';
import {
  dormandPrince,
  integrate,
  integrateAdaptive,
  integrateTrajectory,
  integrateWithStats,
  OdeError,
  validateTableau,
  type AdaptiveOptions,
  type ButcherTableau,
  type FixedStepOptions,
  type Method,
  type TrajectoryOptions,
} from '../../src/ode/index.js';

const decay = (_t: number, y: Float64Array): Float64Array => y.map((v) => -v);

function expectBadInput(run: () => unknown, message: string): void {
  let caught: unknown;
  try {
    run();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(OdeError);
  expect((caught as OdeError).kind).toBe('bad-input');
  expect((caught as OdeError).message).toContain(message);
}

describe('validateTableau', () => {
  for (const bad of [null, undefined, 5, 'rk4']) {
    it(`rejects ${String(bad)} as a tableau`, () => {
      expectBadInput(() => validateTableau(bad as unknown as ButcherTableau), `validateTableau: a tableau must be an object, got ${String(bad)}`);
    });
  }

  for (const embeddedOrder of [0, -1, 1.5, undefined]) {
    it(`rejects embeddedOrder = ${String(embeddedOrder)}`, () => {
      const t = { name: 'bad-embedded', stages: 1, order: 1, a: [[0]], b: [1], c: [0], bHat: [1], embeddedOrder } as unknown as ButcherTableau;
      expectBadInput(() => validateTableau(t), `validateTableau: tableau 'bad-embedded': embeddedOrder must be a positive integer, got ${String(embeddedOrder)}`);
    });
  }
});

describe('fixed-step method and options', () => {
  for (const method of [42, true, (() => 0) as unknown]) {
    it(`integrate rejects method = ${String(method)}`, () => {
      expectBadInput(() => integrate(decay, [1], { t1: 1, steps: 1, method: method as Method }), 'integrate: method must be a method name (');
      expectBadInput(() => integrate(decay, [1], { t1: 1, steps: 1, method: method as Method }), 'or a ButcherTableau, got');
    });
  }

  it('null as method is not silently the default', () => {
    expectBadInput(() => integrate(decay, [1], { t1: 1, steps: 1, method: null as unknown as Method }), 'method must be a method name (');
  });

  for (const options of [null, undefined, 3]) {
    it(`fixed-step integrators reject options = ${String(options)}`, () => {
      expectBadInput(() => integrate(decay, [1], options as unknown as FixedStepOptions), 'integrate: options { t1 | dt, steps } are required');
      expectBadInput(() => integrateWithStats(decay, [1], options as unknown as FixedStepOptions), 'options { t1 | dt, steps } are required');
      expectBadInput(() => integrateTrajectory(decay, [1], options as unknown as TrajectoryOptions), 'options { t1 | dt, steps } are required');
    });
  }
});

describe('adaptive options', () => {
  for (const options of [null, undefined, 'fast']) {
    it(`adaptive integrators reject options = ${String(options)}`, () => {
      expectBadInput(() => integrateAdaptive(decay, [1], options as unknown as AdaptiveOptions), 'integrateAdaptive: options { t1 } are required');
      // dormandPrince spreads its options into a new object, so a missing object surfaces as a missing t1.
      expectBadInput(() => dormandPrince(decay, [1], options as unknown as AdaptiveOptions), 'dormandPrince: t1 must be a finite number, got undefined');
    });
  }
});
