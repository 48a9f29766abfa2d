import type { MetricFigure } from '../domain/reports/report-facts.ts';

/**
 * One watched metric over the run, as an inline SVG drawn on the server (the page needs no JavaScript):
 * the readings as a line, the trigger's limit dashed red, the baseline dotted grey. Unmeasured checks
 * leave a gap. The SVG has a <title> and a text summary beside it, for screen readers.
 */
const WIDTH = 600;
const HEIGHT = 160;
const PAD = 28;

export function metricChart(figure: MetricFigure): string {
  const measured = figure.points.filter((point) => point.value !== null);
  if (measured.length === 0) return '';
  const times = figure.points.map((point) => Date.parse(point.at));
  const values = [
    ...measured.map((point) => point.value!),
    ...(figure.limit === null ? [] : [figure.limit]),
    ...(figure.baseline === null ? [] : [figure.baseline]),
  ];
  const [t0, t1] = [Math.min(...times), Math.max(...times)];
  const [low, high] = [Math.min(0, ...values), Math.max(...values) * 1.1 || 1];
  const x = (t: number) => PAD + ((t - t0) / (t1 - t0 || 1)) * (WIDTH - 2 * PAD);
  const y = (v: number) => HEIGHT - PAD - ((v - low) / (high - low || 1)) * (HEIGHT - 2 * PAD);
  const segments: string[][] = [[]];
  for (const point of figure.points) {
    if (point.value === null) segments.push([]);
    else segments.at(-1)!.push(`${x(Date.parse(point.at)).toFixed(1)},${y(point.value).toFixed(1)}`);
  }
  const line = (value: number, css: string, label: string) =>
    `<line x1="${PAD}" x2="${WIDTH - PAD}" y1="${y(value).toFixed(1)}" y2="${y(value).toFixed(1)}" class="${css}"/><text x="${WIDTH - PAD}" y="${(y(value) - 4).toFixed(1)}" text-anchor="end" class="label">${label} ${round(value)}</text>`;
  const name = escapeXml(figure.metric);
  return [
    `<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="chart-${name}" class="chart" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="chart-${name}">${name} over the run: last ${round(figure.last)}, peak ${round(figure.peak)}${figure.limit === null ? '' : `, limit ${round(figure.limit)}`}${figure.baseline === null ? '' : `, baseline ${round(figure.baseline)}`}</title>`,
    `<rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" class="frame"/>`,
    ...(figure.limit === null ? [] : [line(figure.limit, 'limit', 'limit')]),
    ...(figure.baseline === null ? [] : [line(figure.baseline, 'baseline', 'baseline')]),
    ...segments.filter((segment) => segment.length).map((segment) => `<polyline points="${segment.join(' ')}" class="reading"/>`),
    ...measured.map((point) => `<circle cx="${x(Date.parse(point.at)).toFixed(1)}" cy="${y(point.value!).toFixed(1)}" r="2.5" class="reading-dot"/>`),
    `<text x="${PAD}" y="${HEIGHT - 8}" class="label">${figure.points[0]!.at.slice(11, 19)}</text>`,
    `<text x="${WIDTH - PAD}" y="${HEIGHT - 8}" text-anchor="end" class="label">${figure.points.at(-1)!.at.slice(11, 19)} UTC</text>`,
    '</svg>',
  ].join('');
}

function round(value: number | null): string {
  return value === null ? 'not measured' : String(Math.round(value * 1000) / 1000);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
