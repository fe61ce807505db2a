/** The formatting helpers behind `igr verify`'s tables (src/cli/format.ts). */
import { describe, expect, it } from 'vitest';
import { formatFixed, formatScientific, formatTable, formatVector, toJsonLine } from '../../src/cli/format.js';

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
