import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, encodePng } from '../../src/cli/png-encode';
import { Raster, canDraw } from '../../src/cli/raster';
import {
  HEADER_HEIGHT,
  PANEL_HEIGHT,
  PANEL_WIDTH,
  drawReturnChart,
  layoutPanel,
  niceStep,
  returnChartPng,
  type ChartPanel,
} from '../../src/cli/return-chart';

/** Decodes the PNGs encodePng writes (8-bit RGBA, filter 0), checking every chunk's CRC. */
function decodePng(png: Buffer): { width: number; height: number; rgba: Uint8Array } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let off = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('ascii', off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    expect(png.readUInt32BE(off + 8 + len)).toBe(crc32(png.subarray(off + 4, off + 8 + len)));
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([data[8], data[9], data[12]]).toEqual([8, 6, 0]);
    } else if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  expect(raw.length).toBe(height * (width * 4 + 1));
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * 4 + 1)]).toBe(0);
    rgba.set(raw.subarray(y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1)), y * width * 4);
  }
  return { width, height, rgba };
}

const at = (img: { width: number; rgba: Uint8Array }, x: number, y: number): number[] => {
  const i = (y * img.width + x) * 4;
  return [...img.rgba.subarray(i, i + 4)];
};

describe('encodePng', () => {
  it('round-trips pixels through zlib with the right size and CRCs', () => {
    const r = new Raster(7, 3, [10, 20, 30]);
    r.setPixel(6, 2, [200, 100, 50]);
    const img = decodePng(encodePng(7, 3, r.data));
    expect([img.width, img.height]).toEqual([7, 3]);
    expect(at(img, 0, 0)).toEqual([10, 20, 30, 255]);
    expect(at(img, 6, 2)).toEqual([200, 100, 50, 255]);
  });

  it('has the standard CRC-32 ("123456789" -> cbf43926)', () => {
    expect(crc32(Buffer.from('123456789')).toString(16)).toBe('cbf43926');
  });

  it('rejects a buffer of the wrong length', () => {
    expect(() => encodePng(2, 2, new Uint8Array(15))).toThrow(/= 16 bytes, got 15/);
  });
});

describe('Raster', () => {
  it('draws a line of the asked width along its whole length, and nothing beside it', () => {
    const r = new Raster(20, 20);
    r.line(2, 10, 17, 10, [0, 0, 255], 3);
    for (let x = 2; x <= 17; x++) for (const y of [9, 10, 11]) expect(r.pixel(x, y)).toEqual([0, 0, 255]);
    expect(r.pixel(10, 8)).toEqual([255, 255, 255]);
    expect(r.pixel(10, 12)).toEqual([255, 255, 255]);
    expect(r.pixel(19, 10)).toEqual([255, 255, 255]); // the square brush reaches 1 px past each end
  });

  it('draws text from its glyphs (the 1 of "1" lights its stem, not its sides)', () => {
    const r = new Raster(10, 10);
    r.text(0, 0, '1', [0, 0, 0]);
    expect(r.pixel(2, 3)).toEqual([0, 0, 0]); // the stem (column 2)
    expect(r.pixel(0, 3)).toEqual([255, 255, 255]);
    expect(canDraw('CartPole-v1 (s) 475')).toBe(true);
    expect(canDraw('é')).toBe(false);
  });
});

describe('return chart', () => {
  const panels: ChartPanel[] = [
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
      ],
    },
    { title: 'Pendulum-v1', target: -250, series: [{ label: 'SAC', points: [[5, -1200]] }] },
    { title: 'Acrobot-v1', target: -100, series: [] },
  ];

  it('decodes to two panels per row under the header', () => {
    const img = decodePng(returnChartPng('Return vs wall time', panels));
    expect(img.width).toBe(2 * PANEL_WIDTH);
    expect(img.height).toBe(HEADER_HEIGHT + 2 * PANEL_HEIGHT);
  });

  it('puts a known line on the pixels its scales give, in its legend colour', () => {
    const img = decodePng(returnChartPng('t', panels));
    const L = layoutPanel(panels[0]!, 0);
    expect(L.xMax).toBe(10);
    expect([L.yMin, L.yMax]).toEqual([0, 500]);
    const ppo = at(img, L.px(5), L.py(250));
    expect(ppo).toEqual([31, 95, 191, 255]);
    // The ends of the segment, and nothing of that colour far from it.
    expect(at(img, L.px(0) + 1, L.py(0) - 1)).toEqual(ppo);
    expect(at(img, L.px(10) - 1, L.py(500) + 1)).toEqual(ppo);
    expect(at(img, L.px(8), L.py(100))).not.toEqual(ppo);
    // The 475 threshold is dashed black across the plot.
    const row = L.py(475);
    const dark = Array.from({ length: L.width }, (_, i) => at(img, L.left + i, row)).filter((p) => p[0] === 0).length;
    expect(dark).toBeGreaterThan(L.width * 0.3);
    expect(dark).toBeLessThan(L.width * 0.8);
  });

  it('places the second panel to the right and the third below', () => {
    const img = drawReturnChart('t', panels);
    expect(layoutPanel(panels[1]!, 1).left).toBeGreaterThan(PANEL_WIDTH);
    expect(layoutPanel(panels[2]!, 2).top).toBeGreaterThan(HEADER_HEIGHT + PANEL_HEIGHT);
    // SAC's single point is a dot in the second colour.
    const L = layoutPanel(panels[1]!, 1);
    expect(img.pixel(L.px(5), L.py(-1200))).toEqual([230, 120, 20]);
  });

  it('picks nice tick steps', () => {
    expect(niceStep(10, 5)).toBe(2);
    expect(niceStep(475, 5)).toBe(100);
    expect(niceStep(0.9, 5)).toBeCloseTo(0.2);
  });
});
