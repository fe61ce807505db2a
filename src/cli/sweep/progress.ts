/**
 * The sweep's progress line on stderr, only when stderr is a terminal.
 *
 * A small line of our own rather than a progress-bar package: it is ~40 lines,
 * it needs nothing but `\r` and the ANSI "erase to end of line" sequence, and
 * the core of igr keeps no runtime dependency.
 */

/** Seconds as `1h02m`, `3m07s` or `42s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** Counts shown on the line. */
export interface ProgressCounts {
  finished: number;
  total: number;
  diverged: number;
  failed: number;
}

/** The text of the line (without control characters): a bar, counts, elapsed time and an estimate of the rest. */
export function progressText(counts: ProgressCounts, elapsedSeconds: number, width = 20): string {
  const { finished, total } = counts;
  const fraction = total === 0 ? 1 : finished / total;
  const filled = Math.round(fraction * width);
  const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
  const left = finished === 0 ? '?' : formatDuration((elapsedSeconds / finished) * (total - finished));
  const parts = [
    `[${bar}] ${finished}/${total} runs`,
    `${formatDuration(elapsedSeconds)} elapsed`,
    finished < total ? `~${left} left` : 'done',
  ];
  if (counts.diverged > 0) parts.push(`${counts.diverged} diverged`);
  if (counts.failed > 0) parts.push(`${counts.failed} failed`);
  return parts.join(' · ');
}

/** Redraws one stderr line in place; `enabled` false makes every call a no-op (stderr not a terminal). */
export class ProgressLine {
  private readonly started: number;
  private drawn = false;

  constructor(
    private readonly write: (text: string) => void,
    private readonly enabled: boolean,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
  }

  update(counts: ProgressCounts): void {
    if (!this.enabled) return;
    const elapsed = (this.now() - this.started) / 1000;
    this.write(`\r${progressText(counts, elapsed)}\x1b[K`);
    this.drawn = true;
  }

  /** Ends the line so later output starts on a fresh one. */
  finish(): void {
    if (this.enabled && this.drawn) this.write('\n');
    this.drawn = false;
  }
}
