/**
 * An RGBA pixel buffer with the few drawing operations the benchmark chart needs: filled
 * rectangles, lines of a given width (solid or dashed) and text in a 5x7 bitmap font. Node has no
 * canvas, and the chart must be drawn the same way on every machine (no system fonts), so the
 * project draws its own pixels; png-encode.ts writes them out.
 */

export type Rgb = readonly [number, number, number];

/**
 * 5x7 glyphs (the HD44780 character ROM's shapes), one hex byte per row, the low 5 bits left to
 * right. Lower-case letters are drawn as capitals.
 */
const GLYPHS: Readonly<Record<string, string>> = {
  A: '0E1111111F1111',
  B: '1E11111E11111E',
  C: '0E11101010110E',
  D: '1C12111111121C',
  E: '1F10101E10101F',
  F: '1F10101E101010',
  G: '0E11101711110F',
  H: '1111111F111111',
  I: '0E04040404040E',
  J: '0702020202120C',
  K: '11121418141211',
  L: '1010101010101F',
  M: '111B1515111111',
  N: '11111915131111',
  O: '0E11111111110E',
  P: '1E11111E101010',
  Q: '0E11111115120D',
  R: '1E11111E141211',
  S: '0F10100E01011E',
  T: '1F040404040404',
  U: '1111111111110E',
  V: '11111111110A04',
  W: '1111111515150A',
  X: '11110A040A1111',
  Y: '1111110A040404',
  Z: '1F01020408101F',
  '0': '0E11131519110E',
  '1': '040C040404040E',
  '2': '0E11010204081F',
  '3': '1F02040201110E',
  '4': '02060A121F0202',
  '5': '1F101E0101110E',
  '6': '0608101E11110E',
  '7': '1F010204080808',
  '8': '0E11110E11110E',
  '9': '0E11110F01020C',
  ' ': '00000000000000',
  '-': '0000001F000000',
  '.': '00000000000C0C',
  ',': '000000000C0408',
  ':': '000C0C000C0C00',
  '(': '02040808080402',
  ')': '08040202020408',
  '/': '00010204081000',
  '%': '18190204081303',
  '=': '00001F001F0000',
  '>': '08040201020408',
  '+': '0004041F040400',
  _: '0000000000001F',
};

/** Pixels per character cell at scale 1 (5 wide plus 1 space; 7 high). */
export const GLYPH_ADVANCE = 6;
export const GLYPH_HEIGHT = 7;

export class Raster {
  readonly data: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    this.data = new Uint8Array(width * height * 4);
    this.fillRect(0, 0, width, height, background);
  }

  setPixel(x: number, y: number, [r, g, b]: Rgb): void {
    const xi = Math.round(x);
    const yi = Math.round(y);
    if (xi < 0 || yi < 0 || xi >= this.width || yi >= this.height) return;
    const i = (yi * this.width + xi) * 4;
    this.data[i] = r;
    this.data[i + 1] = g;
    this.data[i + 2] = b;
    this.data[i + 3] = 255;
  }

  /** The [r, g, b] at (x, y), for tests. */
  pixel(x: number, y: number): Rgb {
    const i = (y * this.width + x) * 4;
    return [this.data[i]!, this.data[i + 1]!, this.data[i + 2]!];
  }

  fillRect(x: number, y: number, w: number, h: number, color: Rgb): void {
    for (let yy = Math.round(y); yy < Math.round(y + h); yy++) {
      for (let xx = Math.round(x); xx < Math.round(x + w); xx++) this.setPixel(xx, yy, color);
    }
  }

  strokeRect(x: number, y: number, w: number, h: number, color: Rgb): void {
    this.line(x, y, x + w, y, color);
    this.line(x + w, y, x + w, y + h, color);
    this.line(x + w, y + h, x, y + h, color);
    this.line(x, y + h, x, y, color);
  }

  /**
   * A line from (x0, y0) to (x1, y1), `width` pixels thick (a square brush stepped along the
   * longer axis, one stamp per pixel); `dash` = [on, off] lengths in pixels along that axis.
   */
  line(x0: number, y0: number, x1: number, y1: number, color: Rgb, width = 1, dash?: readonly [number, number]): void {
    const steps = Math.max(1, Math.round(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    const lo = -Math.floor((width - 1) / 2);
    const hi = lo + width - 1;
    for (let s = 0; s <= steps; s++) {
      if (dash && s % (dash[0] + dash[1]) >= dash[0]) continue;
      const x = Math.round(x0 + ((x1 - x0) * s) / steps);
      const y = Math.round(y0 + ((y1 - y0) * s) / steps);
      for (let dy = lo; dy <= hi; dy++) for (let dx = lo; dx <= hi; dx++) this.setPixel(x + dx, y + dy, color);
    }
  }

  /** Text with its top-left corner at (x, y) (or its top-right with align 'right', top-centre with 'center'). */
  text(x: number, y: number, s: string, color: Rgb, scale = 1, align: 'left' | 'center' | 'right' = 'left'): void {
    const w = textWidth(s, scale);
    let cx = Math.round(align === 'left' ? x : align === 'right' ? x - w : x - w / 2);
    for (const ch of s.toUpperCase()) {
      const rows = GLYPHS[ch] ?? GLYPHS[' ']!;
      for (let r = 0; r < GLYPH_HEIGHT; r++) {
        const bits = parseInt(rows.slice(r * 2, r * 2 + 2), 16);
        for (let c = 0; c < 5; c++) {
          if (bits & (0x10 >> c)) this.fillRect(cx + c * scale, y + r * scale, scale, scale, color);
        }
      }
      cx += GLYPH_ADVANCE * scale;
    }
  }
}

/** Width in pixels of `s` drawn at `scale` (no trailing space). */
export function textWidth(s: string, scale = 1): number {
  return s.length === 0 ? 0 : (s.length * GLYPH_ADVANCE - 1) * scale;
}

/** Whether the font has a glyph for every character of `s` (others are drawn as blanks). */
export function canDraw(s: string): boolean {
  return [...s.toUpperCase()].every((ch) => Object.hasOwn(GLYPHS, ch));
}
