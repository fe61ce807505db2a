/**
 * Before/after of the verification's cost (issue 13): the same targets measured on an older
 * checkout (`--before DIR`, a worktree with node_modules and a built dist/) and on this one, in
 * one run, alternately.
 *
 *  1. Field evaluations of the modified flows, counted by wrapping `modifiedField` around each
 *     tree's own `compareWithFlows` (one thread, in a child process per tree and target, CPU
 *     seconds alongside): the reference integrator's whole cost in the unit it is paid in.
 *  2. The commands themselves, `/usr/bin/time` wall and user+sys CPU: `npm start` in each tree,
 *     and `node bin/igr.js verify …` (the `igr` command, compiled; after: default `--workers`).
 *
 *   npx tsx bench/verify-ab.ts --before /tmp/before [--rounds 3] [--timeout 600] [--only evaluations|commands]
 *
 * A run past `--timeout` seconds is killed and reported as "> timeout (did not finish)".
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const after = dirname(here);
const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

/** A target: which loss, orders and ladder (the defaults of `igr verify` for it). */
interface Target {
  name: string;
  problem?: string;
  expression?: { text: string; at: number[]; hs: number[]; T: number };
  orders: number[];
  /** The `igr verify` arguments of the same run. */
  cli: string[];
}

const targets: Target[] = [
  ...['quadratic', 'two-parameter', 'double-well', 'logistic', 'mlp'].map((p) => ({ name: `${p} 1-3`, problem: p, orders: [1, 2, 3], cli: ['--problem', p] })),
  { name: 'mlp 4', problem: 'mlp', orders: [4], cli: ['--problem', 'mlp', '--orders', '4'] },
  {
    name: 'sin(a)*cos(b) 6',
    expression: { text: 'sin(a)*cos(b)', at: [0.3, 0.2], hs: [0.1, 0.05, 0.025, 0.0125], T: 1 },
    orders: [6],
    cli: ['--loss', 'sin(a)*cos(b)', '--at', '0.3,0.2', '--orders', '6'],
  },
  { name: 'two-parameter 8', problem: 'two-parameter', orders: [8], cli: ['--problem', 'two-parameter', '--orders', '8'] },
];

/** Child mode: count the evaluations of one target with one tree's sources; prints one JSON line. */
async function countChild(tree: string, targetName: string): Promise<void> {
  const target = targets.find((t) => t.name === targetName)!;
  const igr = await import(pathToFileURL(join(tree, 'src/igr/index.ts')).href);
  let loss;
  let theta0: number[];
  let hs: number[];
  let T: number;
  if (target.problem !== undefined) {
    const p = igr.findProblem(target.problem);
    ({ loss } = p);
    theta0 = [...p.theta0];
    hs = [...p.hs];
    T = p.T;
  } else {
    // The expression compiler moved from src/cli/expression.ts to its own layer (src/expression).
    const compiler = existsSync(join(tree, 'src/expression/index.ts')) ? 'src/expression/index.ts' : 'src/cli/expression.ts';
    const { compileLoss } = await import(pathToFileURL(join(tree, compiler)).href);
    loss = compileLoss(target.expression!.text).loss;
    ({ at: theta0, hs, T } = target.expression!);
  }
  const start = Float64Array.from(theta0);
  let evaluations = 0;
  const flows: Record<number, unknown> = {};
  for (const p of target.orders) {
    flows[p] = {
      label: `order ${p}`,
      field: (h: number) => {
        const f = igr.modifiedField(loss, h, p);
        return (t: number, y: Float64Array) => {
          evaluations++;
          return f(t, y);
        };
      },
      expectedGlobal: p,
      expectedLocal: p + 1,
    };
  }
  let iterates: Float64Array[] = [];
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const report = igr.compareWithFlows({
    problem: target.name,
    theta0: start,
    hs,
    T,
    flows,
    global: (h: number) => {
      const n = Math.round(T / h);
      iterates = igr.gradientDescent(loss, start, h, n);
      return { iterate: iterates[n], time: T, steps: n };
    },
    local: (h: number) => ({ iterate: iterates[1], time: h, steps: 1 }),
  });
  const c = process.cpuUsage(c0);
  console.log(JSON.stringify({ evaluations, cpu: (c.user + c.system) / 1e6, wall: (performance.now() - t0) / 1000, pass: report.pass }));
}

/** Runs a command under /usr/bin/time; wall and CPU seconds, or null past the timeout. */
function timed(cmd: string, argv: string[], cwd: string, timeoutS: number): { wall: number; cpu: number; code: number | null } | null {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S', cmd, ...argv], { cwd, encoding: 'utf8', timeout: timeoutS * 1000, killSignal: 'SIGKILL', maxBuffer: 1 << 26 });
  if (r.error || r.signal) return null;
  const line = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { wall: line[0]!, cpu: line[1]! + line[2]!, code: r.status };
}

async function main(): Promise<void> {
  if (args[0] === '--count-child') return countChild(args[1]!, args[2]!);
  const beforeDir = option('before');
  if (beforeDir === undefined) {
    console.error('usage: npx tsx bench/verify-ab.ts --before DIR [--rounds N] [--timeout S] [--only evaluations|commands]');
    process.exit(2);
  }
  const before = resolve(beforeDir);
  const rounds = Number(option('rounds') ?? 3);
  const timeoutS = Number(option('timeout') ?? 600);
  const only = option('only');
  const git = (dir: string) => spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir, encoding: 'utf8' }).stdout.trim();
  console.log(`verify before/after, ${new Date().toISOString()}, Node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? '?'}`);
  console.log(`before: ${before} at ${git(before)}; after: ${after} at ${git(after)}; timeout ${timeoutS} s; load average at start ${load()}\n`);
  const trees = [
    ['before', before],
    ['after', after],
  ] as const;

  if (only !== 'commands') {
    console.log('Field evaluations of the modified flows (one thread, in-process compareWithFlows, CPU s):');
    console.log('| target | before evaluations | after evaluations | ratio | before CPU s | after CPU s | ratio | load |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---|');
    for (const target of targets) {
      const cells: ({ evaluations: number; cpu: number } | null)[] = [];
      for (const [, dir] of trees) {
        const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--count-child', dir, target.name], {
          cwd: after,
          encoding: 'utf8',
          timeout: timeoutS * 1000,
          killSignal: 'SIGKILL',
        });
        const line = r.stdout?.trim().split('\n').at(-1);
        cells.push(r.signal || !line?.startsWith('{') ? null : (JSON.parse(line) as { evaluations: number; cpu: number }));
      }
      const [b, a] = cells;
      const fmt = (x: number | undefined) => (x === undefined ? `> ${timeoutS} s (did not finish)` : String(x));
      console.log(
        `| ${target.name} | ${fmt(b?.evaluations)} | ${fmt(a?.evaluations)} | ${b && a ? (b.evaluations / a.evaluations).toFixed(1) : '—'} | ` +
          `${b ? b.cpu.toFixed(1) : `> ${timeoutS}`} | ${a ? a.cpu.toFixed(1) : `> ${timeoutS}`} | ${b && a ? (b.cpu / a.cpu).toFixed(1) : '—'} | ${load()} |`,
      );
    }
    console.log('');
  }

  if (only !== 'evaluations') {
    console.log(`Commands, /usr/bin/time, rounds alternate before/after (wall s / user+sys CPU s):`);
    console.log('| command | round | before wall | before CPU | after wall | after CPU | wall ratio | CPU ratio | load at start |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---|');
    const commands: { name: string; run: (dir: string) => ReturnType<typeof timed>; rounds: number }[] = [
      { name: 'npm start', run: (dir) => timed('npm', ['start', '--silent'], dir, timeoutS), rounds },
      ...targets
        .filter((t) => ['mlp 4', 'sin(a)*cos(b) 6', 'two-parameter 8'].includes(t.name))
        .map((t) => ({
          name: `igr verify ${t.cli.join(' ')}`,
          run: (dir: string) => timed('node', ['bin/igr.js', 'verify', ...t.cli], dir, timeoutS),
          rounds: t.name === 'mlp 4' ? rounds : 1,
        })),
    ];
    for (const c of commands) {
      for (let k = 1; k <= c.rounds; k++) {
        const l = load();
        const [b, a] = trees.map(([, dir]) => c.run(dir));
        const cell = (x: ReturnType<typeof timed>, f: 'wall' | 'cpu') => (x === null ? `> ${timeoutS}` : x[f].toFixed(2));
        const ratio = (f: 'wall' | 'cpu') => (b && a ? (b[f] / a[f]).toFixed(2) : b === null && a ? `> ${(timeoutS / a[f]).toFixed(1)}` : '—');
        console.log(`| \`${c.name}\` | ${k} | ${cell(b!, 'wall')} | ${cell(b!, 'cpu')} | ${cell(a!, 'wall')} | ${cell(a!, 'cpu')} | ${ratio('wall')} | ${ratio('cpu')} | ${l} |`);
      }
    }
  }
  console.log(`\nload average at end ${load()}`);
}

await main();
