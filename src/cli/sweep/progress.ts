/**
 * The progress line of `igr sweep` (runs) and `igr verify` ((h, order) jobs) on stderr, only when
 * stderr is a terminal.
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

/**
 * The text of the line (without control characters): a bar, counts of `unit`, elapsed time and an
 * estimate of the rest (`secondsLeft` when the caller has a better one, else elapsed / finished ×
 * remaining).
 */
export function progressText(counts: ProgressCounts, elapsedSeconds: number, width = 20, unit = 'runs', secondsLeft?: number): string {
  const { finished, total } = counts;
  const fraction = total === 0 ? 1 : finished / total;
  const filled = Math.round(fraction * width);
  const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
  const left =
    secondsLeft !== undefined ? formatDuration(secondsLeft) : finished === 0 ? '?' : formatDuration((elapsedSeconds / finished) * (total - finished));
  const parts = [
    `[${bar}] ${finished}/${total} ${unit}`,
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

  update(counts: ProgressCounts, unit = 'runs', secondsLeft?: number): void {
    if (!this.enabled) return;
    const elapsed = (this.now() - this.started) / 1000;
    this.write(`\r${progressText(counts, elapsed, 20, unit, secondsLeft)}\x1b[K`);
    this.drawn = true;
  }

  /** Erases the line (before other output is written to the terminal); the next update redraws it. */
  clear(): void {
    if (this.enabled && this.drawn) this.write('\r\x1b[K');
    this.drawn = false;
  }

  /** Ends the line so later output starts on a fresh one. */
  finish(): void {
    if (this.enabled && this.drawn) this.write('\n');
    this.drawn = false;
  }
}
