import { stackedBars } from '../../src/console/charts';
import { duration } from '../../src/console/broadcasts';
import { dayAxis, OTHER, toSeries } from '../../src/console/stats';
import { html } from '../../src/http/html';

describe('the dashboard numbers and charts', () => {
  it('lays days out oldest first, across a month end', () => {
    expect(dayAxis('2026-12-02', 4)).toEqual(['2026-11-29', '2026-11-30', '2026-12-01', '2026-12-02']);
  });

  it('keeps the four biggest series and sums the rest as one, biggest first', () => {
    const axis = dayAxis('2026-11-28', 2);
    const rows = ['a', 'b', 'c', 'd', 'e', 'f'].flatMap((key, index) => [{ day: '2026-11-28', key, n: 10 - index }]);
    rows.push({ day: '2026-11-27', key: 'f', n: 1 }, { day: '2025-01-01', key: 'a', n: 99 });
    const data = toSeries(axis, rows);
    expect(data.series.map((series) => series.key)).toEqual(['a', 'b', 'c', 'd', OTHER]);
    expect(data.series[4]).toEqual({ key: OTHER, counts: [1, 6 + 5], total: 12 });
    expect(data.series[0].counts).toEqual([0, 10]);
  });

  it('draws stacked bars with a legend and a table, escaping every name', () => {
    const data = toSeries(dayAxis('2026-11-28', 3), [
      { day: '2026-11-28', key: 'x', n: 3 },
      { day: '2026-11-27', key: null, n: 1 },
    ]);
    const chart = stackedBars('t', 'Requests <per> day', data, (key) => (key === null ? 'Not given' : '<b>X</b>')).value;
    expect(chart).toContain('aria-label="Requests &#60;per&#62; day: 4 requests in 3 days"');
    expect(chart).toContain('&#60;b&#62;X&#60;/b&#62; (3)');
    expect(chart).not.toContain('<b>X</b>');
    expect(chart.match(/<rect x=/g)).toHaveLength(2);
    expect(chart).toContain('<th scope="row">28 Nov</th><td>3</td><td>0</td>');
  });

  it('says so when a period has no requests', () => {
    expect(stackedBars('e', 'Empty', toSeries(dayAxis('2026-11-28', 7), []), String).value).toContain('No requests in this period.');
  });

  it('tells how long a broadcast takes in words', () => {
    expect([duration(45), duration(61), duration(3600), duration(7500)]).toEqual(['45 s', '2 min', '1 h 0 min', '2 h 5 min']);
  });

  it('escapes interpolated text but keeps markup made by html itself', () => {
    expect(html`<p title="${'"x"'}">${html`<i>${'<y>'}</i>`}${['a', '&']}${null}${false}</p>`.value).toBe('<p title="&#34;x&#34;"><i>&#60;y&#62;</i>a&#38;</p>');
  });
});
