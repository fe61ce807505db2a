/**
 * Plain-text formatting shared by the `igr` commands: aligned tables and numbers that never
 * print as `NaN` (a missing value is shown by what it means, e.g. `diverged at step 12`).
 */

/** How a column is aligned; numbers read best right-aligned. */
export type Align = 'left' | 'right';

/**
 * Lays out rows under a header as aligned columns separated by two spaces, with a rule under
 * the header. Rows may be shorter than the header (missing cells are blank); a cell may span
 * the remaining columns of its row when it is the row's last cell and `spanLast` is set.
 *
 * @param align per column; default: first column left, the rest right.
 * @param indent prefix of every line (e.g. two spaces under a heading).
 */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  options: { align?: readonly Align[]; indent?: string } = {},
): string {
  const columns = header.length;
  const align = options.align ?? header.map((_, i) => (i === 0 ? 'left' : 'right'));
  const indent = options.indent ?? '';
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((row) => (row.length === columns || i < row.length - 1 ? width(row[i] ?? '') : 0))));
  const line = (cells: readonly string[]): string => {
    const parts: string[] = [];
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[i] as string;
      const spans = i === cells.length - 1 && cells.length < columns;
      if (spans) {
        parts.push(cell);
      } else {
        parts.push(pad(cell, widths[i] as number, align[i] ?? 'right'));
      }
    }
    return (indent + parts.join('  ')).replace(/\s+$/, '');
  };
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  return [line(header), indent + rule, ...rows.map(line)].join('\n') + '\n';
}

/** Display width in terminal columns: code points (the tables use no wide characters). */
function width(text: string): number {
  return [...text].length;
}

function pad(text: string, w: number, align: Align): string {
  const fill = ' '.repeat(Math.max(0, w - width(text)));
  return align === 'left' ? text + fill : fill + text;
}

/**
 * A positive quantity spanning many decades (an error, a step size) in scientific notation with
 * `digits` significant digits: `1.23e-4`. `null`/non-finite values print as `missing`.
 */
export function formatScientific(x: number | null | undefined, digits = 3, missing = '—'): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return missing;
  if (x === 0) return '0';
  const [mantissa, exponent] = x.toExponential(digits - 1).split('e') as [string, string];
  return `${mantissa}e${exponent.replace('+', '')}`;
}

/** A number of moderate size with `digits` decimals (`1.003`); `null`/non-finite print as `missing`. */
export function formatFixed(x: number | null | undefined, digits = 3, missing = '—'): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return missing;
  return x.toFixed(digits);
}

/** A step size or option value as the user would type it: shortest round-trip form (`0.05`, `1e-7`). */
export function formatShort(x: number): string {
  return String(x);
}

/** A float64 vector, shortened for a one-line summary: `[2.8, 3.5]` or `[0.1, 0.2, …, 0.9] (100 entries)`. */
export function formatVector(values: ArrayLike<number>, show = 4): string {
  const all = Array.from(values, (v) => String(Number(v.toPrecision(6))));
  if (all.length <= show + 1) return `[${all.join(', ')}]`;
  return `[${all.slice(0, show).join(', ')}, …] (${all.length} entries)`;
}

/** JSON with every non-finite number as `null` (JSON has no NaN; a reader should see a gap, not a string). */
export function toJsonLine(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
}

/**
 * `text` as it may be echoed in a one-line message: at most `max` characters, then `…` and the
 * full length, so a 100 KB name typed by mistake is not printed back whole.
 */
export function clip(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/**
 * A message for stderr that cannot flood it, whatever it quotes: each run of non-space characters
 * over 200 (a name or number typed by mistake) and each line over 1000 characters is cut with
 * `…` and its length. The commands clip what they quote themselves; this is the net under them.
 */
export function clipMessage(message: string): string {
  return message
    .split('\n')
    .map((line) => clip(line.replace(/\S{201,}/g, (token) => clip(token, 80)), 1000))
    .join('\n');
}
