/**
 * The layering of README.md ("Architecture") and the browser-safety of the `igr` entry, checked
 * on the import graph of the sources (test/package/imports.ts):
 * - no module imports from a layer above its own (type-only imports count: a type from above is
 *   a dependency on above all the same);
 * - the ode layer knows nothing of autodiff;
 * - the core (layers 1–5) imports no package and no `node:` module; the expression layer only mathjs;
 * - nothing reachable from src/index.ts (the `igr` entry) imports a `node:` module or mathjs,
 *   and nothing reachable from src/expression/index.ts imports a `node:` module.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, importsOf, reachable, tsFiles } from './imports.js';

/**
 * Folders in layer order. report, node and cli are the outer layer of README.md's "Architecture" (the only ones
 * that print, touch files or serve); inside it report renders (and writes) pages, node holds the
 * `igr/node` library entry, and cli is the command on top of both, so none of them reaches up
 * into the next (the fault this test was written for: src/report importing the expression
 * compiler from src/cli). web/ is the explorer page, bundled for the browser from expression
 * and report.
 */
const LAYERS = ['src/autodiff', 'src/ode', 'src/curvature', 'src/nn', 'src/igr', 'src/expression', 'src/report', 'src/node', 'src/cli', 'web'] as const;
const CORE = LAYERS.slice(0, 5);

function layerOf(file: string): number {
  const i = LAYERS.findIndex((l) => file === l || file.startsWith(`${l}/`));
  return i;
}

const sources = [...tsFiles('src'), ...tsFiles('web')].filter((f) => f !== 'src/index.ts');

describe('layers', () => {
  it('every source module sits in a layer folder (a new folder needs a place in the list)', () => {
    expect(sources.filter((f) => layerOf(f) < 0)).toEqual([]);
  });

  it('no module imports from a layer above its own', () => {
    const upward: string[] = [];
    for (const file of sources) {
      for (const imp of importsOf(file)) {
        if (imp.target === null) continue;
        if (layerOf(imp.target) > layerOf(file)) upward.push(`${file} imports ${imp.target}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('the ode layer imports nothing from autodiff (vector fields are plain functions on Float64Array)', () => {
    const odeImports = tsFiles('src/ode').flatMap((f) => importsOf(f).filter((i) => i.target !== null && !i.target.startsWith('src/ode/')).map((i) => `${f} → ${i.target}`));
    expect(odeImports).toEqual([]);
  });

  it('the core imports no package and no node: module; the expression layer only mathjs', () => {
    const bad: string[] = [];
    for (const file of sources) {
      const layer = LAYERS[layerOf(file)]!;
      for (const imp of importsOf(file)) {
        if (imp.target !== null) continue;
        if ((CORE as readonly string[]).includes(layer)) bad.push(`${file} imports ${imp.specifier}`);
        if (layer === 'src/expression' && !imp.specifier.startsWith('mathjs')) bad.push(`${file} imports ${imp.specifier}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("the parser finds what it should: a known value import, a type-only import and a dynamic import", () => {
    // Guards the graph itself: if these were missed, every check above would pass vacuously.
    expect(importsOf('src/igr/descent.ts')).toContainEqual({ specifier: '../ode/index.js', target: 'src/ode/index.ts', typeOnly: false, dynamic: false });
    expect(importsOf('src/report/write.ts').find((i) => i.specifier === '../igr/types.js')?.typeOnly).toBe(true);
    expect(importsOf('src/report/explorer-build.ts').some((i) => i.specifier === 'esbuild' && i.dynamic)).toBe(true);
    expect(reachable('src/node/index.ts').has('node:fs')).toBe(true);
  });
});

describe('entries', () => {
  it("nothing reachable from the 'igr' entry imports a node: module or mathjs", () => {
    const graph = reachable('src/index.ts');
    const forbidden = [...graph.entries()].filter(([key]) => key.startsWith('node:') || key.startsWith('mathjs') || !key.startsWith('src/'));
    expect(forbidden.map(([, chain]) => chain.join(' → '))).toEqual([]);
    // It does carry every core layer and the renderers.
    for (const m of ['src/autodiff/index.ts', 'src/ode/index.ts', 'src/nn/index.ts', 'src/igr/index.ts', 'src/report/index.ts']) expect(graph.has(m)).toBe(true);
  });

  it("nothing reachable from 'igr/expression' imports a node: module; it loads mathjs", () => {
    const graph = reachable('src/expression/index.ts');
    expect([...graph.keys()].filter((k) => k.startsWith('node:'))).toEqual([]);
    expect(graph.has('mathjs/number')).toBe(true);
  });

  it('the entry modules point only at files the repository has (src/index.ts once named a missing DESIGN.md)', () => {
    const missing: string[] = [];
    for (const entry of ['src/index.ts', 'src/node/index.ts', 'src/expression/index.ts']) {
      const text = readFileSync(join(ROOT, entry), 'utf8');
      for (const [name] of text.matchAll(/[\w./-]+\.md\b/g)) if (!existsSync(join(ROOT, name))) missing.push(`${entry}: ${name}`);
      for (const [, rel] of text.matchAll(/\((\.\/[\w./-]+\.ts)\)/g)) if (!existsSync(join(ROOT, dirname(entry), rel!))) missing.push(`${entry}: ${rel}`);
    }
    expect(missing).toEqual([]);
  });

  it('package.json exports the three entries with types, import and default, each built from its source', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, Record<string, string>> };
    for (const [entry, src] of [['.', 'src/index.ts'], ['./node', 'src/node/index.ts'], ['./expression', 'src/expression/index.ts']] as const) {
      const e = pkg.exports[entry]!;
      expect(Object.keys(e)).toEqual(['types', 'import', 'default']);
      const js = src.replace(/^src\//, './dist/').replace(/\.ts$/, '.js');
      expect(e.import).toBe(js);
      expect(e.default).toBe(js);
      expect(e.types).toBe(js.replace(/\.js$/, '.d.ts'));
    }
  });
});
