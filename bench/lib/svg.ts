// Small, dependency-free SVG charts for docs/benchmarks.md: lines over a shared x axis (log scale
// for concurrency and table sizes) and a latency histogram. Plain shapes and text, so the files
// render on GitHub and in any browser without scripts or fonts.

export interface Series {
  name: string;
  points: { x: number; y: number }[];
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  width?: number;
  height?: number;
}

const COLORS = ['#1f5fd1', '#d1591f', '#2a9d4b', '#8a3fd1', '#6b7280'];
const MARGIN = { left: 70, right: 180, top: 40, bottom: 50 };

export function escapeXml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

function frame(width: number, height: number, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12"><rect width="100%" height="100%" fill="#fff"/>${body}</svg>\n`;
}

/** Round tick values for a linear axis from 0 to max. */
function linearTicks(max: number): number[] {
  const rough = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough || 1));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? rough;
  const ticks: number[] = [];
  for (let value = 0; value <= max * 1.0001; value += step) ticks.push(value);
  return ticks;
}

function formatTick(value: number): string {
  if (value >= 1e6) return `${+(value / 1e6).toFixed(1)}M`;
  if (value >= 1e3) return `${+(value / 1e3).toFixed(1)}k`;
  return `${+value.toFixed(2)}`;
}

export function lineChart(series: Series[], options: LineChartOptions): string {
  const width = options.width ?? 760;
  const height = options.height ?? 340;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = series.flatMap((s) => s.points.map((p) => p.y));
  if (xs.length === 0) return frame(width, 60, `<text x="20" y="35">${escapeXml(options.title)}: no data</text>`);
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  const xValue = (x: number) => (options.logX ? Math.log10(x) : x);
  const xSpan = xValue(xMax) - xValue(xMin) || 1;
  const yTicks = linearTicks(Math.max(...ys, 1e-9));
  const yMax = yTicks.at(-1) ?? 1;
  const px = (x: number) => MARGIN.left + ((xValue(x) - xValue(xMin)) / xSpan) * plotW;
  const py = (y: number) => MARGIN.top + plotH - (y / yMax) * plotH;

  let body = `<text x="${MARGIN.left}" y="22" font-size="14" font-weight="bold">${escapeXml(options.title)}</text>`;
  for (const tick of yTicks) {
    body += `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${py(tick).toFixed(1)}" y2="${py(tick).toFixed(1)}" stroke="#e5e7eb"/>`;
    body += `<text x="${MARGIN.left - 6}" y="${(py(tick) + 4).toFixed(1)}" text-anchor="end">${formatTick(tick)}</text>`;
  }
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
    body += `<text x="${px(x).toFixed(1)}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${formatTick(x)}</text>`;
  }
  body += `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}" stroke="#333"/>`;
  body += `<text x="${MARGIN.left + plotW / 2}" y="${height - 10}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`;
  body += `<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`;
  series.forEach((s, index) => {
    const color = COLORS[index % COLORS.length]!;
    const points = [...s.points].sort((a, b) => a.x - b.x);
    body += `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ')}"/>`;
    for (const p of points) body += `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${color}"/>`;
    const legendY = MARGIN.top + 10 + index * 18;
    body += `<rect x="${width - MARGIN.right + 16}" y="${legendY - 9}" width="12" height="12" fill="${color}"/>`;
    body += `<text x="${width - MARGIN.right + 34}" y="${legendY + 1}">${escapeXml(s.name)}</text>`;
  });
  return frame(width, height, body);
}

/** A histogram of latencies in fixed-width bins, with the percentiles the text quotes marked. */
export function histogram(valuesMs: number[], options: { title: string; binMs: number; marks?: { label: string; ms: number }[]; width?: number }): string {
  const width = options.width ?? 760;
  const height = 260;
  if (valuesMs.length === 0) return frame(width, 60, `<text x="20" y="35">${escapeXml(options.title)}: no data</text>`);
  const bins = new Map<number, number>();
  for (const ms of valuesMs) bins.set(Math.floor(ms / options.binMs), (bins.get(Math.floor(ms / options.binMs)) ?? 0) + 1);
  const binCount = Math.max(...bins.keys()) + 1;
  const maxCount = Math.max(...bins.values());
  const plotW = width - MARGIN.left - 40;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const barW = plotW / binCount;
  const base = MARGIN.top + plotH;
  let body = `<text x="${MARGIN.left}" y="22" font-size="14" font-weight="bold">${escapeXml(options.title)}</text>`;
  for (const [bin, count] of bins) {
    const h = (plotH * count) / maxCount;
    body += `<rect x="${(MARGIN.left + bin * barW).toFixed(1)}" y="${(base - h).toFixed(1)}" width="${Math.max(1, barW - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="#1f5fd1"/>`;
  }
  body += `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${base}" y2="${base}" stroke="#333"/>`;
  const labelEvery = Math.max(1, Math.ceil(binCount / 10));
  for (let bin = 0; bin <= binCount; bin += labelEvery) {
    body += `<text x="${(MARGIN.left + bin * barW).toFixed(1)}" y="${base + 16}" text-anchor="middle">${formatTick(bin * options.binMs)}</text>`;
  }
  body += `<text x="${MARGIN.left - 6}" y="${MARGIN.top + 4}" text-anchor="end">${maxCount}</text>`;
  body += `<text x="${MARGIN.left + plotW / 2}" y="${height - 10}" text-anchor="middle">milliseconds</text>`;
  for (const mark of options.marks ?? []) {
    const x = MARGIN.left + (mark.ms / options.binMs) * barW;
    body += `<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${MARGIN.top}" y2="${base}" stroke="#d1591f" stroke-dasharray="4 3"/>`;
    body += `<text x="${(x + 4).toFixed(1)}" y="${MARGIN.top + 12}" fill="#d1591f">${escapeXml(mark.label)}</text>`;
  }
  return frame(width, height, body);
}
