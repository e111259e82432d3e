/**
 * The benchmark's return-vs-wall-time chart: one panel per env, one line per algorithm, the env's
 * threshold dashed, drawn on a Raster and encoded as PNG in Node (no browser, no canvas package).
 */
import { encodePng } from './png-encode';
import { Raster, textWidth, type Rgb } from './raster';

export interface ChartSeries {
  readonly label: string;
  /** [wall seconds, episode return mean]; non-finite points (no episode yet) are skipped. */
  readonly points: readonly (readonly [number, number])[];
}

export interface ChartPanel {
  readonly title: string;
  /** The threshold, drawn dashed; null for none. */
  readonly target: number | null;
  readonly series: readonly ChartSeries[];
}

/** Each algorithm keeps its colour on every panel (the legend is shared). */
const PALETTE: readonly Rgb[] = [
  [31, 95, 191],
  [230, 120, 20],
  [40, 150, 60],
  [200, 40, 40],
  [130, 70, 180],
  [140, 90, 50],
  [220, 90, 170],
  [20, 150, 160],
  [110, 110, 110],
];
const INK: Rgb = [30, 30, 30];
const GRID: Rgb = [225, 225, 225];
const TARGET: Rgb = [0, 0, 0];

export const PANEL_WIDTH = 480;
export const PANEL_HEIGHT = 300;
const COLUMNS = 2;
/** Space above the panels for the chart's title and legend. */
export const HEADER_HEIGHT = 52;
const MARGIN = { left: 58, right: 14, top: 30, bottom: 36 } as const;

/** Where a panel's plot area lies and how data maps onto it. */
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

const finite = (s: ChartSeries): (readonly [number, number])[] =>
  s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));

/** The plot area of panel `index` and its scales: x from 0 to a nice ceiling, y around data and target. */
export function layoutPanel(panel: ChartPanel, index: number): PanelLayout {
  const ox = (index % COLUMNS) * PANEL_WIDTH;
  const oy = HEADER_HEIGHT + Math.floor(index / COLUMNS) * PANEL_HEIGHT;
  const pts = panel.series.flatMap(finite);
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
  const left = ox + MARGIN.left;
  const top = oy + MARGIN.top;
  const width = PANEL_WIDTH - MARGIN.left - MARGIN.right;
  const height = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
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

const tickLabel = (v: number): string => {
  const r = Math.round(v * 1000) / 1000;
  return Math.abs(r) >= 1e4 ? `${r / 1e3}K` : String(r);
};

function drawPanel(img: Raster, panel: ChartPanel, index: number, colorOf: (label: string) => Rgb): void {
  const L = layoutPanel(panel, index);
  const yStep = niceStep(L.yMax - L.yMin, 5);
  for (let y = L.yMin; y <= L.yMax + yStep * 1e-6; y += yStep) {
    if (L.yMin < y && y < L.yMax) img.line(L.left, L.py(y), L.left + L.width, L.py(y), GRID);
    img.text(L.left - 6, L.py(y) - 3, tickLabel(y), INK, 1, 'right');
  }
  const xStep = niceStep(L.xMax, 5);
  for (let x = 0; x <= L.xMax + xStep * 1e-6; x += xStep) {
    if (0 < x && x < L.xMax) img.line(L.px(x), L.top, L.px(x), L.top + L.height, GRID);
    img.text(L.px(x), L.top + L.height + 6, tickLabel(x), INK, 1, 'center');
  }
  img.text(L.left + L.width / 2, L.top + L.height + 20, 'wall time (s)', INK, 1, 'center');
  img.text(L.left, L.top - 22, panel.title, INK, 2);
  if (panel.target !== null) {
    img.line(L.left, L.py(panel.target), L.left + L.width, L.py(panel.target), TARGET, 1, [4, 4]);
    const label = `${panel.target}`;
    img.text(L.left + L.width - 4, L.py(panel.target) - 10, label, TARGET, 1, 'right');
  }
  img.strokeRect(L.left, L.top, L.width, L.height, INK);
  for (const s of panel.series) {
    const pts = finite(s);
    const color = colorOf(s.label);
    for (let i = 1; i < pts.length; i++) {
      const [a, b] = [pts[i - 1]!, pts[i]!];
      img.line(L.px(a[0]), L.py(a[1]), L.px(b[0]), L.py(b[1]), color, 2);
    }
    if (pts.length === 1) img.fillRect(L.px(pts[0]![0]) - 2, L.py(pts[0]![1]) - 2, 5, 5, color);
  }
}

/** Draws every panel (two per row) under a title and a legend of every series label. */
export function drawReturnChart(title: string, panels: readonly ChartPanel[]): Raster {
  const rows = Math.max(1, Math.ceil(panels.length / COLUMNS));
  const img = new Raster(PANEL_WIDTH * COLUMNS, HEADER_HEIGHT + rows * PANEL_HEIGHT);
  const labels = [...new Set(panels.flatMap((p) => p.series.map((s) => s.label)))];
  const colorOf = (label: string): Rgb => PALETTE[Math.max(0, labels.indexOf(label)) % PALETTE.length]!;
  img.text(12, 10, title, INK, 2);
  img.text(
    img.width - 12,
    14,
    'y: episode return mean   x: wall s since training began   dashed: threshold',
    INK,
    1,
    'right',
  );
  let x = 12;
  for (const label of labels) {
    img.fillRect(x, 36, 18, 4, colorOf(label));
    img.text(x + 24, 34, label, INK);
    x += 24 + textWidth(label) + 18;
  }
  panels.forEach((p, i) => drawPanel(img, p, i, colorOf));
  return img;
}

/** The chart as PNG bytes. */
export function returnChartPng(title: string, panels: readonly ChartPanel[]): Buffer {
  const img = drawReturnChart(title, panels);
  return encodePng(img.width, img.height, img.data);
}
