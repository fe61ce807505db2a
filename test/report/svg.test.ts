import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Plot, PlotError, decadeLabel, escapeXml, linearScale, logScale } from '../../src/report/svg.js';

describe('log scale', () => {
  it('puts labelled major ticks on every decade and unlabelled minor ticks between', () => {
    const s = logScale([1e-4, 1e-1], [0, 300]);
    const majors = s.ticks().filter((t) => t.major);
    expect(majors.map((t) => t.value)).toEqual([1e-4, 1e-3, 1e-2, 1e-1]);
    expect(majors.map((t) => t.label)).toEqual(['10⁻⁴', '10⁻³', '10⁻²', '10⁻¹']);
    expect(s.ticks().filter((t) => !t.major && t.label !== '')).toHaveLength(0);
    // Decades are evenly spaced: 100 px each.
    expect(s.map(1e-3) - s.map(1e-4)).toBeCloseTo(100, 9);
    expect(s.map(1e-1)).toBeCloseTo(300, 9);
  });

  it('labels the 2× and 5× ticks when the domain spans under two decades', () => {
    const s = logScale([0.02, 0.3], [0, 100]);
    const labels = s.ticks().filter((t) => t.label !== '').map((t) => t.label);
    expect(labels).toEqual(['0.02', '0.05', '10⁻¹', '0.2']);
    // Under one decade (a ladder like 0.1, 0.3) the 3× tick is labelled too.
    const narrow = logScale([0.08, 0.4], [0, 100]).ticks().filter((t) => t.label !== '').map((t) => t.label);
    expect(narrow).toEqual(['10⁻¹', '0.2', '0.3']);
  });

  it('invert is the inverse of map (property, relative 1e-12: two log10 calls and one power)', () => {
    fc.assert(
      fc.property(fc.double({ min: -12, max: 12, noNaN: true }), fc.double({ min: 0.5, max: 6, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (l0, span, u) => {
        const s = logScale([10 ** l0, 10 ** (l0 + span)], [40, 500]);
        const v = 10 ** (l0 + u * span);
        expect(Math.abs(s.invert(s.map(v)) - v) / v).toBeLessThan(1e-12);
      }),
    );
  });

  it('rejects a non-positive domain with a message naming it', () => {
    expect(() => logScale([0, 1], [0, 1])).toThrow(PlotError);
    expect(() => logScale([-1, 1], [0, 1])).toThrow(/log axis: domain must be positive and finite, got \[-1, 1\]/);
  });

  it('writes decade labels with superscripts', () => {
    expect(decadeLabel(0)).toBe('1');
    expect(decadeLabel(1)).toBe('10');
    expect(decadeLabel(-12)).toBe('10⁻¹²');
    expect(decadeLabel(5)).toBe('10⁵');
  });
});

describe('linear scale', () => {
  it('chooses ticks at 1, 2 or 5 times a power of ten, inside the domain', () => {
    const s = linearScale([-0.3, 2.7], [0, 100]);
    const values = s.ticks().map((t) => t.value);
    expect(values).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
    expect(s.ticks()[0]!.label).toBe('0');
  });

  it('widens a degenerate domain instead of dividing by zero', () => {
    const s = linearScale([3, 3], [0, 100]);
    expect(Number.isFinite(s.map(3))).toBe(true);
    expect(s.domain[0]).toBeLessThan(3);
  });
});

describe('Plot', () => {
  const plot = () =>
    new Plot({ title: 'errors <&> "quoted"', x: { kind: 'log', label: 'h' }, y: { kind: 'log', label: 'error' }, id: 'p1' })
      .add({ name: 'p=1', points: [[0.1, 1e-2], [0.05, 5e-3], [0.025, 2.5e-3]], color: '#00f', marker: 'circle' })
      .add({ name: 'p=2', points: [[0.1, 1e-3], [0.05, 0], [0.025, -1]], color: '#f00', marker: 'square', line: false })
      .band({ name: 'bound', y0: 0, y1: 1e-6, color: '#888' });

  it('draws one group per series with its point count, dropping values a log axis cannot show', () => {
    const svg = plot().toSvg();
    expect(svg.match(/<g class="series"/g)).toHaveLength(2);
    expect(svg).toContain('data-series="p=1" data-points="3"');
    expect(svg).toContain('data-series="p=2" data-points="1"');
    expect(svg).toContain('class="band" data-series="bound"');
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('escapes text', () => {
    const svg = plot().toSvg();
    expect(svg).toContain('errors &lt;&amp;&gt; &quot;quoted&quot;');
    expect(escapeXml(`<a href='x'>`)).toBe('&lt;a href=&#39;x&#39;&gt;');
  });

  it('fails with the plot named when nothing can be drawn on a log axis', () => {
    const p = new Plot({ title: 'empty', x: { kind: 'log', label: 'h' }, y: { kind: 'log', label: 'e' } });
    p.add({ name: 's', points: [[0.1, 0]], color: '#000' });
    expect(() => p.toSvg()).toThrow(/plot 'empty': no positive finite y values to draw/);
  });

  it('gives equal data units on both axes when asked (phase portraits)', () => {
    const p = new Plot({ title: 'eq', x: { kind: 'linear', label: 'a', domain: [0, 1] }, y: { kind: 'linear', label: 'b', domain: [0, 4] }, equalAspect: true });
    const { x, y } = p.scales();
    expect(Math.abs(x.map(1) - x.map(0))).toBeCloseTo(Math.abs(y.map(1) - y.map(0)), 9);
  });

  it('draws error bars inside the frame and counts them in the y domain', () => {
    const p = new Plot({ title: 'bars', x: { kind: 'log', label: 'h' }, y: { kind: 'linear', label: 'acc' } });
    p.add({ name: 'GD', points: [[0.1, 0.9]], bars: [[0.1, 0.8, 1.0]], color: '#000', marker: 'circle' });
    const { y } = p.scales();
    expect(y.domain[0]).toBeLessThan(0.8);
    expect(y.domain[1]).toBeGreaterThan(1.0);
    expect(p.toSvg()).toContain('class="bars"');
  });

  /** Vertices (x, y) in pixels of an SVG path made of M/L commands. */
  const vertices = (d: string): [number, number][] => Array.from(d.matchAll(/[ML]([\d.-]+),([\d.-]+)/g), (m) => [Number(m[1]), Number(m[2])]);

  it('shades under a line: a strip `depth` pixels deep following it, or down to the frame', () => {
    const pts: [number, number][] = [[0.1, 1e-4], [0.05, 1e-6], [0.025, 1e-8]];
    const p = new Plot({ title: 'under', x: { kind: 'log', label: 'h' }, y: { kind: 'log', label: 'e', domain: [1e-10, 1e-2] }, height: 300 });
    p.add({ name: 'strip', points: pts, color: '#0a0', fillBelow: { opacity: 0.2, depth: 9 } });
    p.add({ name: 'full', points: pts, color: '#a00', fillBelow: { opacity: 0.1 } });
    const svg = p.toSvg();
    const area = (name: string) => vertices(svg.match(new RegExp(`data-series="${name}"[^>]*><path class="area" d="([^"]+)"`))![1]!);
    const { x, y } = p.scales();
    const line = pts.map(([a, b]) => [x.map(a), y.map(b)]);
    // Along the line, then back under it: the strip 9 px lower, the full shade at the frame's bottom (300 − 46).
    const strip = area('strip');
    expect(strip).toHaveLength(6);
    strip.slice(0, 3).forEach(([a, b], i) => expect([a, b]).toEqual(line[i]!.map((v) => Math.round(v * 100) / 100)));
    strip.slice(3).reverse().forEach(([a, b], i) => {
      expect(a).toBeCloseTo(line[i]![0]!, 1);
      expect(b).toBeCloseTo(line[i]![1]! + 9, 1);
    });
    expect(area('full').slice(3).map(([, b]) => b)).toEqual([254, 254, 254]);
    expect(svg).toContain('fill="#0a0" fill-opacity="0.2"');
  });

  it('draws series marked behind under the others, keeping the legend in the order added', () => {
    const p = new Plot({ title: 'order', x: { kind: 'log', label: 'h' }, y: { kind: 'log', label: 'e' } });
    p.add({ name: 'data', points: [[0.1, 1e-2], [0.05, 1e-3]], color: '#00f', marker: 'circle' });
    p.add({ name: 'bound', points: [[0.1, 1e-5], [0.05, 1e-6]], color: '#00f', fillBelow: { opacity: 0.2, depth: 9 }, behind: true });
    const svg = p.toSvg();
    const data = svg.slice(svg.indexOf('<g class="data"'));
    expect(data.indexOf('data-series="bound"')).toBeLessThan(data.indexOf('data-series="data"'));
    const legend = svg.slice(svg.indexOf('<g class="legend"'));
    expect(legend.indexOf('>data<')).toBeLessThan(legend.indexOf('>bound<'));
  });

  it('a single point still gets a visible shaded column', () => {
    const p = new Plot({ title: 'one', x: { kind: 'log', label: 'h' }, y: { kind: 'log', label: 'e' } });
    p.add({ name: 'b', points: [[0.1, 1e-5]], color: '#00f', fillBelow: { opacity: 0.2, depth: 9 } });
    const d = p.toSvg().match(/class="area" d="([^"]+)"/)![1]!;
    const xs = vertices(d).map(([a]) => a);
    expect(Math.max(...xs) - Math.min(...xs)).toBeCloseTo(6, 6);
  });
});
