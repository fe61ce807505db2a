/**
 * The peer comparison, in one run: igr against TensorFlow.js (CPU backend) and
 * jax-js (wasm backend) on the three tanh MLP problems of issue 2, plus matmul
 * throughput, per-operation overhead and heap growth. Prints markdown tables
 * (medians, repetitions, ratios peer/igr, agreement with igr's float64).
 *
 *   npx tsx bench/peers/run.ts [--check] [--quick] [--out=FILE.md] [--problems=small,medium,large]
 *        [--peers=tfjs,jax-f32,jax-f64,jax-f64-eager] [--budget=MS] [--heap-calls=N]
 *
 * Timings are medians over interleaved rounds after warm-up (see timing.ts);
 * the machine's load average is printed beside them because other processes
 * share the cores. Nothing about speed is asserted: a peer that is slow or wrong is
 * reported. igr itself must agree with the hand-written float64 oracle (see
 * ORACLE_TOLERANCE); if it does not, the run says so and exits with status 1.
 * `--check` does only the agreement part (seconds, no timing).
 */
import { execSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
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
import { igrVersion } from './versions.js';
import { BenchRng } from './rng.js';
import * as ad from '../../src/autodiff/index.js';

interface Args {
  check: boolean;
  /** Also write the markdown report to this file. */
  outFile: string | null;
  problems: string[];
  peers: string[];
  budgetMs: number;
  heapCalls: number;
}

const PEER_NAMES = ['tfjs', 'jax-f32', 'jax-f64', 'jax-f64-eager'] as const;

function parseArgs(argv: string[]): Args {
  const args: Args = { check: false, outFile: null, problems: PROBLEMS.map((p) => p.name), peers: [...PEER_NAMES], budgetMs: 1000, heapCalls: 100_000 };
  for (const a of argv) {
    const [key, value = ''] = a.split('=', 2) as [string, string?];
    if (key === '--check') {
      args.check = true;
    } else if (key === '--out') {
      if (!value) throw new Error('--out needs a file name: --out=FILE');
      args.outFile = value;
    } else if (key === '--quick') {
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
      throw new Error(`unknown option '${a}'; valid: --check, --out=FILE, --quick, --problems=, --peers=, --budget=, --heap-calls=`);
    }
  }
  return args;
}

/** The checkout's commit (with '+changes' when the work tree differs), so figures can be tied to code. */
function gitCommit(): string {
  try {
    const head = execSync('git rev-parse --short HEAD', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execSync('git status --porcelain -- src bench/peers', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${head}+changes` : head;
  } catch {
    return 'unknown';
  }
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

// ---------- igr against the oracle ----------

/**
 * How far igr may be from the hand-written oracle.
 * - Loss and gradient: both are float64 evaluations of the same sums in different
 *   orders; the difference is round-off, about u·sqrt(terms)·cond with u = 1.1e-16
 *   (measured: 1e-16 to 1e-15). 1e-12 leaves three orders of margin and still
 *   catches any real error (a wrong rule is off by O(1), a float32 step by 1e-7).
 * - HVP: the oracle is a central difference with ε = 1e-5, error ~ε²|∇³E| + u|g|/ε,
 *   measured 3e-11 to 6e-10; 1e-7 is above that and below float32 agreement.
 */
const ORACLE_TOLERANCE = { loss: 1e-12, grad: 1e-12, hvp: 1e-7 } as const;

function oracleFailures(e: { lossErr: number; gradErr: number; hvpErr: number }): string[] {
  const out: string[] = [];
  // written as !(x <= tol) so that NaN fails
  if (!(e.lossErr <= ORACLE_TOLERANCE.loss)) out.push(`loss relative error ${fmtErr(e.lossErr)} > ${ORACLE_TOLERANCE.loss}`);
  if (!(e.gradErr <= ORACLE_TOLERANCE.grad)) out.push(`gradient relative error ${fmtErr(e.gradErr)} > ${ORACLE_TOLERANCE.grad}`);
  if (!(e.hvpErr <= ORACLE_TOLERANCE.hvp)) out.push(`HVP relative error ${fmtErr(e.hvpErr)} > ${ORACLE_TOLERANCE.hvp}`);
  return out;
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
  say(`### Peer comparison run ${new Date().toISOString()}`);
  say();
  say(`- Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores; Node ${process.version}`);
  say(`- igr ${igrVersion()} at commit ${gitCommit()}, float64; load average at start: ${startLoad}`);

  const peers: Peer[] = [];
  for (const name of args.peers) {
    const p = await loadPeer(name);
    if ('error' in p) say(`- ${p.name} (${p.version}): NOT RUN: ${p.error}`);
    else {
      say(`- ${p.name}: ${p.version}, ${p.precision}, ${p.how}`);
      peers.push(p);
    }
  }
  if (!args.check) {
    say(
      '- Tables: times are medians in ms; "×igr" is the per-round median of library time / igr time (above 1: igr faster); ' +
        "errors are |library - igr| / |igr| (2-norm) against igr's float64 values",
    );
  }
  say(
    args.check
      ? '- Check only: agreement with the oracle and with igr, no timing'
      : `- Timing: interleaved rounds (each round times every library once), medians over rounds after warm-up; budget ${args.budgetMs} ms per quantity, at least 10 rounds`,
  );
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
    const failures = oracleFailures(igrCheck);
    if (failures.length > 0) {
      say(`- igr DISAGREES with the float64 oracle on ${name}: ${failures.join('; ')}`);
      process.exitCode = 1;
    }
    if (args.check) {
      say(
        `- ${name}: igr vs oracle: loss ${fmtErr(igrCheck.lossErr)}, grad ${fmtErr(igrCheck.gradErr)}, HVP ${fmtErr(igrCheck.hvpErr)}` +
          (failures.length === 0 ? ' (within tolerance)' : ''),
      );
      for (const p of peers) {
        try {
          const q = p.prepare(inst);
          const hv = q.hvp ? fmtErr(relErr(q.hvp(), igrRef.hvp)) : `none (${q.hvpError})`;
          say(`  - ${p.name} vs igr: loss ${fmtErr(Math.abs(q.loss() - igrRef.loss) / Math.abs(igrRef.loss))}, grad ${fmtErr(relErr(q.grad(), igrRef.grad))}, HVP ${hv}`);
          q.dispose();
        } catch (e) {
          say(`  - ${p.name}: FAILED: ${messageOf(e)}`);
        }
      }
      continue;
    }
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

  if (args.check) {
    if (args.outFile) writeFileSync(args.outFile, out.join('\n') + '\n');
    return;
  }

  for (const { inst, igr, rows, igrCheck } of allResults) {
    const s = inst.spec;
    say(`#### ${s.name}: ${s.sizes.join('-')}, N = ${s.n}, ${s.loss}, ${inst.numParams} parameters, ${(forwardFlops(inst) / 1e6).toFixed(2)} MFLOP per forward pass`);
    say();
    say(
      `igr against the independent float64 oracle (hand-written backprop; H v by central differences of it, ε = 1e-5): ` +
        `loss ${fmtErr(igrCheck.lossErr)}, gradient ${fmtErr(igrCheck.gradErr)}, HVP ${fmtErr(igrCheck.hvpErr)} relative error.`,
    );
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
    say('#### Per-call overhead (small problem)');
    say();
    say(
      `The small loss records ${ops} operations per forward pass (slices, reshapes, transposes, matmuls, adds, tanh, loss). ` +
        `igr's gradient takes ${fmtMs(gradMs)} ms = ${((gradMs * 1000) / ops).toFixed(2)} µs per recorded operation ` +
        `(forward and backward together); the loss alone ${((lossMs * 1000) / ops).toFixed(2)} µs per operation. ` +
        (gradMs > handMs
          ? `Hand-written loops take ${fmtMs(handMs)} ms for the same gradient, so the autodiff costs ` +
            `${(((gradMs - handMs) * 1000) / ops).toFixed(2)} µs per operation beyond the arithmetic.`
          : `Hand-written loops take ${fmtMs(handMs)} ms for the same gradient: igr is faster than these straightforward ` +
            `loops, so its bookkeeping cost is below what this baseline can resolve.`),
    );
    say();
  }

  // Matmul at n = 256 against the scalar multiply-add ceiling, interleaved in the same run.
  {
    const n = 256;
    const rng = new BenchRng(9);
    const A = ad.tensor(randomMatrix(n, rng), [n, n]);
    const B = ad.tensor(randomMatrix(n, rng), [n, n]);
    const flops = 2 * n ** 3;
    const kernels: FlopKernel[] = [
      scalarMaddKernel(1, flops),
      scalarMaddKernel(8, flops),
      naiveMatmulKernel(n),
      { name: 'igr matmul (float64)', flops, run: () => ad.matmul(A, B).data },
    ];
    for (const p of peers) {
      const run = p.matmul?.(n, A.data, B.data);
      if (run) kernels.push({ name: `${p.name} matmul (${p.precision})`, flops, run });
    }
    const r = timeRounds(
      kernels.map((k) => k.run),
      { budgetMs: args.budgetMs },
    );
    // Rate relative to reference `base`, as the median over rounds of the per-round time ratio.
    const fractionOf = (base: number): number[] => r.ratioTo(base).map((ratio, i) => kernels[i]!.flops / kernels[base]!.flops / ratio);
    const vs1 = fractionOf(0);
    const vs8 = fractionOf(1);
    say(`#### Matmul n = ${n} (load ${load()})`);
    say();
    say(
      'Percentages are medians over interleaved rounds of (kernel rate / reference loop rate in the same round). ' +
        'The 1-accumulator loop is the issue-2 target reference (≥ 45%); the 8-accumulator loop is scalar multiply-add throughput.',
    );
    say();
    say(
      table(
        ['kernel', 'GFLOP/s', '% of 1-acc loop', '% of 8-acc loop', 'median ms', 'calls timed'],
        kernels.map((k, i) => {
          const t = r.timings[i]!;
          return [k.name, (k.flops / (t.medianMs * 1e6)).toFixed(2), `${(100 * vs1[i]!).toFixed(0)}%`, `${(100 * vs8[i]!).toFixed(0)}%`, fmtMs(t.medianMs), String(t.reps)];
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
    say(`#### Heap across ${args.heapCalls} igr gradient calls (small problem, after full collections)`);
    say();
    say(rep.readings.map((r) => `${r.calls} calls: ${r.heapUsedMB.toFixed(2)} MB`).join('; ') + '.');
    say(
      `Growth ${rep.bytesPerCall.toFixed(2)} bytes per call overall, ${rep.steadyBytesPerCall.toFixed(2)} bytes per call ` +
        `from the first checkpoint on (after one-time allocations settle); ${rep.usPerCall.toFixed(1)} µs per call in this loop.`,
    );
    say();
  }
  say(`Load average at start ${startLoad}; at end ${load()} (2 cores shared with other work).`);
  if (args.outFile) writeFileSync(args.outFile, out.join('\n') + '\n');
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
