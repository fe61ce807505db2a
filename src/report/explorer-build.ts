/**
 * Builds the explorer page: bundles `web/explorer/main.ts` (with the library it imports:
 * expression compiler, autodiff, ode, igr, the SVG writer, mathjs) with esbuild into one
 * inline classic script inside `web/explorer/index.html`, so the page is a single file that
 * also works opened from disk (file:// forbids module scripts from other files).
 *
 * esbuild is a development dependency: it is imported on demand, so nothing else pays for it.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReportError, writeFileAtomic } from './write.js';

/** The repository root: this file sits in src/report (or dist/report once compiled). */
const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where `npm run build` puts the explorer page. */
export const explorerOutput = join(packageRoot, 'dist', 'explorer', 'index.html');

const PLACEHOLDER = '/*__EXPLORER_BUNDLE__*/';

/** The page as a string: the template with the bundle inlined. */
async function bundleExplorer(): Promise<string> {
  const entry = join(packageRoot, 'web', 'explorer', 'main.ts');
  const templatePath = join(packageRoot, 'web', 'explorer', 'index.html');
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new ReportError('building the explorer needs esbuild (a development dependency): run npm install in the igr repository');
  }
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.text;
  const template = readFileSync(templatePath, 'utf8');
  if (!template.includes(PLACEHOLDER)) throw new ReportError(`explorer template ${templatePath} lacks the ${PLACEHOLDER} marker`);
  // '</script' inside the bundle (in a string) would end the inline script early.
  const safe = code.replace(/<\/script/gi, '<\\/script');
  return template.replace(PLACEHOLDER, () => safe);
}

/** Build the page and write it (atomically) to `outFile` (default dist/explorer/index.html). Returns the path. */
export async function buildExplorer(outFile: string = explorerOutput): Promise<string> {
  const html = await bundleExplorer();
  return writeFileAtomic(dirname(outFile), basename(outFile), html);
}
