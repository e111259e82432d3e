/**
 * curve.png: episode return mean vs env steps, drawn in the page on an OffscreenCanvas (Node has
 * no canvas) and returned as a PNG data URL. `drawCurvePng` runs inside the page through
 * page.evaluate, so it must be self-contained: no imports, no outer variables.
 */

export interface CurveInput {
  /** [env steps, episode return mean] per iteration; NaN returns (no episode yet) are skipped. */
  readonly points: readonly (readonly [number, number])[];
  readonly title: string;
  /** The reward stop criterion, drawn as a dashed line. */
  readonly target: number | null;
  readonly width: number;
  readonly height: number;
}

/** Page-side: draws the chart and resolves to a `data:image/png;base64,...` URL. */
export async function drawCurvePng(input: CurveInput): Promise<string> {
  const { width, height, title, target } = input;
  const pts = input.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('OffscreenCanvas 2d context is not available');
  const m = { left: 72, right: 24, top: 44, bottom: 56 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = '#111111';
  ctx.font = 'bold 16px sans-serif';
  ctx.textAlign = 'center';
  ctx.fillText(title, width / 2, 26);

  const ys = pts.map(([, y]) => y).concat(target === null ? [] : [target]);
  // Reductions, not Math.max(...xs): a long run has more points than a call takes arguments.
  const xMax = pts.reduce((m, [x]) => Math.max(m, x), 1);
  let yMin = ys.reduce((m, y) => Math.min(m, y), 0);
  let yMax = ys.length ? ys.reduce((m, y) => Math.max(m, y), -Infinity) : 1;
  if (yMax - yMin < 1e-9) [yMin, yMax] = [yMin - 1, yMax + 1];
  const pad = (yMax - yMin) * 0.05;
  yMin = yMin < 0 ? yMin - pad : yMin;
  yMax += pad;
  const px = (x: number): number => m.left + (x / xMax) * plotW;
  const py = (y: number): number => m.top + (1 - (y - yMin) / (yMax - yMin)) * plotH;
  // "Nice" tick step (1, 2 or 5 times a power of ten) for about `n` ticks.
  const step = (span: number, n: number): number => {
    const raw = span / n;
    const mag = 10 ** Math.floor(Math.log10(raw));
    return [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? raw;
  };
  const fmt = (v: number): string =>
    Math.abs(v) >= 1e6 ? `${v / 1e6}M` : Math.abs(v) >= 1e3 ? `${v / 1e3}k` : String(Math.round(v * 100) / 100);

  ctx.font = '12px sans-serif';
  ctx.lineWidth = 1;
  const yStep = step(yMax - yMin, 6);
  ctx.textAlign = 'right';
  for (let y = Math.ceil(yMin / yStep) * yStep; y <= yMax; y += yStep) {
    ctx.strokeStyle = '#e5e5e5';
    ctx.beginPath();
    ctx.moveTo(m.left, py(y));
    ctx.lineTo(m.left + plotW, py(y));
    ctx.stroke();
    ctx.fillText(fmt(y), m.left - 8, py(y) + 4);
  }
  const xStep = step(xMax, 6);
  ctx.textAlign = 'center';
  for (let x = 0; x <= xMax; x += xStep) {
    ctx.strokeStyle = '#e5e5e5';
    ctx.beginPath();
    ctx.moveTo(px(x), m.top);
    ctx.lineTo(px(x), m.top + plotH);
    ctx.stroke();
    ctx.fillText(fmt(x), px(x), m.top + plotH + 18);
  }
  ctx.strokeStyle = '#333333';
  ctx.strokeRect(m.left, m.top, plotW, plotH);
  ctx.fillText('env steps (num_env_steps_sampled_lifetime)', m.left + plotW / 2, height - 14);
  ctx.save();
  ctx.translate(18, m.top + plotH / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText('episode return mean', 0, 0);
  ctx.restore();

  if (target !== null) {
    ctx.strokeStyle = '#2a9d4b';
    ctx.setLineDash([6, 4]);
    ctx.beginPath();
    ctx.moveTo(m.left, py(target));
    ctx.lineTo(m.left + plotW, py(target));
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = '#2a9d4b';
    ctx.textAlign = 'left';
    ctx.fillText(`stop reward ${target}`, m.left + 6, py(target) - 6);
  }
  if (pts.length === 0) {
    ctx.fillStyle = '#777777';
    ctx.textAlign = 'center';
    ctx.fillText('no episode finished yet', m.left + plotW / 2, m.top + plotH / 2);
  } else {
    ctx.strokeStyle = '#1f5fbf';
    ctx.lineWidth = 2;
    ctx.beginPath();
    pts.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(px(x), py(y)) : ctx.lineTo(px(x), py(y))));
    ctx.stroke();
    ctx.fillStyle = '#1f5fbf';
    for (const [x, y] of pts) ctx.fillRect(px(x) - 2, py(y) - 2, 4, 4);
  }

  const blob = await canvas.convertToBlob({ type: 'image/png' });
  return await new Promise<string>((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(typeof reader.result === 'string' ? reader.result : '');
    reader.onerror = () => reject(new Error('could not encode curve.png'));
    reader.readAsDataURL(blob);
  });
}

/** Node-side: the PNG bytes of a data URL. */
export function pngFromDataUrl(url: string): Buffer {
  const prefix = 'data:image/png;base64,';
  if (!url.startsWith(prefix)) throw new Error('the page did not return a PNG data URL');
  return Buffer.from(url.slice(prefix.length), 'base64');
}
