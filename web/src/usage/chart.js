// Cost by day as bars, drawn by uPlot (an ES module under /vendor/uplot, loaded the first time a chart shows, with
// its stylesheet). No markup here: `drawCostChart` fills an element and returns the plot, which the caller destroys.
import { daysBetween, parseDay } from './period.js';
import { dayText, money } from './format.js';

const STYLESHEET = '/vendor/uplot/dist/uPlot.min.css';
const DAY_SECONDS = 86_400;
const DAY_STEPS = [1, 2, 7, 14, 28, 56, 91, 182, 364].map((days) => days * DAY_SECONDS);
let loading = null;

/** uPlot itself, imported once (and its stylesheet linked once). */
export function loadUplot() {
  if (!loading) {
    if (!document.querySelector(`link[href="${STYLESHEET}"]`)) {
      document.head.append(Object.assign(document.createElement('link'), { rel: 'stylesheet', href: STYLESHEET }));
    }
    loading = import('uplot').then((module) => module.default);
  }
  return loading;
}

/** `[x (seconds at local midnight), cost]` for every day of the period, 0 where nothing was recorded. */
export function dailySeries(rows, from, to) {
  const costs = new Map(rows.map((row) => [row.key, Number(row.costUsd) || 0]));
  const days = daysBetween(from, to);
  return [days.map((day) => parseDay(day).getTime() / 1000), days.map((day) => costs.get(day) ?? 0)];
}

/** "Cost by day, 1 Mar to 31 Mar: $4.20 in all, the most $1.10 on 9 Mar." for screen readers. */
export function describeSeries([xs, costs]) {
  if (!xs.length) return 'Cost by day: no days in this period.';
  const dayOf = (x) => dayText(isoFromSeconds(x));
  const total = costs.reduce((sum, cost) => sum + cost, 0);
  const top = costs.indexOf(Math.max(...costs));
  const range = `Cost by day, ${dayOf(xs[0])} to ${dayOf(xs.at(-1))}: ${money(total)} in all`;
  return total ? `${range}, the most ${money(costs[top])} on ${dayOf(xs[top])}.` : `${range}.`;
}

function isoFromSeconds(seconds) {
  const date = new Date(seconds * 1000);
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function palette(element) {
  const style = getComputedStyle(element);
  const read = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
  return { accent: read('--accent', '#4f46e5'), muted: read('--muted', '#5d6170'), border: read('--border', '#e3e4ea') };
}

const heightFor = (width) => Math.max(180, Math.min(280, Math.round(width * 0.4)));

function options(uPlot, element, width) {
  const colours = palette(element);
  const axis = { stroke: colours.muted, grid: { stroke: colours.border, width: 1 }, ticks: { stroke: colours.border } };
  return {
    width,
    height: heightFor(width),
    padding: [12, 12, 0, 4],
    scales: {
      // Half a day either side, so the first and last bars are whole.
      x: { time: true, range: (u, min, max) => [min - DAY_SECONDS / 2, max + DAY_SECONDS / 2] },
      y: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] },
    },
    axes: [
      // Ticks on whole days only (uPlot would pick hours on a short period), labelled "9 Mar".
      { ...axis, space: 56, incrs: DAY_STEPS, values: (u, ticks) => ticks.map((x) => dayText(isoFromSeconds(x))) },
      { ...axis, size: 64, values: (u, ticks) => ticks.map((value) => money(value)) },
    ],
    series: [
      { label: 'Day', value: (u, x) => (x == null ? '–' : dayText(isoFromSeconds(x), { long: true })) },
      {
        label: 'Cost',
        stroke: colours.accent,
        fill: colours.accent,
        width: 0, // no outline: a day without cost draws nothing
        paths: uPlot.paths.bars({ size: [0.7, 48], align: 0 }),
        points: { show: false },
        value: (u, cost) => (cost == null ? '–' : money(cost)),
      },
    ],
    cursor: { points: { show: false }, drag: { x: false, y: false } },
  };
}

/** Draws the bars into `element` at its width; the plot follows the element's width until destroyed. */
export async function drawCostChart(element, data) {
  const uPlot = await loadUplot();
  const plot = new uPlot(options(uPlot, element, element.clientWidth || 600), data, element);
  const resize = new ResizeObserver(() => {
    const width = element.clientWidth;
    if (width && width !== plot.width) plot.setSize({ width, height: heightFor(width) });
  });
  resize.observe(element);
  const destroy = plot.destroy.bind(plot);
  plot.destroy = () => {
    resize.disconnect();
    destroy();
  };
  return plot;
}
