/**
 * Small charts drawn as inline SVG (no library, nothing fetched): a line for a time series, bars for
 * counts or durations. Each chart is an image with a title and a text summary for screen readers.
 */
import type { SamplePoint } from '../control/views.js';
import { esc } from './html.js';

const W = 320;
const H = 120;
const PAD = { left: 52, right: 8, top: 8, bottom: 18 };

function frame(id: string, title: string, summary: string, inner: string, maxLabel: string): string {
  const x0 = PAD.left;
  const y1 = H - PAD.bottom;
  return `<figure class="chart"><svg viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${id}-t ${id}-d" preserveAspectRatio="none">`
    + `<title id="${id}-t">${esc(title)}</title><desc id="${id}-d">${esc(summary)}</desc>`
    + `<line class="axis" x1="${x0}" y1="${PAD.top}" x2="${x0}" y2="${y1}"/><line class="axis" x1="${x0}" y1="${y1}" x2="${W - PAD.right}" y2="${y1}"/>`
    + `<text class="tick" x="${x0 - 4}" y="${PAD.top + 8}" text-anchor="end">${esc(maxLabel)}</text>`
    + `<text class="tick" x="${x0 - 4}" y="${y1}" text-anchor="end">0</text>${inner}</svg>`
    + `<figcaption>${esc(title)}</figcaption></figure>`;
}

function empty(title: string): string {
  return `<figure class="chart"><p class="muted">No data yet.</p><figcaption>${esc(title)}</figcaption></figure>`;
}

function scale(points: readonly SamplePoint[]): { x: (at: number) => number; y: (v: number) => number; max: number } {
  const t0 = points[0]!.at;
  const t1 = points[points.length - 1]!.at;
  const max = Math.max(1, ...points.map((p) => p.value));
  const span = Math.max(1, t1 - t0);
  return {
    x: (at) => PAD.left + ((at - t0) / span) * (W - PAD.left - PAD.right),
    y: (v) => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom),
    max,
  };
}

/** A step line over time (a count that holds until the next sample). */
export function lineChart(id: string, title: string, points: readonly SamplePoint[], unit = ''): string {
  if (points.length === 0) return empty(title);
  const s = scale(points);
  const coords: string[] = [];
  points.forEach((p, i) => {
    if (i > 0) coords.push(`${s.x(p.at).toFixed(1)},${s.y(points[i - 1]!.value).toFixed(1)}`);
    coords.push(`${s.x(p.at).toFixed(1)},${s.y(p.value).toFixed(1)}`);
  });
  const last = points[points.length - 1]!;
  const summary = `${points.length} samples, latest ${last.value}${unit}, highest ${Math.max(...points.map((p) => p.value))}${unit}`;
  return frame(id, title, summary, `<polyline class="line" points="${coords.join(' ')}"/>`, `${s.max}${unit}`);
}

/** One bar per value, left to right in the order given. */
export function barChart(id: string, title: string, values: readonly number[], unit = '', labels?: readonly string[]): string {
  if (values.length === 0) return empty(title);
  const max = Math.max(...values, Number.MIN_VALUE);
  const slot = (W - PAD.left - PAD.right) / values.length;
  const bars = values.map((v, i) => {
    const h = (v / max) * (H - PAD.top - PAD.bottom);
    const label = labels?.[i] ? `${labels[i]}: ` : '';
    return `<rect class="bar" x="${(PAD.left + i * slot + slot * 0.1).toFixed(1)}" y="${(H - PAD.bottom - h).toFixed(1)}" width="${(slot * 0.8).toFixed(1)}" height="${h.toFixed(1)}"><title>${esc(`${label}${v}${unit}`)}</title></rect>`;
  }).join('');
  const summary = `${values.length} values, highest ${Math.round(max * 100) / 100}${unit}, latest ${values[values.length - 1]}${unit}`;
  return frame(id, title, summary, bars, `${Math.round(max * 100) / 100}${unit}`);
}
