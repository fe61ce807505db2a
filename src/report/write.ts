/**
 * Writing a report to disk atomically: the page goes to a temporary file in the target
 * directory and is renamed over `index.html` only when it is complete, so a reader (or a
 * browser reloading the page) never sees half a file, and a failed write leaves nothing behind.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

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
  };
  return (e.code && known[e.code]) ? `${known[e.code]} (${e.code})` : String(e.message ?? error);
}

/**
 * Write `content` to `dir/name` atomically (temp file in `dir` + rename), creating `dir` when
 * missing. Returns the absolute path written. Throws `ReportError` (and removes the temporary
 * file) when the directory cannot be created or written.
 */
export function writeFileAtomic(dir: string, name: string, content: string): string {
  const absDir = resolve(dir);
  try {
    mkdirSync(absDir, { recursive: true });
  } catch (error) {
    throw new ReportError(`cannot create report directory '${absDir}': ${reason(error)}`);
  }
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
