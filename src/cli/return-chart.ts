/**
 * The one return-curve renderer. The CLI's curve.png (one panel: return vs env steps) and the
 * bench's chart (one panel per env, one line per algorithm: return vs wall time) are laid out
 * here in Node as a list of drawing operations, pure data that tests can check point by point;
 * the page paints the list on an OffscreenCanvas and encodes the PNG (`paintChart`, called
 * through AppSession.drawChart), since Node has neither a canvas nor a PNG encoder.
 */

export interface ChartSeries {
  readonly label: string;
  /** [x, episode return mean]; non-finite points (no episode finished yet) are skipped. */
  readonly points: readonly (readonly [number, number])[];
}

export interface ChartPanel {
  readonly title: string;
  /** The threshold (the reward stop criterion), drawn dashed; null for none. */
  readonly target: number | null;
  readonly series: readonly ChartSeries[];
}

export interface ReturnChart {
  readonly title: string;
  readonly panels: readonly ChartPanel[];
  /** e.g. 'wall time (s)' or 'env steps (num_env_steps_sampled_lifetime)'. */
  readonly xLabel: string;
  readonly yLabel: string;
  /** Written before the threshold's value on its line: 'stop reward' gives 'stop reward 475'. */
  readonly targetLabel: string;
  /** Panels per row (default 1) and each panel's size in pixels (default 900 x 500). */
  readonly columns?: number;
  readonly panelWidth?: number;
  readonly panelHeight?: number;
  /** A legend of every series label under the title; a label keeps its colour on every panel. */
  readonly legend?: boolean;
}

export type DrawOp =
  | {
      readonly kind: 'rect';
      readonly x: number;
      readonly y: number;
      readonly w: number;
      readonly h: number;
      readonly fill: string;
    }
  | {
      readonly kind: 'line';
      readonly points: readonly (readonly [number, number])[];
      readonly color: string;
      readonly width: number;
      /** Canvas setLineDash: [] is solid. */
      readonly dash: readonly number[];
    }
  | {
      readonly kind: 'text';
      readonly x: number;
      /** The text's vertical middle. */
      readonly y: number;
      readonly text: string;
      readonly color: string;
      readonly font: string;
      readonly align: 'left' | 'center' | 'right';
      /** Reads bottom to top (a y-axis label). */
      readonly rotated: boolean;
    };

/** What crosses to the page: the canvas size and what to draw on it, in order. */
export interface ChartDrawing {
  readonly width: number;
  readonly height: number;
  readonly ops: readonly DrawOp[];
}

/** Series colours in order of first appearance (the first is the CLI curve's blue). */
const PALETTE = [
  'rgb(31, 95, 191)',
  'rgb(230, 120, 20)',
  'rgb(40, 150, 60)',
  'rgb(200, 40, 40)',
  'rgb(130, 70, 180)',
  'rgb(140, 90, 50)',
  'rgb(220, 90, 170)',
  'rgb(20, 150, 160)',
  'rgb(110, 110, 110)',
] as const;
const INK = '#1e1e1e';
const GRID = '#e5e5e5';
const TARGET = '#2a9d4b';
const MUTED = '#777777';
const FONT = '12px sans-serif';
const TITLE_FONT = 'bold 16px sans-serif';
const PANEL_TITLE_FONT = 'bold 14px sans-serif';

/** Height above the panels for the title, and for the legend when there is one. */
export const TITLE_HEIGHT = 36;
export const LEGEND_HEIGHT = 22;
const MARGIN = { left: 72, right: 20, top: 30, bottom: 48 } as const;

/** Where a panel's plot area lies and how data maps onto it (pixels, rounded). */
export interface PanelLayout {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
  readonly xMax: number;
  readonly yMin: number;
  readonly yMax: number;
  readonly px: (x: number) => number;
  readonly py: (y: number) => number;
}

/** A "nice" tick step (1, 2 or 5 times a power of ten) giving about `n` ticks over `span`. */
export function niceStep(span: number, n: number): number {
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw * (1 - 1e-9)) ?? raw;
}

const finitePoints = (s: ChartSeries): (readonly [number, number])[] =>
  s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));

function sizes(chart: ReturnChart): { columns: number; panelWidth: number; panelHeight: number; header: number } {
  return {
    columns: chart.columns ?? 1,
    panelWidth: chart.panelWidth ?? 900,
    panelHeight: chart.panelHeight ?? 500,
    header: TITLE_HEIGHT + (chart.legend ? LEGEND_HEIGHT : 0),
  };
}

/** The plot area of panel `index` and its scales: x from 0 to a nice ceiling, y around the data and target. */
export function layoutPanel(chart: ReturnChart, index: number): PanelLayout {
  const { columns, panelWidth, panelHeight, header } = sizes(chart);
  const panel = chart.panels[index]!;
  const pts = panel.series.flatMap(finitePoints);
  // Reductions, not Math.max(...xs): a long run has more points than a call takes arguments.
  const rawXMax = pts.reduce((m, [x]) => Math.max(m, x), 0);
  const xMax = rawXMax > 0 ? Math.ceil(rawXMax / niceStep(rawXMax, 5)) * niceStep(rawXMax, 5) : 1;
  const ys = pts.map(([, y]) => y).concat(panel.target === null ? [] : [panel.target]);
  let yMin = ys.reduce((m, y) => Math.min(m, y), Infinity);
  let yMax = ys.reduce((m, y) => Math.max(m, y), -Infinity);
  if (!Number.isFinite(yMin)) [yMin, yMax] = [0, 1];
  if (yMax - yMin < 1e-9) [yMin, yMax] = [yMin - 1, yMax + 1];
  const yStep = niceStep(yMax - yMin, 5);
  yMin = Math.floor(yMin / yStep) * yStep;
  yMax = Math.ceil(yMax / yStep) * yStep;
  const left = (index % columns) * panelWidth + MARGIN.left;
  const top = header + Math.floor(index / columns) * panelHeight + MARGIN.top;
  const width = panelWidth - MARGIN.left - MARGIN.right;
  const height = panelHeight - MARGIN.top - MARGIN.bottom;
  return {
    left,
    top,
    width,
    height,
    xMax,
    yMin,
    yMax,
    px: (x) => Math.round(left + (x / xMax) * width),
    py: (y) => Math.round(top + (1 - (y - yMin) / (yMax - yMin)) * height),
  };
}

/** Tick values: 1500 -> '1.5k', 2e6 -> '2M', 0.30000000000000004 -> '0.3'. */
export function tickLabel(v: number): string {
  const r = Math.round(v * 1000) / 1000;
  const a = Math.abs(r);
  if (a >= 1e6) return `${Math.round(r / 1e3) / 1e3}M`;
  if (a >= 1e3) return `${Math.round(r) / 1e3}k`;
  return String(r);
}

/** The chart as drawing operations: title, legend, then each panel (axes, grid, threshold, lines). */
export function drawReturnChart(chart: ReturnChart): ChartDrawing {
  const { columns, panelWidth, panelHeight } = sizes(chart);
  const rows = Math.max(1, Math.ceil(chart.panels.length / columns));
  const labels = [...new Set(chart.panels.flatMap((p) => p.series.map((s) => s.label)))];
  const colorOf = (label: string): string => PALETTE[Math.max(0, labels.indexOf(label)) % PALETTE.length]!;
  const width = columns * panelWidth;
  const ops: DrawOp[] = [text(width / 2, TITLE_HEIGHT / 2, chart.title, INK, TITLE_FONT, 'center')];
  if (chart.legend) {
    let x = 12;
    const y = TITLE_HEIGHT + LEGEND_HEIGHT / 2;
    for (const label of labels) {
      ops.push({ kind: 'rect', x, y: y - 2, w: 18, h: 4, fill: colorOf(label) });
      ops.push(text(x + 24, y, label, INK, FONT, 'left'));
      x += 24 + 7 * label.length + 18; // ~7 px per character of a 12 px sans-serif
    }
  }
  chart.panels.forEach((_, i) => ops.push(...drawPanel(chart, i, colorOf)));
  return { width, height: sizes(chart).header + rows * panelHeight, ops };
}

function drawPanel(chart: ReturnChart, index: number, colorOf: (label: string) => string): DrawOp[] {
  const panel = chart.panels[index]!;
  const L = layoutPanel(chart, index);
  const [right, bottom] = [L.left + L.width, L.top + L.height];
  const ops: DrawOp[] = [];
  const yStep = niceStep(L.yMax - L.yMin, 5);
  for (let y = L.yMin; y <= L.yMax + yStep * 1e-6; y += yStep) {
    if (L.yMin < y && y < L.yMax)
      ops.push(
        line(
          [
            [L.left, L.py(y)],
            [right, L.py(y)],
          ],
          GRID,
          1,
        ),
      );
    ops.push(text(L.left - 8, L.py(y), tickLabel(y), INK, FONT, 'right'));
  }
  const xStep = niceStep(L.xMax, 5);
  for (let x = 0; x <= L.xMax + xStep * 1e-6; x += xStep) {
    if (0 < x && x < L.xMax)
      ops.push(
        line(
          [
            [L.px(x), L.top],
            [L.px(x), bottom],
          ],
          GRID,
          1,
        ),
      );
    ops.push(text(L.px(x), bottom + 14, tickLabel(x), INK, FONT, 'center'));
  }
  ops.push(text(L.left + L.width / 2, bottom + 34, chart.xLabel, INK, FONT, 'center'));
  ops.push({ ...text(L.left - 56, L.top + L.height / 2, chart.yLabel, INK, FONT, 'center'), rotated: true });
  if (panel.title) ops.push(text(L.left, L.top - 15, panel.title, INK, PANEL_TITLE_FONT, 'left'));
  const frame: [number, number][] = [
    [L.left, L.top],
    [right, L.top],
    [right, bottom],
    [L.left, bottom],
    [L.left, L.top],
  ];
  ops.push(line(frame, INK, 1));
  if (panel.target !== null) {
    ops.push(
      line(
        [
          [L.left, L.py(panel.target)],
          [right, L.py(panel.target)],
        ],
        TARGET,
        1,
        [6, 4],
      ),
    );
    ops.push(text(right - 6, L.py(panel.target) - 9, `${chart.targetLabel} ${panel.target}`, TARGET, FONT, 'right'));
  }
  const drawn = panel.series.map(finitePoints).filter((pts) => pts.length > 0);
  if (drawn.length === 0) {
    ops.push(text(L.left + L.width / 2, L.top + L.height / 2, 'no episode finished yet', MUTED, FONT, 'center'));
  }
  for (const s of panel.series) {
    const pts = finitePoints(s).map(([x, y]) => [L.px(x), L.py(y)] as const);
    if (pts.length > 1) ops.push(line(pts, colorOf(s.label), 2));
    if (pts.length === 1)
      ops.push({ kind: 'rect', x: pts[0]![0] - 2, y: pts[0]![1] - 2, w: 5, h: 5, fill: colorOf(s.label) });
  }
  return ops;
}

function line(
  points: readonly (readonly [number, number])[],
  color: string,
  width: number,
  dash: readonly number[] = [],
): DrawOp {
  return { kind: 'line', points, color, width, dash };
}

function text(
  x: number,
  y: number,
  s: string,
  color: string,
  font: string,
  align: 'left' | 'center' | 'right',
): Extract<DrawOp, { kind: 'text' }> {
  return { kind: 'text', x, y, text: s, color, font, align, rotated: false };
}

/**
 * Page-side: paints a drawing on an OffscreenCanvas and resolves to a `data:image/png;base64,...`
 * URL. It runs through page.evaluate, so it must be self-contained: no imports, no outer variables.
 */
export async function paintChart(d: ChartDrawing): Promise<string> {
  const canvas = new OffscreenCanvas(d.width, d.height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('OffscreenCanvas 2d context is not available');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, d.width, d.height);
  ctx.translate(0.5, 0.5); // whole-pixel coordinates: 1 px lines on one pixel row, not two
  ctx.textBaseline = 'middle';
  for (const op of d.ops) {
    if (op.kind === 'rect') {
      ctx.fillStyle = op.fill;
      ctx.fillRect(op.x - 0.5, op.y - 0.5, op.w, op.h);
    } else if (op.kind === 'line') {
      ctx.strokeStyle = op.color;
      ctx.lineWidth = op.width;
      ctx.setLineDash([...op.dash]);
      ctx.beginPath();
      op.points.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y)));
      ctx.stroke();
    } else {
      ctx.save();
      ctx.fillStyle = op.color;
      ctx.font = op.font;
      ctx.textAlign = op.align;
      ctx.translate(op.x, op.y);
      if (op.rotated) ctx.rotate(-Math.PI / 2);
      ctx.fillText(op.text, 0, 0);
      ctx.restore();
    }
  }
  const blob = await canvas.convertToBlob({ type: 'image/png' });
  return await new Promise<string>((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(typeof reader.result === 'string' ? reader.result : '');
    reader.onerror = () => reject(new Error('could not encode the chart as PNG'));
    reader.readAsDataURL(blob);
  });
}

/** Node-side: the PNG bytes of a data URL. */
export function pngFromDataUrl(url: string): Buffer {
  const prefix = 'data:image/png;base64,';
  if (!url.startsWith(prefix)) throw new Error('the page did not return a PNG data URL');
  return Buffer.from(url.slice(prefix.length), 'base64');
}
