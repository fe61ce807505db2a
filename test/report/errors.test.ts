import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sampleGrid } from '../../src/report/contour.js';
import { descentPaths } from '../../src/report/paths.js';
import { linearScale, PlotError } from '../../src/report/svg.js';
import { mul, square, sum, type Tensor } from '../../src/autodiff/index.js';

const quadratic = (x: Tensor): Tensor => mul(sum(square(x)), 0.5);

describe('sampleGrid rejects grids smaller than 2×2', () => {
  const f = (x: number, y: number): number => x + y;
  it.each([
    [1, 2],
    [2, 1],
    [0, 0],
  ])('nx=%i, ny=%i', (nx, ny) => {
    expect(() => sampleGrid(f, [0, 1], [0, 1], nx, ny)).toThrow(RangeError);
    expect(() => sampleGrid(f, [0, 1], [0, 1], nx, ny)).toThrow(`need at least 2×2 points, got ${nx}×${ny}`);
  });
});

describe('descentPaths rejects a bad substeps', () => {
  it.each([0, -1, 1.5, Number.NaN])('substeps=%s', (substeps) => {
    expect(() => descentPaths(quadratic, [1, 0.5], { h: 0.1, steps: 5, orders: [1], substeps })).toThrow(RangeError);
    expect(() => descentPaths(quadratic, [1, 0.5], { h: 0.1, steps: 5, orders: [1], substeps })).toThrow(
      'substeps must be a positive integer',
    );
  });
});

describe('linearScale rejects a non-finite domain', () => {
  it.each([
    [Number.NaN, 1],
    [0, Number.POSITIVE_INFINITY],
    [Number.NEGATIVE_INFINITY, Number.NaN],
  ])('[%s, %s]', (d0, d1) => {
    expect(() => linearScale([d0, d1], [0, 100])).toThrow(PlotError);
    expect(() => linearScale([d0, d1], [0, 100])).toThrow('linear axis: non-finite domain');
  });
});

describe('buildExplorer rejects a template without the bundle marker', () => {
  afterEach(() => {
    vi.doUnmock('esbuild');
    vi.doUnmock('node:fs');
    vi.resetModules();
  });

  it('rejects with ReportError naming the missing marker (esbuild and the template read are mocked)', async () => {
    vi.resetModules();
    // A stub esbuild, so the real page is never bundled.
    vi.doMock('esbuild', () => ({
      build: async () => ({ outputFiles: [{ text: 'void 0;' }] }),
    }));
    // The template read returns a page without the placeholder; everything else in node:fs is real.
    vi.doMock('node:fs', async (importOriginal) => {
      const actual = await importOriginal<typeof import('node:fs')>();
      return {
        ...actual,
        readFileSync: ((path: unknown, ...rest: unknown[]) =>
          String(path).endsWith('index.html')
            ? '<!doctype html><script></script>'
            : (actual.readFileSync as (...a: unknown[]) => unknown)(path, ...rest)) as typeof actual.readFileSync,
      };
    });
    const { buildExplorer } = await import('../../src/report/explorer-build.js');
    const write = await import('../../src/report/write.js');
    // The check fails before anything is written; the out path is a throwaway under the OS temp dir anyway.
    const outFile = join(tmpdir(), `igr-errors-test-${process.pid}`, 'index.html');
    await expect(buildExplorer(outFile)).rejects.toThrow(write.ReportError);
    await expect(buildExplorer(outFile)).rejects.toThrow('lacks the /*__EXPLORER_BUNDLE__*/ marker');
    expect(existsSync(outFile)).toBe(false);
  });
});
