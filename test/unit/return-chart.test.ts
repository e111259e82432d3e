/**
 * The one return-curve renderer (src/cli/return-chart.ts): the drawing operations land where the
 * panel's scales put them, with the colours, threshold and labels the chart asks for. The page
 * paints them; test/e2e/cli.spec.ts checks the PNG that comes back (curve.png).
 */
import { describe, expect, it } from 'vitest';
import {
  LEGEND_HEIGHT,
  TITLE_HEIGHT,
  drawReturnChart,
  layoutPanel,
  niceStep,
  pngFromDataUrl,
  tickLabel,
  type DrawOp,
  type ReturnChart,
} from '../../src/cli/return-chart';
import { returnsChart } from '../../bench/matrix-run';

type Line = Extract<DrawOp, { kind: 'line' }>;
type Text = Extract<DrawOp, { kind: 'text' }>;

const lines = (ops: readonly DrawOp[]): Line[] => ops.filter((o): o is Line => o.kind === 'line');
const texts = (ops: readonly DrawOp[]): Text[] => ops.filter((o): o is Text => o.kind === 'text');

const chart: ReturnChart = {
  title: 'Return vs wall time',
  xLabel: 'wall time (s)',
  yLabel: 'episode return mean',
  targetLabel: 'threshold',
  columns: 2,
  panelWidth: 480,
  panelHeight: 300,
  legend: true,
  panels: [
    {
      title: 'CartPole-v1',
      target: 475,
      series: [
        {
          label: 'PPO',
          points: [
            [0, NaN],
            [0, 0],
            [10, 500],
          ],
        },
        { label: 'SAC', points: [[4, 100]] },
      ],
    },
    { title: 'Pendulum-v1', target: -250, series: [{ label: 'SAC', points: [[5, -1200]] }] },
    { title: 'Acrobot-v1', target: -100, series: [] },
  ],
};

describe('drawReturnChart', () => {
  const d = drawReturnChart(chart);

  it('is two panels per row under the title and legend', () => {
    expect(d.width).toBe(2 * 480);
    expect(d.height).toBe(TITLE_HEIGHT + LEGEND_HEIGHT + 2 * 300);
    expect(layoutPanel(chart, 1).left).toBeGreaterThan(480);
    expect(layoutPanel(chart, 2).top).toBeGreaterThan(TITLE_HEIGHT + LEGEND_HEIGHT + 300);
  });

  it('puts a series on the pixels its scales give, skipping points with no return yet', () => {
    const L = layoutPanel(chart, 0);
    expect(L.xMax).toBe(10);
    expect([L.yMin, L.yMax]).toEqual([0, 500]);
    const ppo = lines(d.ops).find((o) => o.width === 2)!;
    expect(ppo.points).toEqual([
      [L.px(0), L.py(0)],
      [L.px(10), L.py(500)],
    ]);
    expect(ppo.points[1]).toEqual([L.left + L.width, L.top]);
  });

  it('gives a label one colour on every panel, and draws a single point as a dot', () => {
    const dots = d.ops.filter((o) => o.kind === 'rect' && o.w === 5);
    expect(dots).toHaveLength(2); // SAC on CartPole-v1 and on Pendulum-v1
    expect(new Set(dots.map((o) => (o.kind === 'rect' ? o.fill : '')))).toEqual(new Set(['rgb(230, 120, 20)']));
    const L = layoutPanel(chart, 1);
    expect(dots[1]).toMatchObject({ x: L.px(5) - 2, y: L.py(-1200) - 2 });
    const legend = d.ops.filter((o) => o.kind === 'rect' && o.h === 4);
    expect(legend.map((o) => (o.kind === 'rect' ? o.fill : ''))).toEqual(['rgb(31, 95, 191)', 'rgb(230, 120, 20)']);
  });

  it('draws each threshold dashed across its plot, with its label', () => {
    const L = layoutPanel(chart, 1);
    const dashed = lines(d.ops).filter((o) => o.dash.length > 0);
    expect(dashed).toHaveLength(3);
    expect(dashed[1]!.points).toEqual([
      [L.left, L.py(-250)],
      [L.left + L.width, L.py(-250)],
    ]);
    expect(texts(d.ops).map((t) => t.text)).toContain('threshold -250');
  });

  it('says so on a panel with nothing to draw, and labels both axes', () => {
    const t = texts(d.ops).map((o) => o.text);
    expect(t.filter((s) => s === 'no episode finished yet')).toHaveLength(1);
    expect(t.filter((s) => s === 'wall time (s)')).toHaveLength(3);
    expect(
      texts(d.ops)
        .filter((o) => o.rotated)
        .map((o) => o.text),
    ).toEqual(Array(3).fill('episode return mean'));
  });

  it('defaults to one 900 x 500 panel without a legend (the CLI curve)', () => {
    const { title, xLabel, yLabel, targetLabel, panels } = chart;
    const one = drawReturnChart({ title, xLabel, yLabel, targetLabel, panels: panels.slice(0, 1) });
    expect([one.width, one.height]).toEqual([900, TITLE_HEIGHT + 500]);
  });

  it("draws the bench's chart from its rows", () => {
    const bench = returnsChart('t', []);
    expect(bench.width).toBe(960);
    expect(texts(bench.ops).map((o) => o.text)).toEqual(['t']);
  });
});

describe('axes and the PNG', () => {
  it('picks nice tick steps and short tick labels', () => {
    expect(niceStep(10, 5)).toBe(2);
    expect(niceStep(475, 5)).toBe(100);
    expect(niceStep(0.9, 5)).toBeCloseTo(0.2);
    expect([tickLabel(0.1 + 0.2), tickLabel(1500), tickLabel(-1200), tickLabel(2_500_000)]).toEqual([
      '0.3',
      '1.5k',
      '-1.2k',
      '2.5M',
    ]);
  });

  it('reads the PNG bytes out of the data URL the page returns, and nothing else', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
    expect(pngFromDataUrl(`data:image/png;base64,${png.toString('base64')}`)).toEqual(png);
    expect(() => pngFromDataUrl('data:text/plain,hi')).toThrow(/PNG data URL/);
  });
});
