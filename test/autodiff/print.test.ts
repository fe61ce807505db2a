/** How a Tensor shows itself: `String(t)` and Node's `console.log(t)` give its shape and values, not its fields. */
import { inspect } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { grad, sum, square, tensor, zeros, type Tensor } from '../../src/autodiff/index.js';

describe('printing a Tensor', () => {
  it('String(t) and console.log(t) show the shape and every value in shortest round-trip form', () => {
    const t = tensor([4, 0.5838531634528576]);
    expect(String(t)).toBe('Tensor(shape=[2], [4, 0.5838531634528576])');
    expect(`${t}`).toBe(String(t));
    expect(inspect(t)).toBe(String(t));
    expect(inspect({ t, list: [t] })).toBe('{\n  t: Tensor(shape=[2], [4, 0.5838531634528576]),\n  list: [ Tensor(shape=[2], [4, 0.5838531634528576]) ]\n}');
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      console.log(t);
      // console.log formats its arguments with util.inspect: check what it would write.
      expect(inspect(log.mock.calls[0]![0])).toBe('Tensor(shape=[2], [4, 0.5838531634528576])');
    } finally {
      log.mockRestore();
    }
  });

  it('scalars, matrices, NaN, ±Infinity and -0 as such', () => {
    expect(String(tensor(3))).toBe('Tensor(shape=[], 3)');
    expect(String(tensor([[1, NaN], [-Infinity, -0]]))).toBe('Tensor(shape=[2, 2], [[1, NaN], [-Infinity, -0]])');
    expect(String(zeros([0]))).toBe('Tensor(shape=[0], [])');
  });

  it('a large tensor shows the ends of each long axis; a tensor under differentiation says traced', () => {
    expect(String(tensor(Array.from({ length: 2000 }, (_, i) => i)))).toBe('Tensor(shape=[2000], [0, 1, 2, …, 1997, 1998, 1999])');
    expect(String(zeros([40, 40]))).toMatch(/^Tensor\(shape=\[40, 40\], \[\[0, 0, 0, …, 0, 0, 0\], (\[0, 0, 0, …, 0, 0, 0\], ){2}…, /);
    expect(String(tensor(Array.from({ length: 1000 }, () => 1)))).not.toContain('…'); // up to 1000 in full
    let inside = '';
    grad((x: Tensor) => {
      inside = String(x);
      return sum(square(x));
    })(tensor([1, 2]));
    expect(inside).toBe('Tensor(shape=[2], [1, 2], traced)');
  });
});
