import { html, raw, type SafeHtml } from '../http/html';
import type { DailySeries } from './stats';

/**
 * Charts drawn on the server as inline SVG: no chart library, no script, a few kilobytes.
 * Colours are the Okabe–Ito palette (distinguishable with colour-blindness) and every chart
 * has its numbers as a table beside it, for screen readers and for anyone who wants them.
 */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00'];

const WIDTH = 640;
const HEIGHT = 220;
const PAD = { top: 12, right: 32, bottom: 28, left: 36 };

/** A short day label: `28 Nov`. */
function dayLabel(day: string): string {
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(new Date(`${day}T00:00:00Z`));
}

/** A round number at or above `max` for the top of the axis (1, 2, 5, 10, 20, 50, …). */
function niceCeiling(max: number): number {
  if (max <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((step) => step * magnitude).find((candidate) => candidate >= max) ?? 10 * magnitude;
}

/**
 * A stacked bar chart of counts per day, one colour per series, with a legend and the numbers
 * as a table. `label` names each series key; `id` makes the element ids unique on the page.
 */
export function stackedBars(id: string, title: string, data: DailySeries, label: (key: string | null) => string): SafeHtml {
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const totals = data.days.map((_, index) => data.series.reduce((sum, series) => sum + series.counts[index], 0));
  const top = niceCeiling(Math.max(0, ...totals));
  const slot = plotWidth / Math.max(1, data.days.length);
  const barWidth = Math.max(1, slot * 0.7);
  const y = (value: number) => PAD.top + plotHeight - (value / top) * plotHeight;

  const bars: string[] = [];
  data.days.forEach((_, index) => {
    let base = 0;
    data.series.forEach((series, seriesIndex) => {
      const value = series.counts[index];
      if (value === 0) return;
      const x = PAD.left + index * slot + (slot - barWidth) / 2;
      bars.push(`<rect x="${x.toFixed(1)}" y="${y(base + value).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(y(base) - y(base + value)).toFixed(1)}" fill="${PALETTE[seriesIndex % PALETTE.length]}"/>`);
      base += value;
    });
  });
  // Whole numbers only: the middle line only when the top is even.
  const ticks = [0, ...(top % 2 === 0 ? [top / 2] : []), top].map(
    (value) =>
      `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(value).toFixed(1)}" y2="${y(value).toFixed(1)}" stroke="#c9cdc4"/>` +
      `<text x="${PAD.left - 6}" y="${(y(value) + 4).toFixed(1)}" text-anchor="end">${value}</text>`,
  );
  const every = Math.max(1, Math.ceil(data.days.length / 6));
  const labels = data.days
    .map((day, index) => ({ day, index }))
    .filter(({ index }) => (data.days.length - 1 - index) % every === 0)
    .map(({ day, index }) => `<text x="${(PAD.left + index * slot + slot / 2).toFixed(1)}" y="${HEIGHT - 8}" text-anchor="middle">${dayLabel(day)}</text>`);
  const total = data.series.reduce((sum, series) => sum + series.total, 0);
  const summary = `${title}: ${total} requests in ${data.days.length} days`;

  return html`<figure class="chart" aria-labelledby="${id}-title">
  <figcaption id="${id}-title">${title}</figcaption>
  <svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${summary}" focusable="false">${raw(ticks.join('') + bars.join('') + labels.join(''))}</svg>
  ${
    data.series.length === 0
      ? html`<p class="hint">No requests in this period.</p>`
      : html`<ul class="legend">${data.series.map(
          (series, index) =>
            html`<li><svg class="swatch" viewBox="0 0 10 10" aria-hidden="true" focusable="false"><rect width="10" height="10" fill="${PALETTE[index % PALETTE.length]}"/></svg>${label(series.key)} (${series.total})</li>`,
        )}</ul>`
  }
  <details>
    <summary>${title} as a table</summary>
    <div class="table-wrap" tabindex="0" role="region" aria-label="${title} as a table">
      <table>
        <thead><tr><th scope="col">Day</th>${data.series.map((series) => html`<th scope="col">${label(series.key)}</th>`)}</tr></thead>
        <tbody>${data.days.map((day, index) => html`<tr><th scope="row">${dayLabel(day)}</th>${data.series.map((series) => html`<td>${series.counts[index]}</td>`)}</tr>`)}</tbody>
      </table>
    </div>
  </details>
</figure>`;
}

/** A horizontal bar of a broadcast's progress, as server-rendered fallback for the script's live one. */
export function progressBar(id: string, done: number, total: number, stopped = false): SafeHtml {
  const max = Math.max(total, 1);
  return html`<progress id="${id}"${stopped ? html` class="stopped"` : ''} max="${max}" value="${Math.min(done, max)}" aria-label="Messages sent">${done} of ${total}</progress>`;
}
