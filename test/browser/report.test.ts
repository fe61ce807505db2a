import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { pathToFileURL } from 'node:url';
import { findProblem, verifyProblem } from '../../src/igr/index.js';
import { writeSweepReport, writeVerificationReport } from '../../src/node/index.js';
import { optimizerReports, sweepRecords, tiltedLoss, tiltedReport } from '../report/fixtures.js';
import { OUTPUT_DIR, hasChromium, launch, skipMessage, watchErrors, type Session } from './chromium.js';

if (!hasChromium) console.warn(skipMessage);

/** The plot ids of a verification page: global and local error per problem, and a portrait where `portrait[i]`. */
function plotIds(portrait: boolean[]): string[] {
  return portrait.flatMap((p, i) => [`problem-${i}-global`, `problem-${i}-local`, ...(p ? [`problem-${i}-phase`] : [])]);
}

/** What each plot of a verification report drew, as the browser laid it out. */
function verificationPlots(page: Page) {
  return page.$$eval('svg.plot', (svgs) =>
    svgs.map((s) => {
      const box = s.getBoundingClientRect();
      return {
        id: s.id,
        width: box.width,
        height: box.height,
        errors: s.querySelectorAll('g.series.error').length,
        fits: s.querySelectorAll('g.series.fit').length,
        references: s.querySelectorAll('g.series.reference').length,
        // Shading under each reference-bound line that the browser laid out with a visible area.
        referenceAreas: Array.from(s.querySelectorAll('g.series.reference path.area')).filter((p) => {
          const b = (p as SVGPathElement).getBBox();
          return b.width > 0 && b.height > 0;
        }).length,
        // The frame's one grey band at the largest bound, which drew small errors inside it, is gone.
        bands: s.querySelectorAll('g.band').length,
        flows: s.querySelectorAll('g.series.flow').length,
        iterates: s.querySelectorAll('g.series.iterates').length,
        contourPaths: s.querySelectorAll('g.contours path').length,
        drawnPaths: Array.from(s.querySelectorAll('g.series path')).filter((p) => (p as SVGPathElement).getTotalLength() > 0).length,
      };
    }),
  );
}

describe.skipIf(!hasChromium)('HTML reports in Chromium', () => {
  let session: Session;
  beforeAll(async () => {
    session = await launch();
  });
  afterAll(async () => {
    await session?.close();
  });

  /** Opens a report page, collecting console errors, and probes its plots. */
  async function openReport(path: string) {
    const page = await session.context.newPage();
    const errors = watchErrors(page);
    await page.goto(pathToFileURL(path).href);
    return { page, errors, plots: await verificationPlots(page) };
  }

  it('verification report: every plot renders with its series, no console errors', async () => {
    const reports = [tiltedReport(), verifyProblem(findProblem('double-well'), { hs: [0.04, 0.02, 0.01], orders: [1, 2] })];
    const path = writeVerificationReport(join(OUTPUT_DIR, 'verify-report'), reports, {
      command: 'vitest test/browser/report.test.ts',
      losses: { tilted: { loss: tiltedLoss, labels: ['a', 'b'] } },
    });
    const { page, errors, plots } = await openReport(path);
    // Two problems, each: global, local, phase portrait (both are two-parameter).
    expect(plots.map((p) => p.id)).toEqual(plotIds([true, true]));
    for (const p of plots) {
      expect(p.width).toBeGreaterThan(300);
      expect(p.height).toBeGreaterThan(200);
      expect(p.drawnPaths).toBeGreaterThan(0);
      if (p.id.endsWith('phase')) {
        expect(p.flows).toBe(3);
        expect(p.contourPaths).toBeGreaterThan(5);
      } else {
        expect(p.errors).toBe(2);
        expect(p.fits).toBe(2);
        expect(p.references).toBe(2);
        expect(p.referenceAreas).toBe(2);
        expect(p.bands).toBe(0);
      }
    }
    expect(await page.textContent('#command')).toBe('vitest test/browser/report.test.ts');
    await page.screenshot({ path: join(OUTPUT_DIR, 'verify-report.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('non-GD verification report (rk:midpoint, momentum, SGD): every plot renders with one series per flow, portraits where 2-D, no console errors', async () => {
    const path = writeVerificationReport(join(OUTPUT_DIR, 'verify-optimizer-report'), optimizerReports(), {
      command: 'vitest test/browser/report.test.ts (optimizers)',
      losses: { tilted: { loss: tiltedLoss, labels: ['a', 'b'] } },
    });
    const { page, errors, plots } = await openReport(path);
    // rk and momentum run on a two-parameter loss (error plots and a portrait); SGD has 3 parameters (no portrait).
    expect(plots.map((p) => p.id)).toEqual(plotIds([true, true, false]));
    const flowsPerProblem = [2, 2, 3];
    for (const p of plots) {
      expect(p.height).toBeGreaterThan(200);
      expect(p.drawnPaths).toBeGreaterThan(0);
      const n = flowsPerProblem[Number(p.id.split('-')[1])]!;
      if (p.id.endsWith('phase')) {
        expect(p.flows).toBe(n);
        expect(p.iterates).toBe(1);
      } else {
        expect(p.errors).toBe(n);
        expect(p.fits).toBe(n);
        expect(p.references).toBe(n);
        expect(p.referenceAreas).toBe(n);
      }
    }
    expect(await page.textContent('#problem-2')).toContain('No phase portrait');
    await page.screenshot({ path: join(OUTPUT_DIR, 'verify-optimizer-report.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('sweep report: four metrics, GD and EGR series in each, no console errors', async () => {
    const path = writeSweepReport(join(OUTPUT_DIR, 'sweep-report'), sweepRecords(), { command: 'vitest sweep fixture' });
    const page = await session.context.newPage();
    const errors = watchErrors(page);
    await page.goto(pathToFileURL(path).href);
    const plots = await page.$$eval('svg.plot', (svgs) =>
      svgs.map((s) => ({
        id: s.id,
        height: s.getBoundingClientRect().height,
        series: Array.from(s.querySelectorAll('g.series.metric')).map((g) => g.getAttribute('data-series')),
        bars: s.querySelectorAll('path.bars').length,
      })),
    );
    expect(plots.map((p) => p.id)).toEqual(['experiment-0-testAccuracy', 'experiment-0-rIGOverE', 'experiment-0-gradNorm', 'experiment-0-robustness']);
    for (const p of plots) {
      expect(p.height).toBeGreaterThan(200);
      expect(p.series).toEqual(['GD [32]', 'EGR μ=0.01 [32]']);
      expect(p.bars).toBe(2);
    }
    await page.screenshot({ path: join(OUTPUT_DIR, 'sweep-report.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});
