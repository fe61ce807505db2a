/**
 * The explorer page: type a two-variable loss, click a start point on the contour plot, pick
 * the learning rate h and the orders, and see gradient descent beside the modified flows.
 * Everything is computed in the browser by the library itself: the loss text is compiled by
 * `compileLoss` (mathjs syntax tree → autodiff operations), the paths by `descentPaths`
 * (src/igr's gradientDescent and modifiedField, src/ode's RK4), the picture by src/report's
 * SVG writer. Bundled by esbuild into one inline script (web/explorer/build.ts).
 */
import { compileLoss, type CompiledLoss } from '../../src/expression/index.js';
import { descentPaths, type DescentPaths } from '../../src/report/paths.js';
import { lossAt, lossContours } from '../../src/report/phase.js';
import { Plot, orderColor, type ContourSpec } from '../../src/report/svg.js';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`explorer: element #${id} missing from the page`);
  return el as T;
};

const ui = {
  loss: $<HTMLInputElement>('loss'),
  h: $<HTMLInputElement>('h'),
  hSlider: $<HTMLInputElement>('h-slider'),
  T: $<HTMLInputElement>('T'),
  xRange: $<HTMLInputElement>('x-range'),
  yRange: $<HTMLInputElement>('y-range'),
  orders: [1, 2, 3].map((p) => $<HTMLInputElement>(`order-${p}`)),
  plot: $<HTMLDivElement>('plot'),
  message: $<HTMLDivElement>('message'),
  start: $<HTMLSpanElement>('start'),
  distances: $<HTMLTableSectionElement>('distances'),
  status: $<HTMLSpanElement>('status'),
};

interface State {
  compiled: CompiledLoss | null;
  /** The text `compiled` was compiled from (recompile only when the text changes). */
  source: string;
  start: [number, number];
  contours: ContourSpec | null;
  contourKey: string;
  /** Incremented on every render, so tests can wait for a specific one. */
  renders: number;
}

const state: State = { compiled: null, source: '', start: [2.8, 3.5], contours: null, contourKey: '', renders: 0 };

/** Where the explorer keeps what tests (and curious users) can read back. */
declare global {
  interface Window {
    explorer: { state: State; lastPaths: DescentPaths | null; render: () => void };
  }
}

function parseRange(text: string, what: string): [number, number] {
  const parts = text.split(',').map((s) => Number(s.trim()));
  if (parts.length !== 2 || !parts.every(Number.isFinite) || !(parts[1]! > parts[0]!)) {
    throw new Error(`${what} must be two numbers 'low, high' with low < high, got '${text}'`);
  }
  return [parts[0]!, parts[1]!];
}

function positive(text: string, what: string): number {
  const v = Number(text);
  if (!(Number.isFinite(v) && v > 0)) throw new Error(`${what} must be a positive number, got '${text}'`);
  return v;
}

function showMessage(text: string, kind: 'error' | 'warning' | ''): void {
  ui.message.textContent = text;
  ui.message.className = kind;
  ui.message.hidden = text === '';
}

function format(v: number): string {
  return v.toExponential(6);
}

let lastPaths: DescentPaths | null = null;
/** The plot on screen: its scales turn a click back into data coordinates. */
let lastPlot: Plot | null = null;

function render(): void {
  state.renders++;
  const messages: string[] = [];
  let paths: DescentPaths | null = null;
  try {
    const text = ui.loss.value;
    if (state.compiled === null || state.source !== text) {
      state.compiled = null;
      const compiled = compileLoss(text);
      if (compiled.variables.length !== 2) {
        throw new Error(
          `the explorer draws losses of exactly two variables; '${text}' has ${compiled.variables.length}: ${compiled.variables.join(', ')}`,
        );
      }
      state.compiled = compiled;
      state.source = text;
    }
    const compiled = state.compiled;
    const [vx, vy] = compiled.variables as [string, string];
    const xr = parseRange(ui.xRange.value, `${vx} range`);
    const yr = parseRange(ui.yRange.value, `${vy} range`);
    const h = positive(ui.h.value, 'h');
    const T = positive(ui.T.value, 'T');
    const steps = Math.max(1, Math.round(T / h));
    if (steps > 5000) throw new Error(`T/h = ${steps} steps is too many for the page (at most 5000): raise h or lower T`);
    const orders = ui.orders.filter((o) => o.checked).map((o) => Number(o.value));
    const startLoss = lossAt(compiled.loss, state.start[0], state.start[1]);
    if (!Number.isFinite(startLoss)) throw new Error(`the loss is not finite at the start point (${state.start.join(', ')}): pick another start`);

    const key = `${ui.loss.value}|${xr}|${yr}`;
    if (state.contourKey !== key || state.contours === null) {
      state.contours = lossContours(compiled.loss, { x: xr, y: yr }, 60, 16);
      state.contourKey = key;
    }
    paths = descentPaths(compiled.loss, state.start, { h, steps, orders });
    lastPaths = paths;

    const plot = new Plot({ title: `GD with h = ${h} and the modified flows, T = ${T}`, x: { kind: 'linear', label: vx, domain: xr }, y: { kind: 'linear', label: vy, domain: yr }, id: 'explorer-plot', width: 620, height: 560 });
    plot.contour(state.contours);
    const pts = (ps: readonly Float64Array[]): [number, number][] => ps.map((p) => [p[0]!, p[1]!]);
    for (const f of paths.flows) {
      plot.add({ name: f.order === 1 ? 'gradient flow (p=1)' : f.order === 2 ? 'IGR flow (p=2)' : `order-${f.order} flow`, points: pts(f.points), color: orderColor(f.order), width: 2.2, dash: f.order === 3 ? '6 3' : undefined, kind: `flow order-${f.order}` });
      if (f.diverged) messages.push(f.diverged.message);
    }
    // Small markers: the flows under the iterates must stay visible.
    plot.add({ name: `GD, ${paths.gd.length - 1} steps`, points: pts(paths.gd), color: '#111', marker: 'circle', markerSize: 2.2, width: 0.8, kind: 'gd' });
    plot.add({ name: 'start', points: [state.start], color: '#000', marker: 'diamond', line: false, kind: 'start' });
    if (paths.gdDiverged) messages.push(`${paths.gdDiverged.message} — h is beyond the stability limit here; lower h`);
    ui.plot.innerHTML = plot.toSvg();
    lastPlot = plot;
    ui.plot.classList.remove('stale');

    ui.distances.innerHTML = paths.flows
      .map((f) => {
        const d = f.distance;
        const cell = d === null ? `<td class="distance" data-order="${f.order}" data-value="">diverged</td>` : `<td class="distance" data-order="${f.order}" data-value="${d}">${format(d)}</td>`;
        const ratio = d === null ? '' : format(d / h ** f.order);
        return `<tr><td><span class="swatch" style="background:${orderColor(f.order)}"></span>p = ${f.order}</td>${cell}<td class="ratio">${ratio}</td></tr>`;
      })
      .join('');
    ui.start.textContent = `(${state.start[0].toPrecision(6)}, ${state.start[1].toPrecision(6)})`;
    ui.start.dataset.x = String(state.start[0]);
    ui.start.dataset.y = String(state.start[1]);
    ui.status.textContent = `${vx}, ${vy}; n = ${steps} steps; E(start) = ${startLoss.toPrecision(6)}`;
    showMessage(messages.join('\n'), messages.length ? 'warning' : '');
  } catch (error) {
    // A malformed or diverging input: say what is wrong on the page; grey out the last picture.
    showMessage(error instanceof Error ? error.message : String(error), 'error');
    ui.plot.classList.add('stale');
    ui.distances.innerHTML = '';
    ui.status.textContent = '';
    lastPaths = null;
  }
  ui.plot.dataset.renders = String(state.renders);
  window.explorer.lastPaths = lastPaths;
}

/** h on the slider is logarithmic: 10^value. */
function syncSliderFromH(): void {
  const h = Number(ui.h.value);
  if (h > 0) ui.hSlider.value = String(Math.log10(h));
}

ui.hSlider.addEventListener('input', () => {
  ui.h.value = String(Number((10 ** Number(ui.hSlider.value)).toPrecision(3)));
  render();
});
ui.h.addEventListener('input', () => {
  syncSliderFromH();
  render();
});
for (const el of [ui.T, ui.xRange, ui.yRange, ...ui.orders]) el.addEventListener('input', render);
ui.loss.addEventListener('change', render);
ui.loss.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') render();
});

// A click on the plot picks the start point: invert the plot's scales at the click position.
ui.plot.addEventListener('click', (event) => {
  const svg = ui.plot.querySelector('svg');
  if (!svg || !lastPlot || ui.plot.classList.contains('stale')) return;
  const rect = svg.getBoundingClientRect();
  const vb = svg.viewBox.baseVal;
  const px = ((event.clientX - rect.left) / rect.width) * vb.width;
  const py = ((event.clientY - rect.top) / rect.height) * vb.height;
  const { x, y } = lastPlot.scales();
  const [x0, x1] = x.range;
  const [y1, y0] = y.range;
  if (px < x0 || px > x1 || py < y0 || py > y1) return;
  state.start = [x.invert(px), y.invert(py)];
  render();
});

window.explorer = { state, lastPaths: null, render };
syncSliderFromH();
render();
