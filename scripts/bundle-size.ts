/**
 * `npx tsx scripts/bundle-size.ts [--modules]`: the size of the browser-safe entry `igr`
 * (src/index.ts) bundled for the browser with no externals, minified, and gzipped (level 9), as
 * a consumer's bundler would ship it. Layer by layer: each row bundles the entry's `export *`
 * lines up to that one, so a row's increase is what that layer adds (its own code and whatever of
 * the lower layers it pulls in that the rows above did not). `--modules` also lists each module's
 * minified bytes in the full bundle. The figures go into BENCHMARKS.md ("Bundle size").
 *
 * The issue's target: at most 40 KiB min+gzip. Nothing here passes or fails; the package test
 * (test/package/bundle.test.ts) checks that the bundle builds and carries no Node module.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, version } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'src', 'index.ts');

/** The entry's re-exports in order: `export * from './autodiff/index.js'` → './autodiff/index.js'. */
export function entryLayers(source: string): string[] {
  return [...source.matchAll(/^export \* from '([^']+)';$/gm)].map((m) => m[1]!);
}

export interface BundleSize {
  minified: number;
  gzip: number;
  /** Minified bytes of each input module in the bundle. */
  modules: Record<string, number>;
}

/** Bundles `contents` (a module in src/) for the browser, minified, and measures it. */
export async function bundleSize(contents: string): Promise<BundleSize> {
  const result = await build({
    stdin: { contents, resolveDir: join(root, 'src'), sourcefile: 'entry.ts', loader: 'ts' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.contents;
  const output = Object.values(result.metafile.outputs)[0]!;
  const modules = Object.fromEntries(Object.entries(output.inputs).map(([path, v]) => [path, v.bytesInOutput]));
  return { minified: code.length, gzip: gzipSync(code, { level: 9 }).length, modules };
}

const kib = (n: number): string => (n / 1024).toFixed(1);

/** Imports of typical uses, each bundled alone. */
const typicalImports: string[][] = [
  ['tensor', 'grad', 'hvp'],
  ['hessianEigs', 'hessianTrace', 'eigh'],
  ['mlp', 'softmaxCrossEntropy', 'gradientDescent'],
  ['modifiedTerms', 'modifiedField'],
  ['verifyBackwardError', 'findProblem'],
  ['verifyBackwardError', 'renderVerificationReport'],
  ['truncationStudy', 'principalFlow'],
];

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const layers = entryLayers(readFileSync(entry, 'utf8'));
  console.log(`igr browser bundle (src/index.ts), esbuild ${version}, --bundle --platform=browser --format=esm --minify; gzip -9`);
  console.log(`| layers (cumulative) | minified KiB | min+gzip KiB | + gzip KiB |`);
  console.log(`|---|---|---|---|`);
  let previous = 0;
  let full: BundleSize | null = null;
  for (let i = 1; i <= layers.length; i++) {
    const size = await bundleSize(layers.slice(0, i).map((l) => `export * from '${l}';`).join('\n'));
    const name = layers[i - 1]!.replace(/^\.\//, '').replace(/\/index\.js$/, '');
    console.log(`| ${i === 1 ? name : `+ ${name}`} | ${kib(size.minified)} | ${kib(size.gzip)} | ${kib(size.gzip - previous)} |`);
    previous = size.gzip;
    full = size;
  }
  console.log(`\ntotal: ${full!.minified} bytes minified, ${full!.gzip} bytes min+gzip (${kib(full!.gzip)} KiB; target 40 KiB)`);
  // What a consumer ships is what its bundler keeps: the package is `sideEffects: false`, so an
  // import of a few names tree-shakes the rest away. The whole entry is the worst case.
  console.log(`\n| a consumer imports (tree-shaken) | minified KiB | min+gzip KiB |`);
  console.log(`|---|---|---|`);
  for (const names of typicalImports) {
    const size = await bundleSize(`import { ${names.join(', ')} } from './index.js';\nconsole.log(${names.join(', ')});`);
    console.log(`| \`${names.join(', ')}\` | ${kib(size.minified)} | ${kib(size.gzip)} |`);
  }
  if (process.argv.includes('--modules')) {
    for (const [path, bytes] of Object.entries(full!.modules).sort((a, b) => b[1] - a[1])) {
      if (bytes > 0) console.log(`${String(bytes).padStart(7)}  ${path}`);
    }
  }
}
