import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { compileLoss } from '../../src/expression/index.js';
import { startExplorerServer, type ExplorerServer } from '../../src/node/explorer.js';
import { buildExplorer } from '../../src/report/explorer-build.js';
import { descentPaths } from '../../src/report/paths.js';
import { readFileSync } from 'node:fs';
import { OUTPUT_DIR, hasChromium, launch, skipMessage, watchErrors, type Session } from './chromium.js';

if (!hasChromium) console.warn(skipMessage);

/** The `d` attribute of every drawn path of the GD and flow series (what changes when inputs do). */
function drawnPaths(page: Page): Promise<string[]> {
  return page.$$eval('#plot g.series path.line', (ps) => ps.map((p) => p.getAttribute('d') ?? ''));
}

/** Wait until the page has rendered at least once more than `before`. */
async function nextRender(page: Page, before: number): Promise<number> {
  await page.waitForFunction((n) => Number(document.querySelector<HTMLElement>('#plot')!.dataset.renders) > n, before);
  return Number(await page.getAttribute('#plot', 'data-renders'));
}

async function renders(page: Page): Promise<number> {
  return Number(await page.getAttribute('#plot', 'data-renders'));
}

async function distances(page: Page): Promise<{ order: number; value: number | null; text: string }[]> {
  return page.$$eval('#distances td.distance', (tds) =>
    tds.map((td) => ({
      order: Number(td.getAttribute('data-order')),
      value: td.getAttribute('data-value') ? Number(td.getAttribute('data-value')) : null,
      text: td.textContent ?? '',
    })),
  );
}

describe.skipIf(!hasChromium)('explorer in Chromium', () => {
  let session: Session;
  let server: ExplorerServer;
  let file: string;
  beforeAll(async () => {
    file = await buildExplorer(join(OUTPUT_DIR, 'explorer', 'index.html'));
    // Port 0: the OS picks a free one, so parallel test runs never collide.
    server = await startExplorerServer(readFileSync(file, 'utf8'), { port: 0 });
    session = await launch();
  });
  afterAll(async () => {
    await session?.close();
    await server?.close();
  });

  it('opens from disk and draws GD and the three flows of the default loss', async () => {
    const page = await session.context.newPage();
    const errors = watchErrors(page);
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('#plot svg');
    expect(await page.$$eval('#plot g.series.flow', (gs) => gs.length)).toBe(3);
    expect(await page.$$eval('#plot g.series.gd', (gs) => gs.length)).toBe(1);
    expect(await page.$$eval('#plot g.contours path', (ps) => ps.length)).toBeGreaterThan(5);
    const ds = await distances(page);
    expect(ds.map((d) => d.order)).toEqual([1, 2, 3]);
    expect(await page.isHidden('#message')).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('served by igr explore: type a loss, click a start, change h; paths change and distances match Node', async () => {
    const page = await session.context.newPage();
    const errors = watchErrors(page);
    // The page must work under the server's Content-Security-Policy: a blocked script, style or
    // eval would be reported here (and as a console error).
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const response = await page.goto(server.url);
    expect(response!.headers()['content-security-policy']).toContain("script-src 'sha256-");
    await page.waitForSelector('#plot svg');
    const expr = '(x^2 - 1)^2 + 2*y^2 + 0.3*x';
    let n = await renders(page);
    await page.fill('#loss', expr);
    await page.press('#loss', 'Enter');
    n = await nextRender(page, n);
    await page.fill('#x-range', '-2, 2');
    n = await nextRender(page, n);
    await page.fill('#y-range', '-1.5, 1.5');
    n = await nextRender(page, n);
    await page.fill('#h', '0.05');
    n = await nextRender(page, n);
    expect(await page.isHidden('#message')).toBe(true);
    const before = await drawnPaths(page);

    // Click where (1.2, 0.9) is drawn: the frame spans the ranges exactly.
    const frame = await page.$eval('#plot rect.frame', (r) => ({ x: Number(r.getAttribute('x')), y: Number(r.getAttribute('y')), w: Number(r.getAttribute('width')), h: Number(r.getAttribute('height')) }));
    const target = { x: frame.x + ((1.2 + 2) / 4) * frame.w, y: frame.y + ((1.5 - 0.9) / 3) * frame.h };
    await page.click('#plot svg', { position: target });
    n = await nextRender(page, n);
    const start = [Number(await page.getAttribute('#start', 'data-x')), Number(await page.getAttribute('#start', 'data-y'))] as [number, number];
    // One CSS pixel is 4/406 ≈ 0.01 in x and 3/484 ≈ 0.006 in y; the click lands within a pixel.
    expect(Math.abs(start[0] - 1.2)).toBeLessThan(0.02);
    expect(Math.abs(start[1] - 0.9)).toBeLessThan(0.02);
    const afterClick = await drawnPaths(page);
    expect(afterClick).not.toEqual(before);

    const { loss } = compileLoss(expr);
    const check = async (h: number): Promise<number[]> => {
      const shown = await distances(page);
      const node = descentPaths(loss, start, { h, steps: Math.round(0.6 / h), orders: [1, 2, 3] });
      expect(shown.map((d) => d.order)).toEqual([1, 2, 3]);
      shown.forEach((d, i) => {
        const expected = node.flows[i]!.distance!;
        // Same code on the same float64 inputs; only the last-ulp behaviour of Math.exp/log
        // could differ between Node's V8 and Chromium's, amplified little over ≤ 24 steps:
        // 1e-9 relative is far above that and far below the gap between orders (≥ 1e-1 relative).
        expect(Math.abs(d.value! - expected) / expected).toBeLessThan(1e-9);
        expect(d.text).toBe(expected.toExponential(6));
      });
      return shown.map((d) => d.value!);
    };
    const at005 = await check(0.05);

    await page.fill('#h', '0.025');
    n = await nextRender(page, n);
    const afterH = await drawnPaths(page);
    expect(afterH).not.toEqual(afterClick);
    const at0025 = await check(0.025);
    // Halving h divides the distance to the order-p flow by about 2^p (global error O(h^p)).
    at005.forEach((d, i) => {
      const ratio = d / at0025[i]!;
      expect(ratio).toBeGreaterThan(2 ** (i + 1) * 0.7);
      expect(ratio).toBeLessThan(2 ** (i + 1) * 1.4);
    });
    await page.screenshot({ path: join(OUTPUT_DIR, 'explorer.png') });
    expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a malformed or unknown expression, or a diverging h, is a message on the page', async () => {
    const page = await session.context.newPage();
    const errors = watchErrors(page);
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('#plot svg');
    let n = await renders(page);
    const submit = async (text: string): Promise<string> => {
      await page.fill('#loss', text);
      await page.press('#loss', 'Enter');
      n = await nextRender(page, n);
      expect(await page.isVisible('#message')).toBe(true);
      return (await page.textContent('#message')) ?? '';
    };
    expect(await submit('(a^2 - 1')).toMatch(/cannot parse the expression at character 9/);
    expect(await page.getAttribute('#message', 'class')).toBe('error');
    expect(await page.getAttribute('#plot', 'class')).toContain('stale');
    expect(await page.$$eval('#distances tr', (rs) => rs.length)).toBe(0);
    expect(await submit('foo(a) + b')).toMatch(/unknown function 'foo'; valid functions: sin/);
    expect(await submit('a + b + c')).toMatch(/exactly two variables; 'a \+ b \+ c' has 3: a, b, c/);
    // Input the parser cannot hold is refused by name (once: "Maximum call stack size exceeded").
    expect(await submit(`${'('.repeat(300)}a*b${')'.repeat(300)}`)).toBe(
      'the expression is nested 300 levels deep in parentheses; a loss may have at most 20000 characters and 64 levels of parentheses or of ^',
    );
    expect(await submit(Array(5000).fill('a').join('^') + '+b')).toMatch(/^the expression is (a tower of|too deeply nested for the parser)/);
    await page.screenshot({ path: join(OUTPUT_DIR, 'explorer-error.png') });

    // Names that every JavaScript object has are variables like any other (once: "o is not a function").
    for (const name of ['constructor', 'hasOwnProperty', '__proto__', 'toString']) {
      await page.fill('#loss', `(${name} - 1)^2 + 2*(y - 1)^2`);
      await page.press('#loss', 'Enter');
      n = await nextRender(page, n);
      expect(await page.isHidden('#message'), name).toBe(true);
      expect(await page.textContent('#status')).toContain(`${name}, y; n = `);
    }
    // A long flat sum (1,000 terms, most cancelling; 3,000 are compiled in test/expression) compiles and draws; only the gradient flow, so the page stays quick.
    for (const p of [2, 3]) {
      await page.uncheck(`#order-${p}`);
      n = await nextRender(page, n);
    }
    await page.fill('#T', '0.1');
    n = await nextRender(page, n);
    await page.fill('#loss', `(a - 1)^2 + (b - 2)^2${'+a-a'.repeat(499)}`);
    await page.press('#loss', 'Enter');
    n = await nextRender(page, n);
    expect(await page.textContent('#message')).toBe('');
    expect(await distances(page)).toHaveLength(1);
    await page.fill('#loss', 'a^2 + 25*b^2'); // a small loss again before the higher orders come back
    await page.press('#loss', 'Enter');
    n = await nextRender(page, n);
    for (const p of [2, 3]) {
      await page.check(`#order-${p}`);
      n = await nextRender(page, n);
    }
    await page.fill('#T', '0.6');
    n = await nextRender(page, n);

    // A valid loss again clears the message; then an h past GD's stability limit (h·λ = 0.5·50 > 2).
    await page.fill('#loss', 'a^2 + 25*b^2');
    await page.press('#loss', 'Enter');
    n = await nextRender(page, n);
    expect(await page.isHidden('#message')).toBe(true);
    await page.fill('#h', '0.5');
    n = await nextRender(page, n);
    await page.fill('#T', '20');
    n = await nextRender(page, n);
    const text = (await page.textContent('#message')) ?? '';
    expect(text).toMatch(/gradient descent diverged at step \d+/);
    expect(await page.getAttribute('#message', 'class')).toBe('warning');
    expect(await page.$$eval('#plot svg', (s) => s.length)).toBe(1);
    expect((await distances(page)).every((d) => d.text === 'diverged')).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});
