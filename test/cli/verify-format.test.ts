/** The formatting helpers behind `igr verify`'s tables (src/cli/format.ts) and its per-problem report. */
import { describe, expect, it } from 'vitest';
import { formatFixed, formatScientific, formatTable, formatVector, toJsonLine } from '../../src/cli/format.js';
import { formatReport } from '../../src/cli/commands/verify.js';
import type { SlopeFit, VerificationReport } from '../../src/igr/index.js';

describe('formatTable', () => {
  it('aligns columns (first left, others right) under a rule', () => {
    const text = formatTable(['h', 'error'], [['0.1', '1.2e-3'], ['0.05', '3.0e-4']]);
    expect(text).toBe(['h      error', '────  ──────', '0.1   1.2e-3', '0.05  3.0e-4', ''].join('\n'));
  });

  it('a short row lets its last cell span the remaining columns without widening them', () => {
    const text = formatTable(['h', 'a', 'b'], [['0.1', '1', '2'], ['0.5', 'diverged at step 3']], { indent: '  ' });
    const lines = text.split('\n');
    expect(lines[0]).toBe('  h    a  b');
    expect(lines[2]).toBe('  0.1  1  2');
    expect(lines[3]).toBe('  0.5  diverged at step 3');
  });
});

describe('number formatting never prints NaN', () => {
  it('scientific and fixed', () => {
    expect(formatScientific(0.000123456)).toBe('1.23e-4');
    expect(formatScientific(12345)).toBe('1.23e4');
    expect(formatScientific(0)).toBe('0');
    expect(formatScientific(NaN)).toBe('—');
    expect(formatScientific(null)).toBe('—');
    expect(formatFixed(1.00049)).toBe('1.000');
    expect(formatFixed(Infinity)).toBe('—');
  });

  it('vectors are shortened', () => {
    expect(formatVector([2.8, 3.5])).toBe('[2.8, 3.5]');
    expect(formatVector(Array.from({ length: 10 }, (_, i) => i / 3))).toBe('[0, 0.333333, 0.666667, 1, …] (10 entries)');
  });

  it('JSON lines turn non-finite numbers into null', () => {
    expect(toJsonLine({ a: NaN, b: [1, Infinity], c: -Infinity })).toBe('{"a":null,"b":[1,null],"c":null}');
  });
});

describe('formatReport (the human output of igr verify) on a hand-built report', () => {
  const fit = (slope: number, expected: number): SlopeFit => ({
    slope,
    intercept: 0,
    r2: 0.99998,
    used: 2,
    expected,
    pass: Math.abs(slope - expected) <= 0.1,
    tolerance: 0.1,
  });
  const report: VerificationReport = {
    problem: 'toy',
    dimension: 2,
    theta0: [1, 2],
    T: 1,
    hs: [0.5, 0.1, 0.05, 0.025],
    orders: [1, 2],
    steps: [2, 10, 20, 40],
    globalError: { 1: [null, 1e-2, 5e-3, 2.5e-3], 2: [null, 1e-4, 2.5e-5, 1e-15] },
    localError: { 1: [null, 1e-3, 2.5e-4, 6.25e-5], 2: [null, 1e-5, 1.25e-6, 1.5625e-7] },
    roundoff: {
      global: { 1: [false, false, false, false], 2: [false, false, false, true] },
      local: { 1: [false, false, false, false], 2: [false, false, false, false] },
    },
    globalSlope: { 1: fit(1.0, 1), 2: fit(2.0, 2) },
    localSlope: { 1: fit(2.0, 2), 2: null },
    referenceErrorBound: { richardson: 1e-12, dormandPrince: 2e-12, ratioToSmallestError: 1e-7 },
    diverged: [{ h: 0.5, step: 2 }],
    nonGradientPart: { order3: null, samples: 4 },
    pass: false,
    seconds: 0.25,
  };
  const text = formatReport(report);

  it('shows a diverged h as a message spanning the global columns, its local errors as —', () => {
    expect(text).toMatch(/^ {2}0\.5\s+2\s+—\s+—\s+diverged at step 2$/m);
  });

  it('marks round-off points with * and explains the mark', () => {
    expect(text).toMatch(/^ {2}0\.025\s+40\s+6\.25e-5\s+1\.56e-7\s+2\.50e-3\s+1\.00e-15\*$/m);
    expect(text).toContain('* on the round-off / reference-accuracy floor: shown, left out of the fit');
  });

  it('one line per order and kind; a missing fit says so and fails; never NaN', () => {
    expect(text).toContain('order 1  global slope  1.000 (expected 1, R² 0.99998, 2 points) PASS');
    expect(text).toContain('           local  no fit (fewer than 2 usable points)');
    expect(text).toContain('non-gradient part of f_3 at θ0: none (the order-3 term vanishes)');
    expect(text).toMatch(/^ {2}FAIL {2}\(0\.3 s\)$/m);
    expect(text).not.toMatch(/NaN|undefined|null/);
  });
});
