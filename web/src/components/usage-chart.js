// The Usage screen's chart: cost by day as bars (uPlot). The bars are decoration for sighted people; the figure's
// label says what they show and the table beside it holds every number.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../html.js';
import { dailySeries, describeSeries, drawCostChart } from '../usage/chart.js';

export function CostChart({ rows, from, to }) {
  const box = useRef(null);
  const [failed, setFailed] = useState(false);
  const data = dailySeries(rows, from, to);
  const key = JSON.stringify(data);

  useEffect(() => {
    let plot = null;
    let gone = false;
    setFailed(false);
    drawCostChart(box.current, data).then(
      (drawn) => (gone ? drawn.destroy() : (plot = drawn)),
      () => !gone && setFailed(true),
    );
    return () => {
      gone = true;
      plot?.destroy();
    };
  }, [key]);

  return html`
    <figure class="usage-chart" aria-label=${describeSeries(data)}>
      <div class="usage-chart-plot" ref=${box} aria-hidden="true" data-days=${data[0].length}></div>
      ${failed && html`<p class="muted">The chart could not be drawn; the table below has every number.</p>`}
    </figure>
  `;
}
