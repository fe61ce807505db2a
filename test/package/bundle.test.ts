/**
 * The `igr` entry bundled for the browser, as a consumer's bundler would: esbuild, platform
 * browser, no externals. It must build (a `node:` import or mathjs reachable from it would fail
 * or bloat the build) and contain only our own sources. Its size is measured and recorded by
 * scripts/bundle-size.ts (BENCHMARKS.md, "Bundle size"); it is printed here, not asserted.
 */
import { describe, expect, it } from 'vitest';
import { bundleSize } from '../../scripts/bundle-size.js';

describe('browser bundle of igr', () => {
  it('builds for the browser with no externals and holds only src/ modules of the browser-safe layers', async () => {
    const size = await bundleSize(`export * from './index.js';`);
    const inputs = Object.keys(size.modules);
    expect(inputs.filter((p) => !p.startsWith('src/'))).toEqual([]);
    expect(inputs.filter((p) => /^src\/(node|cli|expression)\//.test(p) || /^src\/report\/(write|cli|explorer-build)\.ts$/.test(p))).toEqual([]);
    expect(inputs).toContain('src/autodiff/engine.ts');
    expect(inputs).toContain('src/report/verification.ts');
    console.log(`igr browser bundle: ${size.minified} bytes minified, ${size.gzip} bytes min+gzip (${(size.gzip / 1024).toFixed(1)} KiB)`);
  });
});
