/**
 * A small SVG plot writer: linear and log axes (decade ticks), lines, markers, shaded bands and
 * shading under a line, contour lines and a legend, rendered to a string. No dependency, no DOM: the same code draws
 * the static report in Node and the explorer in the browser.
 *
 * Every series is one `<g class="series" data-series="NAME">`, so a test (or a person with the
 * browser's inspector) can count what was drawn.
 */

/** Escape text for an XML/HTML text node or attribute value. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A number for an SVG coordinate: 2 decimals are far below a pixel and keep files small. */
function px(v: number): string {
  return (Math.round(v * 100) / 100).toString();
}

/** Error raised for a plot that cannot be drawn (non-positive value on a log axis, empty data, …). */
export class PlotError extends Error {
  override name = 'PlotError';
}

export type AxisKind = 'linear' | 'log';

export interface Tick {
  value: number;
  /** Label text; empty for a minor tick. */
  label: string;
  major: boolean;
}

/** Maps data values to pixels along one axis. */
export interface Scale {
  kind: AxisKind;
  domain: [number, number];
  range: [number, number];
  map(v: number): number;
  invert(p: number): number;
  ticks(): Tick[];
}

/** Format a tick value compactly: 0.05, 1.5, 2e+4 → "20000" stays short. */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(0).replace('e+', 'e');
  return Number(v.toPrecision(4)).toString();
}

/** Unicode superscripts, so a decade label "10⁻³" needs no tspan and survives any font. */
const SUPERSCRIPT: Record<string, string> = {
  '-': '⁻',
  '0': '⁰',
  '1': '¹',
  '2': '²',
  '3': '³',
  '4': '⁴',
  '5': '⁵',
  '6': '⁶',
  '7': '⁷',
  '8': '⁸',
  '9': '⁹',
};

export function decadeLabel(exponent: number): string {
  if (exponent === 0) return '1';
  if (exponent === 1) return '10';
  return '10' + String(exponent).split('').map((c) => SUPERSCRIPT[c] ?? c).join('');
}

/** A linear scale with "nice" ticks (steps of 1, 2 or 5 times a power of ten). */
export function linearScale(domain: [number, number], range: [number, number]): Scale {
  let [d0, d1] = domain;
  if (!(Number.isFinite(d0) && Number.isFinite(d1))) throw new PlotError(`linear axis: non-finite domain [${d0}, ${d1}]`);
  if (d0 === d1) {
    const pad = d0 === 0 ? 1 : Math.abs(d0) * 0.1;
    d0 -= pad;
    d1 += pad;
  }
  const [r0, r1] = range;
  const map = (v: number): number => r0 + ((v - d0) / (d1 - d0)) * (r1 - r0);
  const invert = (p: number): number => d0 + ((p - r0) / (r1 - r0)) * (d1 - d0);
  const ticks = (): Tick[] => {
    const lo = Math.min(d0, d1);
    const hi = Math.max(d0, d1);
    const raw = (hi - lo) / 6;
    const mag = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? 10 * mag;
    const out: Tick[] = [];
    for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) {
      const value = Math.abs(k * step) < step * 1e-9 ? 0 : k * step;
      out.push({ value, label: formatTick(Number(value.toPrecision(12))), major: true });
    }
    return out;
  };
  return { kind: 'linear', domain: [d0, d1], range, map, invert, ticks };
}

/**
 * A base-10 log scale. Major ticks at every decade (labelled 10ᵏ); minor ticks at 2..9 × 10ᵏ.
 * When the domain spans less than about two decades the 2× and 5× ticks are labelled too, so
 * the axis never shows fewer than two labels.
 */
export function logScale(domain: [number, number], range: [number, number]): Scale {
  let [d0, d1] = domain;
  if (!(d0 > 0 && d1 > 0 && Number.isFinite(d0) && Number.isFinite(d1))) {
    throw new PlotError(`log axis: domain must be positive and finite, got [${d0}, ${d1}]`);
  }
  if (d0 === d1) {
    d0 /= 2;
    d1 *= 2;
  }
  const l0 = Math.log10(d0);
  const l1 = Math.log10(d1);
  const [r0, r1] = range;
  const map = (v: number): number => r0 + ((Math.log10(v) - l0) / (l1 - l0)) * (r1 - r0);
  const invert = (p: number): number => 10 ** (l0 + ((p - r0) / (r1 - r0)) * (l1 - l0));
  const ticks = (): Tick[] => {
    const lo = Math.min(l0, l1);
    const hi = Math.max(l0, l1);
    const labelMinor = hi - lo < 2;
    const out: Tick[] = [];
    for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) {
      for (let k = 1; k <= 9; k++) {
        const value = Number(`${k}e${e}`); // exact decimal (1e-4, not 1 * 10 ** -4 = 9.999…e-5)
        const lv = Math.log10(value);
        if (lv < lo - 1e-9 || lv > hi + 1e-9) continue;
        if (k === 1) out.push({ value, label: decadeLabel(e), major: true });
        else {
          // Under two decades label 2× and 5×; under one, 3× as well (a ladder like 0.1, 0.3).
          const labelled = labelMinor && (k === 2 || k === 5 || (k === 3 && hi - lo < 1));
          out.push({ value, label: labelled ? formatTick(value) : '', major: false });
        }
      }
    }
    return out;
  };
  return { kind: 'log', domain: [d0, d1], range, map, invert, ticks };
}

export type MarkerShape = 'circle' | 'square' | 'triangle' | 'triangle-down' | 'diamond' | 'cross';

/** A line and/or markers through points in data coordinates. */
export interface SeriesSpec {
  name: string;
  points: readonly (readonly [number, number])[];
  color: string;
  /** Draw a polyline through the points (default true). */
  line?: boolean;
  /** Marker at each point (default none). */
  marker?: MarkerShape;
  /** Hollow markers (used for round-off points). */
  hollow?: boolean;
  /** Marker radius in pixels (default 3.5). */
  markerSize?: number;
  dash?: string;
  width?: number;
  /** Shown in the legend (default true). */
  legend?: boolean;
  /** Extra class on the group, e.g. 'fit' or 'roundoff'. */
  kind?: string;
  /** Small text at the last point (e.g. a fitted slope). */
  label?: string;
  opacity?: number;
  /**
   * Shade under the series' line (a bound that varies along x, e.g. the reference integrator's
   * error at each h): down to the bottom of the frame, or a strip `depth` pixels deep, so that
   * several bounds in one plot do not cover each other's data.
   */
  fillBelow?: { opacity: number; depth?: number };
  /** Drawn under every series not so marked, whatever the order they were added in (the legend keeps that order). */
  behind?: boolean;
  /** Vertical error bars [x, yLow, yHigh] (e.g. mean ± standard deviation over seeds). */
  bars?: readonly (readonly [number, number, number])[];
}

/** A horizontal band between two y values across the whole plot (e.g. the reference error bound). */
export interface BandSpec {
  name: string;
  y0: number;
  y1: number;
  color: string;
  opacity?: number;
}

/** Contour segments: each is two points in data coordinates, drawn as one path per level. */
export interface ContourSpec {
  name: string;
  levels: { level: number; segments: [number, number, number, number][] }[];
  color: string;
}

export interface AxisSpec {
  kind: AxisKind;
  label: string;
  /** Fixed domain; otherwise computed from the data (with a small margin). */
  domain?: [number, number];
}

export interface PlotSpec {
  title: string;
  x: AxisSpec;
  y: AxisSpec;
  width?: number;
  height?: number;
  /** id attribute of the `<svg>` element. */
  id?: string;
  /** Equal units on both (linear) axes, for phase portraits. */
  equalAspect?: boolean;
}

const MARGIN = { left: 64, right: 16, top: 30, bottom: 46 };

function markerPath(shape: MarkerShape, x: number, y: number, r: number): string {
  switch (shape) {
    case 'circle':
      return `M${px(x - r)},${px(y)}a${r},${r} 0 1,0 ${2 * r},0a${r},${r} 0 1,0 ${-2 * r},0Z`;
    case 'square':
      return `M${px(x - r)},${px(y - r)}h${2 * r}v${2 * r}h${-2 * r}Z`;
    case 'triangle':
      return `M${px(x)},${px(y - r * 1.2)}L${px(x + r * 1.1)},${px(y + r * 0.8)}L${px(x - r * 1.1)},${px(y + r * 0.8)}Z`;
    case 'triangle-down':
      return `M${px(x)},${px(y + r * 1.2)}L${px(x + r * 1.1)},${px(y - r * 0.8)}L${px(x - r * 1.1)},${px(y - r * 0.8)}Z`;
    case 'diamond':
      return `M${px(x)},${px(y - r * 1.3)}L${px(x + r)},${px(y)}L${px(x)},${px(y + r * 1.3)}L${px(x - r)},${px(y)}Z`;
    case 'cross':
      return `M${px(x - r)},${px(y - r)}L${px(x + r)},${px(y + r)}M${px(x - r)},${px(y + r)}L${px(x + r)},${px(y - r)}`;
  }
}

/**
 * One plot. Add series, bands and contours, then `toSvg()`. Domains not fixed in the spec are
 * computed from everything added (log axes from the positive values only).
 */
export class Plot {
  readonly series: SeriesSpec[] = [];
  readonly bands: BandSpec[] = [];
  readonly contours: ContourSpec[] = [];
  readonly notes: string[] = [];
  readonly width: number;
  readonly height: number;
  private xScale?: Scale;
  private yScale?: Scale;

  constructor(readonly spec: PlotSpec) {
    this.width = spec.width ?? 470;
    this.height = spec.height ?? 360;
  }

  add(series: SeriesSpec): this {
    this.series.push(series);
    this.xScale = this.yScale = undefined;
    return this;
  }

  band(band: BandSpec): this {
    this.bands.push(band);
    return this;
  }

  contour(contour: ContourSpec): this {
    this.contours.push(contour);
    return this;
  }

  /** A line of text under the plot title (e.g. "GD diverged at h = 0.5"). */
  note(text: string): this {
    this.notes.push(text);
    return this;
  }

  private dataDomain(axis: 'x' | 'y'): [number, number] {
    const spec = this.spec[axis];
    if (spec.domain) return spec.domain;
    const values: number[] = [];
    for (const s of this.series) {
      for (const p of s.points) values.push(axis === 'x' ? p[0] : p[1]);
      if (axis === 'y') for (const b of s.bars ?? []) values.push(b[1], b[2]);
    }
    if (axis === 'y') for (const b of this.bands) values.push(b.y1);
    const usable = values.filter((v) => Number.isFinite(v) && (spec.kind === 'linear' || v > 0));
    if (usable.length === 0) {
      throw new PlotError(`plot '${this.spec.title}': no ${spec.kind === 'log' ? 'positive ' : ''}finite ${axis} values to draw`);
    }
    let lo = Math.min(...usable);
    let hi = Math.max(...usable);
    if (spec.kind === 'log') {
      // A fifth of a decade of margin on each side keeps markers off the frame.
      return [lo / 10 ** 0.2, hi * 10 ** 0.2];
    }
    const pad = (hi - lo || Math.abs(hi) || 1) * 0.05;
    lo -= pad;
    hi += pad;
    return [lo, hi];
  }

  /** The pixel scales (computed once per set of data). */
  scales(): { x: Scale; y: Scale } {
    if (this.xScale && this.yScale) return { x: this.xScale, y: this.yScale };
    const xr: [number, number] = [MARGIN.left, this.width - MARGIN.right];
    const yr: [number, number] = [this.height - MARGIN.bottom, MARGIN.top];
    let xd = this.dataDomain('x');
    let yd = this.dataDomain('y');
    if (this.spec.equalAspect && this.spec.x.kind === 'linear' && this.spec.y.kind === 'linear') {
      // Widen the narrower domain so one data unit is the same number of pixels on both axes.
      const sx = (xd[1] - xd[0]) / (xr[1] - xr[0]);
      const sy = (yd[1] - yd[0]) / (yr[0] - yr[1]);
      if (sx > sy) {
        const mid = (yd[0] + yd[1]) / 2;
        const half = (sx * (yr[0] - yr[1])) / 2;
        yd = [mid - half, mid + half];
      } else {
        const mid = (xd[0] + xd[1]) / 2;
        const half = (sy * (xr[1] - xr[0])) / 2;
        xd = [mid - half, mid + half];
      }
    }
    this.xScale = this.spec.x.kind === 'log' ? logScale(xd, xr) : linearScale(xd, xr);
    this.yScale = this.spec.y.kind === 'log' ? logScale(yd, yr) : linearScale(yd, yr);
    return { x: this.xScale, y: this.yScale };
  }

  toSvg(): string {
    const { x, y } = this.scales();
    const legend = this.legendEntries();
    const legendWidth = legend.length ? Math.max(...legend.map((e) => e.name.length)) * 5.8 + 34 : 0;
    // The legend gets its own column right of the frame, so it never hides data or labels.
    const W = this.width + legendWidth;
    const H = this.height;
    const left = MARGIN.left;
    const right = this.width - MARGIN.right;
    const top = MARGIN.top;
    const bottom = H - MARGIN.bottom;
    const clipId = `clip-${(this.spec.id ?? this.spec.title).replace(/[^A-Za-z0-9_-]/g, '_')}`;
    const out: string[] = [];
    const idAttr = this.spec.id ? ` id="${escapeXml(this.spec.id)}"` : '';
    out.push(
      `<svg xmlns="http://www.w3.org/2000/svg"${idAttr} class="plot" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeXml(this.spec.title)}">`,
    );
    out.push(`<title>${escapeXml(this.spec.title)}</title>`);
    out.push(`<defs><clipPath id="${clipId}"><rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}"/></clipPath></defs>`);
    out.push(`<rect class="frame" x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" fill="#fff" stroke="#999"/>`);

    // Grid and ticks.
    const grid: string[] = [];
    const labels: string[] = [];
    const inX = (v: number): boolean => {
      const p = x.map(v);
      return p >= left - 0.5 && p <= right + 0.5;
    };
    const inY = (v: number): boolean => {
      const p = y.map(v);
      return p >= top - 0.5 && p <= bottom + 0.5;
    };
    for (const t of x.ticks()) {
      if (!inX(t.value)) continue;
      const p = px(x.map(t.value));
      grid.push(`<line x1="${p}" y1="${top}" x2="${p}" y2="${bottom}" stroke="${t.major ? '#ddd' : '#f0f0f0'}"/>`);
      grid.push(`<line x1="${p}" y1="${bottom}" x2="${p}" y2="${bottom + (t.major ? 6 : 3)}" stroke="#666"/>`);
      if (t.label) labels.push(`<text class="tick x" x="${p}" y="${bottom + 18}" text-anchor="middle">${escapeXml(t.label)}</text>`);
    }
    for (const t of y.ticks()) {
      if (!inY(t.value)) continue;
      const p = px(y.map(t.value));
      grid.push(`<line x1="${left}" y1="${p}" x2="${right}" y2="${p}" stroke="${t.major ? '#ddd' : '#f0f0f0'}"/>`);
      grid.push(`<line x1="${left - (t.major ? 6 : 3)}" y1="${p}" x2="${left}" y2="${p}" stroke="#666"/>`);
      if (t.label) labels.push(`<text class="tick y" x="${left - 9}" y="${p}" dy="0.32em" text-anchor="end">${escapeXml(t.label)}</text>`);
    }
    out.push(`<g class="grid">${grid.join('')}</g>`);

    const body: string[] = [];
    for (const b of this.bands) {
      const ya = y.map(Math.max(b.y0, y.kind === 'log' ? Math.min(...y.domain) : -Infinity));
      const yb = y.map(b.y1);
      const y0 = Math.max(top, Math.min(ya, yb));
      const y1 = Math.min(bottom, Math.max(ya, yb));
      if (!(y1 > y0)) continue;
      body.push(
        `<g class="band" data-series="${escapeXml(b.name)}"><rect x="${left}" y="${px(y0)}" width="${right - left}" height="${px(y1 - y0)}" fill="${b.color}" fill-opacity="${b.opacity ?? 0.18}"/></g>`,
      );
    }
    for (const c of this.contours) {
      const paths = c.levels.map((lv) => {
        const d = lv.segments
          .map(([ax, ay, bx, by]) => `M${px(x.map(ax))},${px(y.map(ay))}L${px(x.map(bx))},${px(y.map(by))}`)
          .join('');
        return `<path data-level="${lv.level.toPrecision(4)}" d="${d}"/>`;
      });
      body.push(`<g class="contours" data-series="${escapeXml(c.name)}" fill="none" stroke="${c.color}" stroke-width="0.8">${paths.join('')}</g>`);
    }
    // Series marked `behind` first, so what they shade never covers another series' markers.
    for (const s of [...this.series.filter((t) => t.behind), ...this.series.filter((t) => !t.behind)]) {
      const pts = s.points.filter(
        ([a, b]) => Number.isFinite(a) && Number.isFinite(b) && (x.kind === 'linear' || a > 0) && (y.kind === 'linear' || b > 0),
      );
      const cls = `series${s.kind ? ' ' + s.kind : ''}`;
      const parts: string[] = [];
      if (s.fillBelow !== undefined && pts.length >= 1) {
        // One point alone gets a narrow column, so it still shows.
        const xs = pts.map(([a]) => x.map(a));
        const ys = pts.map(([, b]) => y.map(b));
        if (pts.length === 1) {
          xs.push(xs[0]! + 3);
          xs[0] = xs[0]! - 3;
          ys.push(ys[0]!);
        }
        const { opacity, depth } = s.fillBelow;
        const under = xs.map((a, i) => `L${px(a)},${px(depth === undefined ? bottom : ys[i]! + depth)}`).reverse();
        const d = `M${px(xs[0]!)},${px(ys[0]!)}${xs.slice(1).map((a, i) => `L${px(a)},${px(ys[i + 1]!)}`).join('')}${under.join('')}Z`;
        parts.push(`<path class="area" d="${d}" fill="${s.color}" fill-opacity="${opacity}" stroke="none"/>`);
      }
      if ((s.line ?? true) && pts.length >= 2) {
        const d = pts.map(([a, b], i) => `${i === 0 ? 'M' : 'L'}${px(x.map(a))},${px(y.map(b))}`).join('');
        parts.push(
          `<path class="line" d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.width ?? 1.8}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}${s.opacity !== undefined ? ` stroke-opacity="${s.opacity}"` : ''}/>`,
        );
      }
      if (s.bars && s.bars.length > 0) {
        const lowest = y.kind === 'log' ? Math.min(...y.domain) : -Infinity;
        const d = s.bars
          .filter(([a, lo, hi]) => Number.isFinite(a) && Number.isFinite(lo) && Number.isFinite(hi) && (x.kind === 'linear' || a > 0) && (y.kind === 'linear' || hi > 0))
          .map(([a, lo, hi]) => {
            const xp = x.map(a);
            const ya = y.map(Math.max(lo, lowest));
            const yb = y.map(hi);
            return `M${px(xp)},${px(ya)}L${px(xp)},${px(yb)}M${px(xp - 3)},${px(ya)}h6M${px(xp - 3)},${px(yb)}h6`;
          })
          .join('');
        if (d) parts.push(`<path class="bars" d="${d}" fill="none" stroke="${s.color}" stroke-width="1" stroke-opacity="0.8"/>`);
      }
      if (s.marker) {
        const shape = s.marker;
        const d = pts.map(([a, b]) => markerPath(shape, x.map(a), y.map(b), s.markerSize ?? 3.5)).join('');
        const fill = s.hollow || shape === 'cross' ? 'none' : s.color;
        parts.push(`<path class="markers" d="${d}" fill="${fill}" stroke="${s.color}" stroke-width="1.3"/>`);
      }
      if (s.label && pts.length > 0) {
        // At the middle of the line (in pixels), set to its upper left: above a rising line.
        const [a0, b0] = pts[0]!;
        const [a1, b1] = pts[pts.length - 1]!;
        const mx = (x.map(a0) + x.map(a1)) / 2;
        const my = (y.map(b0) + y.map(b1)) / 2;
        parts.push(
          `<text class="series-label" x="${px(Math.max(mx - 4, left + 4))}" y="${px(my - 7)}" text-anchor="${mx - 4 - left > 150 ? 'end' : 'start'}" font-size="11" fill="${s.color}" stroke="#fff" stroke-width="3" stroke-opacity="0.85" paint-order="stroke">${escapeXml(s.label)}</text>`,
        );
      }
      body.push(`<g class="${cls}" data-series="${escapeXml(s.name)}" data-points="${pts.length}">${parts.join('')}</g>`);
    }
    out.push(`<g class="data" clip-path="url(#${clipId})">${body.join('')}</g>`);
    out.push(`<g class="labels" font-size="11" fill="#333">${labels.join('')}</g>`);
    out.push(
      `<text class="axis-label x" x="${px((left + right) / 2)}" y="${H - 8}" text-anchor="middle" font-size="12">${escapeXml(this.spec.x.label)}</text>`,
    );
    out.push(
      `<text class="axis-label y" transform="translate(14,${px((top + bottom) / 2)}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(this.spec.y.label)}</text>`,
    );
    out.push(`<text class="plot-title" x="${left}" y="18" font-size="13" font-weight="600">${escapeXml(this.spec.title)}</text>`);
    out.push(this.legendSvg(legend, right + 8, legendWidth - 10, top));
    out.push('</svg>');
    return out.join('\n');
  }

  private legendEntries(): { name: string; swatch: string }[] {
    const entries: { name: string; swatch: string }[] = [];
    for (const b of this.bands) {
      entries.push({ name: b.name, swatch: `<rect x="0" y="-5" width="16" height="10" fill="${b.color}" fill-opacity="${b.opacity ?? 0.18}"/>` });
    }
    for (const c of this.contours) {
      entries.push({ name: c.name, swatch: `<line x1="0" y1="0" x2="16" y2="0" stroke="${c.color}" stroke-width="0.8"/>` });
    }
    for (const s of this.series) {
      if (s.legend === false) continue;
      let sw = '';
      if (s.fillBelow !== undefined) sw += `<rect x="0" y="0" width="16" height="6" fill="${s.color}" fill-opacity="${s.fillBelow.opacity}"/>`;
      if (s.line ?? true) sw += `<line x1="0" y1="0" x2="16" y2="0" stroke="${s.color}" stroke-width="${s.width ?? 1.8}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`;
      if (s.marker) sw += `<path d="${markerPath(s.marker, 8, 0, 3.5)}" fill="${s.hollow || s.marker === 'cross' ? 'none' : s.color}" stroke="${s.color}"/>`;
      entries.push({ name: s.name, swatch: sw });
    }
    return entries;
  }

  private legendSvg(entries: { name: string; swatch: string }[], x0: number, w: number, top: number): string {
    if (entries.length === 0) return '';
    const rowH = 15;
    const rows = entries.map(
      (e, i) => `<g transform="translate(${px(x0 + 6)},${px(top + 11 + i * rowH)})">${e.swatch}<text x="22" y="0" dy="0.32em">${escapeXml(e.name)}</text></g>`,
    );
    return `<g class="legend" font-size="10.5" fill="#222"><rect x="${px(x0)}" y="${top}" width="${w}" height="${entries.length * rowH + 6}" fill="#fff" stroke="#ddd"/>${rows.join('')}</g>`;
  }
}

/** Colours of the truncation orders p = 1..6 (colour-blind-safe Okabe–Ito palette). */
export const ORDER_COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'];

export function orderColor(order: number): string {
  return ORDER_COLORS[(order - 1) % ORDER_COLORS.length]!;
}
