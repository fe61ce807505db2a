/**
 * The peer comparison, in one run: igr against TensorFlow.js (CPU backend) and
 * jax-js (wasm backend) on the three tanh MLP problems of issue 2, plus matmul
 * throughput, per-operation overhead and heap growth. Prints markdown tables
 * (medians, repetitions, ratios peer/igr, agreement with igr's float64).
 *
 *   npx tsx bench/peers/run.ts [--quick] [--problems=small,medium,large]
 *        [--peers=tfjs,jax-f32,jax-f64,jax-f64-eager] [--budget=MS] [--heap-calls=N]
 *
 * Timings are medians over repetitions after warm-up (see timing.ts); the
 * machine's load average is printed beside them because other processes share
 * the cores. Nothing here is asserted: a peer that is slow or wrong is reported.
 */
import { cpus, loadavg } from 'node:os';
import { PROBLEMS, makeInstance, problemByName, forwardFlops, type Instance } from './problems.js';
import { manualLoss, manualValueAndGrad, manualHvpFd, relErr } from './manual.js';
import { prepareIgr, igrLoss } from './igr.js';
import { loadTfjs } from './tfjs.js';
import { loadJax } from './jax.js';
import type { Peer, PeerUnavailable, PreparedProblem } from './peer.js';
import { messageOf } from './peer.js';
import { timeIt, type Timing } from './timing.js';
import { scalarMaddRate, naiveMatmulRate, libraryMatmulRate, randomMatrix, type Rate } from './matmul.js';
import { heapGrowth } from './heap.js';
import { packageVersion } from './versions.js';
import { BenchRng } from './rng.js';
import * as ad from '../../src/autodiff/index.js';

interface Args {
  problems: string[];
  peers: string[];
  budgetMs: number;
  heapCalls: number;
}

const PEER_NAMES = ['tfjs', 'jax-f32', 'jax-f64', 'jax-f64-eager'] as const;

function parseArgs(argv: string[]): Args {
  const args: Args = { problems: PROBLEMS.map((p) => p.name), peers: [...PEER_NAMES], budgetMs: 1000, heapCalls: 100_000 };
  for (const a of argv) {
    const [key, value = ''] = a.split('=', 2) as [string, string?];
    if (key === '--quick') {
      args.budgetMs = 250;
      args.heapCalls = 10_000;
    } else if (key === '--problems') {
      args.problems = value.split(',').filter(Boolean);
      for (const p of args.problems) problemByName(p);
    } else if (key === '--peers') {
      args.peers = value.split(',').filter(Boolean);
      for (const p of args.peers) {
        if (!(PEER_NAMES as readonly string[]).includes(p)) throw new Error(`unknown peer '${p}'; valid: ${PEER_NAMES.join(', ')}`);
      }
    } else if (key === '--budget') {
      args.budgetMs = Number(value);
      if (!(args.budgetMs > 0)) throw new Error(`--budget must be a positive number of milliseconds, got '${value}'`);
    } else if (key === '--heap-calls') {
      args.heapCalls = Number(value);
      if (!Number.isInteger(args.heapCalls) || args.heapCalls < 0) throw new Error(`--heap-calls must be a non-negative integer, got '${value}'`);
    } else {
      throw new Error(`unknown option '${a}'; valid: --quick, --problems=, --peers=, --budget=, --heap-calls=`);
    }
  }
  return args;
}

async function loadPeer(name: string): Promise<Peer | PeerUnavailable> {
  switch (name) {
    case 'tfjs':
      return loadTfjs();
    case 'jax-f32':
      return loadJax('float32', true);
    case 'jax-f64':
      return loadJax('float64', true);
    case 'jax-f64-eager':
      return loadJax('float64', false);
    default:
      throw new Error(`unknown peer '${name}'`);
  }
}

// ---------- formatting ----------

const fmtMs = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3));
const fmtRatio = (r: number): string => (Number.isFinite(r) ? (r >= 10 ? r.toFixed(0) : r.toFixed(2)) : '—');
const fmtErr = (e: number): string => (Number.isNaN(e) ? 'NaN' : e === 0 ? '0' : e.toExponential(1));
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(', ');

function table(header: string[], rows: string[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

// ---------- measurement ----------

interface Measured {
  readonly name: string;
  readonly precision: string;
  readonly loss: Timing;
  readonly grad: Timing;
  readonly hvp: Timing | null;
  readonly hvpNote: string;
  /** Agreement with igr: relative errors (2-norm) of loss, gradient, HVP. */
  readonly lossErr: number;
  readonly gradErr: number;
  readonly hvpErr: number;
}

function measure(
  name: string,
  precision: string,
  p: PreparedProblem,
  ref: { loss: number; grad: ArrayLike<number>; hvp: ArrayLike<number> },
  budgetMs: number,
): Measured {
  const loss = timeIt(() => p.loss(), { budgetMs });
  const grad = timeIt(() => p.grad(), { budgetMs });
  const hvp = p.hvp ? timeIt(() => p.hvp!(), { budgetMs }) : null;
  return {
    name,
    precision,
    loss,
    grad,
    hvp,
    hvpNote: p.hvp ? '' : (p.hvpError ?? 'not available'),
    lossErr: Math.abs(p.loss() - ref.loss) / Math.abs(ref.loss),
    gradErr: relErr(p.grad(), ref.grad),
    hvpErr: p.hvp ? relErr(p.hvp(), ref.hvp) : Number.NaN,
  };
}

function timeManual(inst: Instance, budgetMs: number): Measured {
  return {
    name: 'hand-written loops',
    precision: 'float64',
    loss: timeIt(() => manualLoss(inst, inst.theta), { budgetMs }),
    grad: timeIt(() => manualValueAndGrad(inst, inst.theta), { budgetMs }),
    hvp: null,
    hvpNote: 'oracle only (finite differences of its gradient)',
    lossErr: Number.NaN,
    gradErr: Number.NaN,
    hvpErr: Number.NaN,
  };
}

// ---------- main ----------

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const out: string[] = [];
  const say = (s = ''): void => {
    out.push(s);
    console.log(s);
  };
  const startLoad = load();
  say(`## Peer comparison run ${new Date().toISOString()}`);
  say();
  say(`- Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores; Node ${process.version}`);
  say(`- igr ${packageVersion('igr') === 'unknown' ? '(this checkout)' : packageVersion('igr')}, float64; load average at start: ${startLoad}`);

  const peers: Peer[] = [];
  for (const name of args.peers) {
    const p = await loadPeer(name);
    if ('error' in p) say(`- ${p.name} (${p.version}): NOT RUN: ${p.error}`);
    else {
      say(`- ${p.name}: ${p.version}, ${p.precision}, ${p.how}`);
      peers.push(p);
    }
  }
  say(`- Timing: median of repetitions after warm-up; per-measurement budget ${args.budgetMs} ms, at least 15 repetitions`);
  say();

  const allResults: { inst: Instance; igr: Measured; rows: Measured[]; igrCheck: { lossErr: number; gradErr: number; hvpErr: number }; ops: number }[] = [];
  for (const name of args.problems) {
    const spec = problemByName(name);
    const inst = makeInstance(spec);
    // Independent float64 oracle: hand-written backprop, and finite differences of it for H v.
    const oracle = manualValueAndGrad(inst, inst.theta);
    const oracleHvp = manualHvpFd(inst, inst.theta, inst.v);
    const igrP = prepareIgr(inst);
    const igrRef = { loss: igrP.loss(), grad: Float64Array.from(igrP.grad()), hvp: Float64Array.from(igrP.hvp!()) };
    const igrCheck = {
      lossErr: Math.abs(igrRef.loss - oracle.value) / Math.abs(oracle.value),
      gradErr: relErr(igrRef.grad, oracle.grad),
      hvpErr: relErr(igrRef.hvp, oracleHvp),
    };
    const igr = measure('igr', 'float64', igrP, igrRef, args.budgetMs);
    const rows: Measured[] = [igr, timeManual(inst, args.budgetMs)];
    for (const p of peers) {
      let prepared: PreparedProblem | null = null;
      try {
        prepared = p.prepare(inst);
        rows.push(measure(p.name, p.precision, prepared, igrRef, args.budgetMs));
      } catch (e) {
        say(`- ${p.name} on ${name}: FAILED: ${messageOf(e)}`);
      } finally {
        prepared?.dispose();
      }
    }
    allResults.push({ inst, igr, rows, igrCheck, ops: igrP.opsPerLoss ?? 0 });
    console.error(`  [${name} done, load ${load()}]`);
  }

  for (const { inst, igr, rows, igrCheck } of allResults) {
    const s = inst.spec;
    say(`### ${s.name}: ${s.sizes.join('-')}, N = ${s.n}, ${s.loss}, ${inst.numParams} parameters, ${(forwardFlops(inst) / 1e6).toFixed(2)} MFLOP per forward pass`);
    say();
    say(
      `igr against the independent float64 oracle (hand-written backprop; H v by central differences of it, ε = 1e-5): ` +
        `loss ${fmtErr(igrCheck.lossErr)}, gradient ${fmtErr(igrCheck.gradErr)}, HVP ${fmtErr(igrCheck.hvpErr)} relative error.`,
    );
    say();
    say(
      table(
        ['library', 'precision', 'loss ms', 'grad ms', 'hvp ms', 'grad/loss', 'hvp/grad', 'grad ×igr', 'hvp ×igr', 'grad err vs igr', 'hvp err vs igr', 'reps (loss/grad/hvp)'],
        rows.map((r) => [
          r.name,
          r.precision,
          fmtMs(r.loss.medianMs),
          fmtMs(r.grad.medianMs),
          r.hvp ? fmtMs(r.hvp.medianMs) : '—',
          fmtRatio(r.grad.medianMs / r.loss.medianMs),
          r.hvp ? fmtRatio(r.hvp.medianMs / r.grad.medianMs) : '—',
          r === igr ? '1' : fmtRatio(r.grad.medianMs / igr.grad.medianMs),
          r === igr ? '1' : r.hvp && igr.hvp ? fmtRatio(r.hvp.medianMs / igr.hvp.medianMs) : '—',
          r === igr ? '—' : fmtErr(r.gradErr),
          r === igr ? '—' : r.hvp ? fmtErr(r.hvpErr) : '—',
          `${r.loss.reps}/${r.grad.reps}/${r.hvp ? r.hvp.reps : '—'}`,
        ]),
      ),
    );
    const notes = rows.filter((r) => r.hvpNote !== '' && r.name !== 'hand-written loops');
    for (const r of notes) say(`\n- ${r.name} HVP: ${r.hvpNote}`);
    say();
  }

  // Per-call overhead on the small problem: time per operation the loss records.
  const small = allResults.find((r) => r.inst.spec.name === 'small');
  if (small) {
    const manualRow = small.rows.find((r) => r.name === 'hand-written loops')!;
    const ops = small.ops;
    say('### Per-call overhead (small problem)');
    say();
    say(
      `The small loss records ${ops} operations per forward pass (slices, reshapes, transposes, matmuls, adds, tanh, loss). ` +
        `igr gradient ${fmtMs(small.igr.grad.medianMs)} ms = ${((small.igr.grad.medianMs * 1000) / ops).toFixed(2)} µs per recorded operation ` +
        `(forward and backward); loss alone ${((small.igr.loss.medianMs * 1000) / ops).toFixed(2)} µs per operation. ` +
        `Hand-written loops take ${fmtMs(manualRow.grad.medianMs)} ms for the same gradient, so the autodiff's overhead is ` +
        `${(((small.igr.grad.medianMs - manualRow.grad.medianMs) * 1000) / ops).toFixed(2)} µs per operation.`,
    );
    say();
  }

  // Matmul at n = 256 against the scalar multiply-add ceiling, same run.
  {
    const n = 256;
    const rng = new BenchRng(9);
    const A = ad.tensor(randomMatrix(n, rng), [n, n]);
    const B = ad.tensor(randomMatrix(n, rng), [n, n]);
    const rates: Rate[] = [scalarMaddRate(), naiveMatmulRate(n), libraryMatmulRate('igr matmul (float64)', n, () => ad.matmul(A, B).data)];
    for (const p of peers) {
      const r = peerMatmul(p, n, A.data, B.data);
      if (r) rates.push(r);
    }
    const ceiling = rates[0]!.gflops;
    say(`### Matmul n = ${n} (load ${load()})`);
    say();
    say(
      table(
        ['kernel', 'GFLOP/s', '% of scalar multiply-add loop', 'median ms', 'reps'],
        rates.map((r) => [r.name, r.gflops.toFixed(2), `${((100 * r.gflops) / ceiling).toFixed(0)}%`, fmtMs(r.timing.medianMs), String(r.timing.reps)]),
      ),
    );
    say();
  }

  // Heap before and after many gradient calls on the small problem.
  if (args.heapCalls > 0) {
    const inst = makeInstance(problemByName('small'));
    const g = ad.grad(igrLoss(inst));
    const theta = ad.tensor(inst.theta);
    const checkpoints = [args.heapCalls / 10, args.heapCalls / 2].map(Math.round);
    const rep = heapGrowth(() => g(theta), args.heapCalls, checkpoints);
    say(`### Heap across ${args.heapCalls} igr gradient calls (small problem, after full collections)`);
    say();
    say(rep.readings.map((r) => `${r.calls} calls: ${r.heapUsedMB.toFixed(2)} MB`).join('; ') + '.');
    say(`Growth ${rep.bytesPerCall.toFixed(3)} bytes per call; ${rep.usPerCall.toFixed(1)} µs per call in this loop.`);
    say();
  }
  say(`Load average at start ${startLoad}; at end ${load()} (2 cores shared with other work).`);
}

/** The peer's own matmul at n, where the harness knows how to call it. */
function peerMatmul(p: Peer, n: number, a: Float64Array, b: Float64Array): Rate | null {
  const mm = p.matmul?.(n, a, b);
  if (!mm) return null;
  return libraryMatmulRate(`${p.name} matMul (${p.precision})`, n, mm);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
