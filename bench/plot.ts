/**
 * Draws docs/benchmarks.svg from bench/results/*.json: median throughput of every target next to
 * its peer, and the distribution of revocation propagation latencies between two nodes.
 * Run after the benchmarks: `npx tsx bench/plot.ts`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const results = (name: string): any => {
  const file = path.join(root, 'bench/results', `${name}.json`);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined;
};
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

interface Bar {
  group: string;
  label: string;
  rps: number;
}

function bars(): Bar[] {
  const out: Bar[] = [];
  const add = (group: string, targets: { name: string; rounds?: { rps: number }[] }[] | undefined) => {
    for (const t of targets ?? []) out.push({ group, label: t.name, rps: median((t.rounds ?? []).map((r) => r.rps)) });
  };
  add('token endpoint (client_credentials)', results('token-throughput')?.targets);
  add('refresh and password grants', results('sign-in')?.targets);
  add('gateway', results('gateway')?.overhead?.targets);
  return out;
}

function escape(text: string): string {
  return text.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
}

function barChart(data: Bar[], x0: number, y0: number, width: number): { svg: string; height: number } {
  const max = Math.max(...data.map((b) => b.rps), 1);
  const row = 22;
  let y = y0;
  let svg = `<text x="${x0}" y="${y}" font-weight="bold">Median throughput (req/s, one run, 32 connections)</text>`;
  y += 12;
  let group = '';
  for (const bar of data) {
    if (bar.group !== group) {
      group = bar.group;
      y += 18;
      svg += `<text x="${x0}" y="${y}" fill="#555">${escape(group)}</text>`;
      y += 6;
    }
    const w = Math.max(1, ((width - 260) * bar.rps) / max);
    svg += `<text x="${x0 + 150}" y="${y + 15}" text-anchor="end">${escape(bar.label)}</text>`;
    svg += `<rect x="${x0 + 160}" y="${y + 3}" width="${w.toFixed(1)}" height="16" fill="${bar.label.startsWith('g') ? '#1f5fd1' : '#9aa3b5'}"/>`;
    svg += `<text x="${(x0 + 166 + w).toFixed(1)}" y="${y + 15}">${Math.round(bar.rps).toLocaleString('en')}</text>`;
    y += row;
  }
  return { svg, height: y - y0 + 10 };
}

function histogram(latencies: number[], x0: number, y0: number, width: number): { svg: string; height: number } {
  if (latencies.length === 0) return { svg: '', height: 0 };
  const binMs = 2;
  const bins = new Map<number, number>();
  for (const ms of latencies) bins.set(Math.floor(ms / binMs), (bins.get(Math.floor(ms / binMs)) ?? 0) + 1);
  const maxBin = Math.max(...bins.keys());
  const maxCount = Math.max(...bins.values());
  const h = 120;
  const barW = (width - 60) / (maxBin + 1);
  let svg = `<text x="${x0}" y="${y0}" font-weight="bold">Revocation propagation, node A → node B (${latencies.length} revocations, ms after A answered)</text>`;
  const base = y0 + 20 + h;
  for (const [bin, count] of bins) {
    const bh = (h * count) / maxCount;
    svg += `<rect x="${(x0 + 40 + bin * barW).toFixed(1)}" y="${(base - bh).toFixed(1)}" width="${Math.max(1, barW - 1).toFixed(1)}" height="${bh.toFixed(1)}" fill="#1f5fd1"/>`;
  }
  svg += `<line x1="${x0 + 40}" y1="${base}" x2="${x0 + width - 20}" y2="${base}" stroke="#333"/>`;
  for (let ms = 0; ms < (maxBin + 1) * binMs; ms += Math.max(binMs, Math.ceil(((maxBin + 1) * binMs) / 8 / binMs) * binMs)) {
    svg += `<text x="${(x0 + 40 + (ms / binMs) * barW).toFixed(1)}" y="${base + 16}" text-anchor="middle" font-size="11">${ms}</text>`;
  }
  svg += `<text x="${x0 + 30}" y="${y0 + 30}" text-anchor="end" font-size="11">${maxCount}</text>`;
  return { svg, height: h + 50 };
}

const width = 760;
const chart = barChart(bars(), 20, 30, width);
const raw: number[] = results('gateway')?.revocation?.raw?.fromRevokeResponseMs ?? [];
const hist = histogram(raw, 20, 30 + chart.height + 20, width);
const height = 30 + chart.height + 20 + hist.height + 20;
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="13"><rect width="100%" height="100%" fill="#fff"/>${chart.svg}${hist.svg}</svg>\n`;
fs.writeFileSync(path.join(root, 'docs/benchmarks.svg'), svg);
console.log(`wrote docs/benchmarks.svg (${raw.length} propagation samples)`);
