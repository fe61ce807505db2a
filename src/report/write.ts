/**
 * Writing a report to disk atomically: the page goes to a temporary file in the target
 * directory and is renamed over `index.html` only when it is complete, so a reader (or a
 * browser reloading the page) never sees half a file, and a failed write leaves nothing behind.
 * Node only (exported from `igr/node`); the pages themselves are rendered by the browser-safe
 * `renderVerificationReport` and `renderSweepReport`.
 */
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { SweepRecord } from '../igr/experiments/types.js';
import type { VerificationReport } from '../igr/types.js';
import { renderSweepReport, type SweepReportOptions } from './sweep.js';
import { renderVerificationReport, type VerificationReportOptions } from './verification.js';

/** A report that could not be written; the message names the path and the reason. */
export class ReportError extends Error {
  override name = 'ReportError';
}

function reason(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const known: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOTDIR: 'a component of the path is a file, not a directory',
    EEXIST: 'a file of that name exists',
    EISDIR: 'the target is a directory',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    ENOENT: 'no such file or directory, and it cannot be created there',
  };
  return (e.code && known[e.code]) ? `${known[e.code]} (${e.code})` : String(e.message ?? error);
}

/**
 * Creates `absDir` and its missing parents one level at a time, after finding the deepest part
 * that exists and checking it is a directory. Node's `mkdirSync(…, { recursive: true })` retries
 * without end where a parent can be neither found nor made (`/proc/x/y` spins at 100% CPU), so
 * every level here is one mkdir and its error is the answer.
 */
function makeDirectory(absDir: string): void {
  const missing: string[] = [];
  for (let dir = absDir; ; dir = dirname(dir)) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(dir).isDirectory();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && dirname(dir) !== dir) {
        missing.push(dir);
        continue;
      }
      throw new ReportError(`cannot create report directory '${absDir}': ${reason(error)}`);
    }
    if (!isDirectory) throw new ReportError(`cannot create report directory '${absDir}': '${dir}' is a file, not a directory`);
    break;
  }
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir);
    } catch (error) {
      // Made meanwhile by someone else: as good.
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && statSync(dir).isDirectory()) continue;
      throw new ReportError(`cannot create report directory '${absDir}': ${dir === absDir ? '' : `'${dir}': `}${reason(error)}`);
    }
  }
}

/**
 * Write `content` to `dir/name` atomically (temp file in `dir` + rename), creating `dir` when
 * missing. Returns the absolute path written. Throws `ReportError` (and removes the temporary
 * file) when the directory cannot be created or written.
 */
export function writeFileAtomic(dir: string, name: string, content: string): string {
  const absDir = resolve(dir);
  makeDirectory(absDir);
  const target = join(absDir, name);
  // Same directory as the target, so the rename never crosses file systems (rename is atomic then).
  const temp = join(absDir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(temp, content, { flag: 'wx' });
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new ReportError(`cannot write report '${target}': ${reason(error)}`);
  }
  return target;
}

/**
 * Write the verification report to `dir/index.html` (atomically; creates `dir`). Returns the
 * absolute path. Throws `ReportError` when the directory cannot be written.
 */
export function writeVerificationReport(dir: string, reports: readonly VerificationReport[], opts: VerificationReportOptions): string {
  return writeFileAtomic(dir, 'index.html', renderVerificationReport(reports, opts));
}

/**
 * Write the sweep report to `dir/index.html` (atomically; creates `dir`). Returns the absolute
 * path. Throws `ReportError` when the directory cannot be written.
 */
export function writeSweepReport(dir: string, records: readonly SweepRecord[], opts: SweepReportOptions): string {
  return writeFileAtomic(dir, 'index.html', renderSweepReport(records, opts));
}
