/** The README's `→ VALUE` convention (test/docs/readme-check.ts): what a stated value accepts and refuses. */
import { describe, expect, it } from 'vitest';
import { mismatch, parseStated } from './readme-check.js';
import { tensor } from '../../src/autodiff/index.js';

const ok = (stated: string, actual: unknown): void => expect(mismatch(parseStated(stated), actual)).toBeNull();
const bad = (stated: string, actual: unknown, why: RegExp): void => expect(mismatch(parseStated(stated), actual)).toMatch(why);

describe('stated README results', () => {
  it('a number with d significant digits matches what rounds to it; 15 or more digits are exact', () => {
    ok(' 2.998 (prose after the value)', 2.9981);
    bad(' 2.998', 2.9986, /expected 2\.998 \(to 4 significant digits\), got 2\.9986/);
    ok('0.5838531634528576', 0.5838531634528576);
    bad('0.5838531634528576', 0.5838531634528578, /got 0\.5838531634528578/); // the next double up
    ok('7.07e-10', 7.069285897406038e-10);
    ok('-0.83907153', -0.8390715295239609);
    ok('502', 502);
    bad('502', 503, /expected 502/);
    bad('1', 'one', /expected the number 1, got "one"/);
  });

  it('arrays, Tensors and Float64Arrays compare entry by entry, with their lengths', () => {
    ok('[[4, 2], [2, -0.9092974268256817]]', tensor([[4, 2], [2, -0.9092974268256817]]));
    ok('[4, 0.5838531634528576]', Float64Array.of(4, 0.5838531634528576));
    bad('[4, 2]', tensor([4, 2, 0]), /expected 2 entries, got 3/);
    bad('[[1]]', [[2]], /value\[0\]\[0\]: expected 1/);
  });

  it('objects: the stated keys must match; a trailing … leaves the other keys unchecked', () => {
    ok("{ kind: 'blowup', step: 502 }", { kind: 'blowup', step: 502 });
    ok('{ slope: 2.998, pass: true, … }', { slope: 2.998, pass: true, r2: 0.99999 });
    bad('{ slope: 2.998 }', { slope: 2.998, r2: 1 }, /unexpected keys r2/);
    bad('{ y: [1, 2], … }', { y: Float64Array.of(1, 3) }, /value\.y\[1\]: expected 2/);
    bad('{ missing: 1, … }', { other: 1 }, /expected a key 'missing'/);
  });

  it('literals, and text that is not a value', () => {
    ok('true', true);
    ok('null (stable)', null);
    ok("'blowup'", 'blowup');
    bad('false', true, /expected false, got true/);
    expect(() => parseStated(' about eleven')).toThrow(/cannot read the stated value 'about eleven'/);
    expect(() => parseStated('[1, 2')).toThrow(/expected ',' or '\]'/);
  });
});
