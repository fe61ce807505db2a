/**
 * Where does igr's gradient spend its time? Runs the gradient of a benchmark
 * problem (default: large) in a child `node --import tsx --cpu-prof` process,
 * then summarises the V8 CPU profile by self time: per function (with file
 * and line) and per file.
 *
 *   npx tsx bench/peers/profile.ts [--problem=large] [--seconds=8] [--what=grad|hvp|loss] [--keep=DIR]
 *   npx tsx bench/peers/profile.ts --summarize=FILE.cpuprofile   (any profile, e.g. from node --cpu-prof)
 *   npx tsx bench/peers/profile.ts --shapes [--problem=large]     (matmul rate per product the gradient does)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTimeRow {
  readonly name: string;
  readonly where: string;
  readonly ms: number;
  readonly percent: number;
}

function shortUrl(url: string): string {
  if (!url) return '(native)';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}

/** Self time per function and per file, largest first. */
export function summarizeProfile(profile: CpuProfile): { total: number; byFunction: SelfTimeRow[]; byFile: SelfTimeRow[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  // timeDeltas[i] is the time since the previous sample; charge it to sample i's node.
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, profile.timeDeltas[i] ?? 0));
  }
  let total = 0;
  for (const us of selfUs.values()) total += us;
  const fn = new Map<string, { name: string; where: string; us: number }>();
  const file = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const cf = byId.get(id)!.callFrame;
    // Under tsx, V8 sees esbuild's transpiled text, so line numbers do not point into the
    // .ts source; the function name and file do. Lines are kept for plain .js files.
    const where = cf.url ? (/\.[cm]?ts$/.test(cf.url) ? shortUrl(cf.url) : `${shortUrl(cf.url)}:${cf.lineNumber + 1}`) : '';
    const name = cf.functionName || '(anonymous)';
    const key = `${name}@${where}`;
    const row = fn.get(key) ?? { name, where, us: 0 };
    row.us += us;
    fn.set(key, row);
    const f = cf.url ? shortUrl(cf.url) : name; // '(garbage collector)', '(program)', '(idle)' stand alone
    file.set(f, (file.get(f) ?? 0) + us);
  }
  const pct = (us: number): number => (100 * us) / total;
  return {
    total: total / 1000,
    byFunction: [...fn.values()].sort((a, b) => b.us - a.us).map((r) => ({ name: r.name, where: r.where, ms: r.us / 1000, percent: pct(r.us) })),
    byFile: [...file.entries()].sort((a, b) => b[1] - a[1]).map(([f, us]) => ({ name: f, where: '', ms: us / 1000, percent: pct(us) })),
  };
}

function printSummary(profile: CpuProfile, top = 20): void {
  const s = summarizeProfile(profile);
  console.log(`Profiled ${(s.total / 1000).toFixed(2)} s of samples.\n`);
  console.log('| self % | self ms | function | where |\n|---|---|---|---|');
  for (const r of s.byFunction.slice(0, top)) console.log(`| ${r.percent.toFixed(1)} | ${r.ms.toFixed(0)} | ${r.name} | ${r.where} |`);
  console.log('\n| self % | file |\n|---|---|');
  for (const r of s.byFile.slice(0, 10)) console.log(`| ${r.percent.toFixed(1)} | ${r.name} |`);
}

async function child(problem: string, seconds: number, what: string): Promise<void> {
  const { makeInstance, problemByName } = await import('./problems.js');
  const { igrLoss } = await import('./igr.js');
  const ad = await import('../../src/autodiff/index.js');
  const inst = makeInstance(problemByName(problem));
  const loss = igrLoss(inst);
  const theta = ad.tensor(inst.theta);
  const v = ad.tensor(inst.v);
  const g = ad.grad(loss);
  const call =
    what === 'grad' ? () => g(theta) : what === 'hvp' ? () => ad.hvp(loss, theta, v) : what === 'loss' ? () => loss(theta) : null;
  if (!call) throw new Error(`unknown --what '${what}'; valid: grad, hvp, loss`);
  const t0 = performance.now();
  let calls = 0;
  while (performance.now() - t0 < seconds * 1000) {
    call();
    calls++;
  }
  console.log(`${calls} ${what} calls on ${problem} in ${seconds} s (${((performance.now() - t0) / calls).toFixed(2)} ms per call)`);
}

/**
 * The matrix products one gradient of an MLP needs, each timed alone through
 * igr's public matmul on untraced tensors: per layer the forward a·Wᵀ
 * ([n,in]×[in,out]), the weight gradient gᵀ·a ([out,n]×[n,in]) and, except
 * for the first layer (whose input is data), the input gradient g·W
 * ([n,out]×[out,in]). Shows which shapes the kernel handles slowly.
 */
async function shapes(problem: string): Promise<void> {
  const { makeInstance, problemByName } = await import('./problems.js');
  const { timeRounds } = await import('./timing.js');
  const { BenchRng } = await import('./rng.js');
  const ad = await import('../../src/autodiff/index.js');
  const inst = makeInstance(problemByName(problem));
  const n = inst.spec.n;
  const rng = new BenchRng(11);
  const rand = (r: number, c: number) => ad.tensor(Float64Array.from({ length: r * c }, () => rng.normal()), [r, c]);
  const products: { what: string; a: [number, number]; b: [number, number] }[] = [];
  inst.layers.forEach((s, l) => {
    products.push({ what: `layer ${l + 1} forward a·Wᵀ`, a: [n, s.fanIn], b: [s.fanIn, s.fanOut] });
    products.push({ what: `layer ${l + 1} weight grad gᵀ·a`, a: [s.fanOut, n], b: [n, s.fanIn] });
    if (l > 0) products.push({ what: `layer ${l + 1} input grad g·W`, a: [n, s.fanOut], b: [s.fanOut, s.fanIn] });
  });
  const cases = products.map((p) => ({ ...p, A: rand(...p.a), B: rand(...p.b), flops: 2 * p.a[0] * p.a[1] * p.b[1] }));
  const r = timeRounds(
    cases.map((c) => () => ad.matmul(c.A, c.B).data),
    { budgetMs: 3000 },
  );
  console.log(`| product | shapes | ms | GFLOP/s |\n|---|---|---|---|`);
  let total = 0;
  cases.forEach((c, i) => {
    const ms = r.timings[i]!.medianMs;
    total += ms;
    console.log(`| ${c.what} | [${c.a.join(',')}]×[${c.b.join(',')}] | ${ms.toFixed(2)} | ${(c.flops / (ms * 1e6)).toFixed(2)} |`);
  });
  console.log(`\nSum of the products: ${total.toFixed(1)} ms per gradient (the least a gradient built on this kernel can take).`);
}

async function main(): Promise<void> {
  const opts = new Map<string, string>();
  for (const a of process.argv.slice(2)) {
    const [k, v = 'true'] = a.split('=', 2) as [string, string?];
    if (!['--problem', '--seconds', '--what', '--keep', '--summarize', '--child', '--shapes'].includes(k)) {
      throw new Error(`unknown option '${a}'; valid: --problem=, --seconds=, --what=grad|hvp|loss, --keep=DIR, --summarize=FILE, --shapes`);
    }
    opts.set(k, v);
  }
  const problem = opts.get('--problem') ?? 'large';
  const seconds = Number(opts.get('--seconds') ?? '8');
  const what = opts.get('--what') ?? 'grad';
  if (opts.has('--child')) return child(problem, seconds, what);
  if (opts.has('--shapes')) return shapes(problem);
  const file = opts.get('--summarize');
  if (file) return printSummary(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);

  const keep = opts.get('--keep');
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'igr-prof-'));
  if (keep) mkdirSync(keep, { recursive: true });
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--cpu-prof', `--cpu-prof-dir=${dir}`, self, '--child', `--problem=${problem}`, `--seconds=${seconds}`, `--what=${what}`],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (r.status !== 0) throw new Error(`profiled child exited with status ${r.status}`);
  // tsx's module loader runs on its own thread, which writes a second profile, idle
  // nearly throughout; the main thread's is the one with the most busy (non-idle) time.
  const busyMs = (p: CpuProfile): number => {
    const s = summarizeProfile(p);
    return s.total - (s.byFunction.find((r) => r.name === '(idle)')?.ms ?? 0);
  };
  const profiles = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => ({ f, p: JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile }))
    .sort((a, b) => busyMs(b.p) - busyMs(a.p));
  if (profiles.length === 0) throw new Error(`no .cpuprofile written in ${dir}`);
  printSummary(profiles[0]!.p);
  if (keep) console.log(`\nProfile kept in ${join(dir, profiles[0]!.f)}`);
  else rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
