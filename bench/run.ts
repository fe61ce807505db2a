/**
 * `npm run bench`: runs every `bench/*.bench.ts` in turn, each in its own Node process
 * (a clean heap and JIT per benchmark, and files that run at import time work as well as
 * files that export a function). Arguments are passed through; `--only NAME` runs the
 * files whose name contains NAME.
 *
 *   npm run bench                 # all
 *   npm run bench -- --only autodiff --quick
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
const passArgs = onlyAt >= 0 ? args.filter((_, i) => i !== onlyAt && i !== onlyAt + 1) : args;

const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts') && (only === undefined || f.includes(only)))
  .sort();
if (files.length === 0) {
  console.error(`no bench/*.bench.ts file${only ? ` matching "${only}"` : ''}`);
  process.exit(2);
}
let failed = 0;
for (const f of files) {
  console.log(`\n=== ${f} ===`);
  // cwd = the package root, where --import tsx resolves
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, f), ...passArgs], { stdio: 'inherit', cwd: dirname(here) });
  if (r.status !== 0) {
    failed++;
    console.error(`${f} exited with ${r.status ?? r.signal}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
