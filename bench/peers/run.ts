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
import { timeRounds, type Timing } from './timing.js';
import { scalarMaddKernel, naiveMatmulKernel, randomMatrix, type FlopKernel } from './matmul.js';
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

type Quantity = 'loss' | 'grad' | 'hvp';
const QUANTITIES: readonly Quantity[] = ['loss', 'grad', 'hvp'];

interface Candidate {
  readonly name: string;
  readonly precision: string;
  readonly p: PreparedProblem;
  /** The hand-written oracle: timed for reference, not compared with igr. */
  readonly oracle: boolean;
}

interface Measured {
  readonly name: string;
  readonly precision: string;
  readonly oracle: boolean;
  readonly time: Partial<Record<Quantity, Timing>>;
  /** Median over interleaved rounds of this library's time / igr's time. */
  readonly ratio: Partial<Record<Quantity, number>>;
  readonly hvpNote: string;
  /** Agreement with igr: relative errors (2-norm) of loss, gradient, HVP. */
  readonly lossErr: number;
  readonly gradErr: number;
  readonly hvpErr: number;
}

/**
 * Time every candidate on each quantity in interleaved rounds (igr first, so
 * ratios are to igr), then compare its values with igr's.
 */
function measureAll(
  cands: readonly Candidate[],
  ref: { loss: number; grad: ArrayLike<number>; hvp: ArrayLike<number> },
  budgetMs: number,
): Measured[] {
  const time = cands.map(() => ({}) as Partial<Record<Quantity, Timing>>);
  const ratio = cands.map(() => ({}) as Partial<Record<Quantity, number>>);
  for (const q of QUANTITIES) {
    const idx = cands.map((c, i) => (c.p[q] ? i : -1)).filter((i) => i >= 0);
    if (idx[0] !== 0) throw new Error(`igr must come first and compute ${q}`);
    const r = timeRounds(
      idx.map((i) => cands[i]!.p[q]!),
      { budgetMs },
    );
    const ratios = r.ratioTo(0);
    idx.forEach((i, j) => {
      time[i]![q] = r.timings[j]!;
      ratio[i]![q] = ratios[j]!;
    });
  }
  return cands.map((c, i) => ({
    name: c.name,
    precision: c.precision,
    oracle: c.oracle,
    time: time[i]!,
    ratio: ratio[i]!,
    hvpNote: c.p.hvp ? '' : (c.p.hvpError ?? 'not available'),
    lossErr: Math.abs(c.p.loss() - ref.loss) / Math.abs(ref.loss),
    gradErr: relErr(c.p.grad(), ref.grad),
    hvpErr: c.p.hvp ? relErr(c.p.hvp(), ref.hvp) : Number.NaN,
  }));
}

function manualCandidate(inst: Instance): Candidate {
  return {
    name: 'hand-written loops',
    precision: 'float64',
    oracle: true,
    p: {
      loss: () => manualLoss(inst, inst.theta),
      grad: () => manualValueAndGrad(inst, inst.theta).grad,
      hvpError: 'oracle only (finite differences of its gradient)',
      dispose: () => {},
    },
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
    const cands: Candidate[] = [{ name: 'igr', precision: 'float64', oracle: false, p: igrP }, manualCandidate(inst)];
    for (const p of peers) {
      try {
        cands.push({ name: p.name, precision: p.precision, oracle: false, p: p.prepare(inst) });
      } catch (e) {
        say(`- ${p.name} on ${name}: FAILED to set up: ${messageOf(e)}`);
      }
    }
    const rows = measureAll(cands, igrRef, args.budgetMs);
    for (const c of cands) c.p.dispose();
    const igr = rows[0]!;
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
    say('Times are medians in ms; "×igr" is peer time / igr time (above 1: igr faster); errors are |peer - igr| / |igr| (2-norm) against igr\'s float64 values.');
    say();
    say(
      table(
        ['library', 'precision', 'loss ms', 'grad ms', 'hvp ms', 'grad/loss', 'hvp/grad', 'loss ×igr', 'grad ×igr', 'hvp ×igr', 'loss err', 'grad err', 'hvp err', 'calls timed (loss/grad/hvp)'],
        rows.map((r) => {
          const t = (q: Quantity): string => (r.time[q] ? fmtMs(r.time[q]!.medianMs) : '—');
          const per = (a: Quantity, b: Quantity): string => (r.time[a] && r.time[b] ? fmtRatio(r.time[a]!.medianMs / r.time[b]!.medianMs) : '—');
          const vsIgr = (q: Quantity): string => (r === igr ? '1' : r.ratio[q] !== undefined ? fmtRatio(r.ratio[q]!) : '—');
          const err = (e: number, has: boolean): string => (r === igr || r.oracle || !has ? '—' : fmtErr(e));
          return [
            r.name,
            r.precision,
            t('loss'),
            t('grad'),
            t('hvp'),
            per('grad', 'loss'),
            per('hvp', 'grad'),
            vsIgr('loss'),
            vsIgr('grad'),
            vsIgr('hvp'),
            err(r.lossErr, true),
            err(r.gradErr, true),
            err(r.hvpErr, r.time.hvp !== undefined),
            QUANTITIES.map((q) => (r.time[q] ? String(r.time[q]!.reps) : '—')).join('/'),
          ];
        }),
      ),
    );
    const notes = rows.filter((r) => r.hvpNote !== '' && !r.oracle);
    for (const r of notes) say(`\n- ${r.name} HVP: ${r.hvpNote}`);
    say();
  }

  // Per-call overhead on the small problem: time per operation the loss records.
  const small = allResults.find((r) => r.inst.spec.name === 'small');
  if (small) {
    const manualRow = small.rows.find((r) => r.oracle)!;
    const ops = small.ops;
    const gradMs = small.igr.time.grad!.medianMs;
    const lossMs = small.igr.time.loss!.medianMs;
    const handMs = manualRow.time.grad!.medianMs;
    say('### Per-call overhead (small problem)');
    say();
    say(
      `The small loss records ${ops} operations per forward pass (slices, reshapes, transposes, matmuls, adds, tanh, loss). ` +
        `igr's gradient takes ${fmtMs(gradMs)} ms = ${((gradMs * 1000) / ops).toFixed(2)} µs per recorded operation ` +
        `(forward and backward together); the loss alone ${((lossMs * 1000) / ops).toFixed(2)} µs per operation. ` +
        `Hand-written loops take ${fmtMs(handMs)} ms for the same gradient, so the autodiff costs ` +
        `${(((gradMs - handMs) * 1000) / ops).toFixed(2)} µs per operation beyond the arithmetic.`,
    );
    say();
  }

  // Matmul at n = 256 against the scalar multiply-add ceiling, interleaved in the same run.
  {
    const n = 256;
    const rng = new BenchRng(9);
    const A = ad.tensor(randomMatrix(n, rng), [n, n]);
    const B = ad.tensor(randomMatrix(n, rng), [n, n]);
    const kernels: FlopKernel[] = [
      scalarMaddKernel(),
      naiveMatmulKernel(n),
      { name: 'igr matmul (float64)', flops: 2 * n ** 3, run: () => ad.matmul(A, B).data },
    ];
    for (const p of peers) {
      const run = p.matmul?.(n, A.data, B.data);
      if (run) kernels.push({ name: `${p.name} matmul (${p.precision})`, flops: 2 * n ** 3, run });
    }
    const r = timeRounds(
      kernels.map((k) => k.run),
      { budgetMs: args.budgetMs },
    );
    const ratios = r.ratioTo(0);
    say(`### Matmul n = ${n} (load ${load()})`);
    say();
    say('"% of scalar loop" is the median over interleaved rounds of (kernel rate / scalar multiply-add loop rate in the same round).');
    say();
    say(
      table(
        ['kernel', 'GFLOP/s', '% of scalar loop', 'median ms', 'calls timed'],
        kernels.map((k, i) => {
          const t = r.timings[i]!;
          const fraction = k.flops / kernels[0]!.flops / ratios[i]!;
          return [k.name, (k.flops / (t.medianMs * 1e6)).toFixed(2), `${(100 * fraction).toFixed(0)}%`, fmtMs(t.medianMs), String(t.reps)];
        }),
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
    say(
      `Growth ${rep.bytesPerCall.toFixed(2)} bytes per call overall, ${rep.steadyBytesPerCall.toFixed(2)} bytes per call ` +
        `from the first checkpoint on (after one-time allocations settle); ${rep.usPerCall.toFixed(1)} µs per call in this loop.`,
    );
    say();
  }
  say(`Load average at start ${startLoad}; at end ${load()} (2 cores shared with other work).`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
