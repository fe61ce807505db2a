/**
 * The HTML shell of a report: one self-contained page (inline CSS and SVG, no script, no
 * network), tables rendered from rows, numbers formatted for people.
 */
import { escapeXml } from './svg.js';

/** A number for a table cell: 4 significant digits, exponent form when small or large. */
export function formatNumber(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined) return '—';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e5) return v.toExponential(digits - 1);
  return Number(v.toPrecision(digits)).toString();
}

/** One table cell: text (escaped) or pre-rendered HTML, with an optional class. */
export type Cell = string | number | null | { html: string; className?: string };

function cellHtml(c: Cell): string {
  if (c !== null && typeof c === 'object') return `<td${c.className ? ` class="${c.className}"` : ''}>${c.html}</td>`;
  if (typeof c === 'number' || c === null) return `<td class="num">${escapeXml(formatNumber(c))}</td>`;
  return `<td>${escapeXml(c)}</td>`;
}

/** An HTML table: a caption, a header row, and body rows. */
export function table(caption: string, headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const head = `<tr>${headers.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${r.map(cellHtml).join('')}</tr>`).join('\n');
  return `<table><caption>${escapeXml(caption)}</caption><thead>${head}</thead><tbody>\n${body}\n</tbody></table>`;
}

const CSS = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1560px; padding: 18px 24px 60px; color: #1d1d1f; }
h1 { font-size: 22px; margin: 4px 0 2px; }
h2 { font-size: 18px; margin: 28px 0 6px; border-bottom: 1px solid #ddd; padding-bottom: 3px; }
h3 { font-size: 15px; margin: 16px 0 4px; }
code, pre { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; }
pre.command { background: #f5f5f7; padding: 8px 10px; border-radius: 4px; white-space: pre-wrap; word-break: break-all; }
.plots { display: flex; flex-wrap: wrap; gap: 14px; }
figure { margin: 0; }
figcaption { font-size: 12px; color: #555; max-width: 480px; }
svg.plot { font-family: system-ui, sans-serif; background: #fff; }
table { border-collapse: collapse; margin: 8px 0 14px; font-size: 12.5px; }
caption { text-align: left; font-weight: 600; padding: 4px 0; white-space: nowrap; }
th, td { border: 1px solid #ddd; padding: 2px 7px; }
th { background: #f5f5f7; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.pass { color: #087f23; font-weight: 600; }
td.fail { color: #b00020; font-weight: 600; }
td.roundoff { color: #777; font-style: italic; }
details { margin: 6px 0 12px; }
summary { cursor: pointer; color: #333; }
.meta { color: #555; font-size: 12.5px; }
.note { color: #8a4b00; }
`;

/** A complete page. `sections` are HTML fragments already escaped. */
export function page(opts: { title: string; command: string; generated: string; intro?: string; sections: string[] }): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(opts.title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${escapeXml(opts.title)}</h1>
<p class="meta">Generated ${escapeXml(opts.generated)} by</p>
<pre class="command" id="command">${escapeXml(opts.command)}</pre>
${opts.intro ?? ''}
${opts.sections.join('\n')}
</body>
</html>
`;
}
