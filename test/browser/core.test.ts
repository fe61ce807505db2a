/**
 * The browser-safe entry in a browser: `igr` (src/index.ts) bundled by esbuild for the browser
 * with no externals, loaded into an empty Chromium page (no network, no server: the script is
 * injected as text), computes the README's derivatives, the order-3 modified equation and the
 * verification of the two-parameter problem. Every number must equal Node's bit for bit: the
 * same float64 operations in the same order, and V8's Math functions (fdlibm ports) agree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import { join } from 'node:path';
import * as igr from '../../src/index.js';
import { hasChromium, launch, skipMessage, watchErrors, type Session } from './chromium.js';

if (!hasChromium) console.warn(skipMessage);

/** What the page and Node both compute; every number becomes the hex of its float64 bits. */
function compute(lib: typeof igr): unknown {
  const bits = (v: number): string => {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, v);
    return view.getBigUint64(0).toString(16).padStart(16, '0');
  };
  const exact = (value: unknown): unknown =>
    JSON.parse(JSON.stringify(value, (key, v: unknown) => (key === 'seconds' ? undefined : typeof v === 'number' ? bits(v) : ArrayBuffer.isView(v) ? Array.from(v as Float64Array, bits) : v)));
  const { add, hessian, hvp, grad, mul, sin, slice, square, sum, tensor, dot } = lib;
  const f = (x: igr.Tensor): igr.Tensor => sum(add(mul(square(slice(x, 0, 1)), slice(x, 1, 2)), sin(slice(x, 1, 2))));
  const x = tensor([1, 2]);
  const v = tensor([1, 0]);
  const problem = lib.findProblem('two-parameter');
  const theta0 = Float64Array.from(problem.theta0);
  return exact({
    grad: grad(f)(x).data,
    hvp: hvp(f, x, v).data,
    hessian: hessian(f, x).data,
    third: grad((y: igr.Tensor) => dot(hvp(f, y, v), v))(x).data,
    modifiedTerms: lib.modifiedTerms(problem.loss, 3)(theta0),
    verification: lib.verifyBackwardError(problem.loss, theta0, { hs: problem.hs, T: problem.T, orders: [1, 2, 3] }),
  });
}

describe.skipIf(!hasChromium)('the igr bundle in Chromium', () => {
  let session: Session;
  let page: Page;
  let errors: string[];
  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [join(import.meta.dirname, '..', '..', 'src', 'index.ts')],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      globalName: 'igr',
      write: false,
      logLevel: 'silent',
    });
    session = await launch();
    page = await session.context.newPage();
    errors = watchErrors(page);
    // Any request at all would be a bug here: the page is inline and the bundle needs nothing.
    await page.route('**/*', (route) => {
      errors.push(`request: ${route.request().url()}`);
      return route.abort();
    });
    await page.setContent('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body></body></html>');
    await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
  }, 120_000);
  afterAll(async () => {
    await session?.close();
  });

  it('grad, hvp, modifiedTerms(…, 3) and verifyBackwardError on two-parameter equal Node bit for bit', async () => {
    const inPage = await page.evaluate(`(${compute.toString()})(window.igr)`);
    const inNode = compute(igr) as { grad: string[]; verification: { pass: string } };
    expect(inPage).toEqual(inNode);
    // The values are the README's (so the comparison is not of two empty results).
    expect(igr.grad((x) => igr.sum(igr.square(x)))(igr.tensor([3])).data[0]).toBe(6);
    expect(inNode.grad).toEqual([4, 0.5838531634528576].map((v) => Buffer.from(Float64Array.of(v).buffer).reverse().toString('hex')));
    expect(Object.keys((inNode.verification as unknown as { globalSlope: object }).globalSlope)).toEqual(['1', '2', '3']);
    expect(errors).toEqual([]);
  }, 120_000);
});
