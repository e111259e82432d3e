import type { RenderContext } from './types';

/**
 * Drawing helpers shared by the env pictures. Each env draws in Gymnasium's own screen
 * coordinates (e.g. 600 x 400 pixels for CartPole, y pointing up as after pygame's final flip),
 * and `beginScene` maps that screen onto whatever canvas it gets, letterboxed. Only plain 2D
 * context calls, so it works on a page canvas and on an OffscreenCanvas in a worker.
 */

export type Point = readonly [number, number];

/** pygame's `Vector2.rotate_rad`: counter-clockwise rotation in y-up coordinates. */
export function rotate(x: number, y: number, angle: number): Point {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return [x * c - y * s, x * s + y * c];
}

/** Clears the canvas to white and maps Gymnasium's `screenWidth x screenHeight` (y up) onto it. */
export function beginScene(ctx: RenderContext, screenWidth: number, screenHeight: number): void {
  const { width, height } = ctx.canvas;
  const scale = Math.min(width / screenWidth, height / screenHeight);
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  ctx.translate((width - screenWidth * scale) / 2, (height + screenHeight * scale) / 2);
  ctx.scale(scale, -scale);
  ctx.lineWidth = 1;
}

export function endScene(ctx: RenderContext): void {
  ctx.restore();
}

export function fillPolygon(ctx: RenderContext, points: readonly Point[], color: string): void {
  const first = points[0];
  if (!first) return;
  ctx.beginPath();
  ctx.moveTo(first[0], first[1]);
  for (let k = 1; k < points.length; k++) {
    const p = points[k]!;
    ctx.lineTo(p[0], p[1]);
  }
  ctx.closePath();
  ctx.fillStyle = color;
  ctx.fill();
}

export function fillCircle(ctx: RenderContext, x: number, y: number, radius: number, color: string): void {
  ctx.beginPath();
  ctx.arc(x, y, radius, 0, 2 * Math.PI);
  ctx.fillStyle = color;
  ctx.fill();
}

export function strokePolyline(ctx: RenderContext, points: readonly Point[], color: string, width = 1): void {
  const first = points[0];
  if (!first) return;
  ctx.beginPath();
  ctx.moveTo(first[0], first[1]);
  for (let k = 1; k < points.length; k++) {
    const p = points[k]!;
    ctx.lineTo(p[0], p[1]);
  }
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.stroke();
}

/** A rectangle `[l, r] x [b, t]` rotated by `angle` about the origin, then moved to (x, y). */
export function rotatedRect(l: number, r: number, t: number, b: number, angle: number, x: number, y: number): Point[] {
  const corners: Point[] = [
    [l, b],
    [l, t],
    [r, t],
    [r, b],
  ];
  return corners.map(([cx, cy]) => {
    const [rx, ry] = rotate(cx, cy, angle);
    return [rx + x, ry + y] as const;
  });
}
