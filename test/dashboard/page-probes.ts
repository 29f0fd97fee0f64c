/**
 * What the browser test reads out of the page: Chart.js's own data and layout, tiles and tables.
 * Each function runs inside the page (`page.evaluate`), so it only uses what the page has.
 */
import type { Page } from 'playwright-core';

export interface ChartData {
  daily: { labels: string[]; newUsers: number[]; returning: number[] };
  scenes: { labels: string[]; visits: number[] };
  shares: { labels: string[]; shares: number[] };
  userDaily: { newUsers: number[]; returning: number[] };
}

export const charts = (page: Page) =>
  page.evaluate((): ChartData => {
    const { charts: c } = (window as any).promoTrackDashboard;
    return {
      daily: { labels: c.daily.data.labels, newUsers: c.daily.data.datasets[0].data, returning: c.daily.data.datasets[1].data },
      scenes: { labels: c.scenes.data.labels, visits: c.scenes.data.datasets[0].data },
      shares: { labels: c.shares.data.labels, shares: c.shares.data.datasets[0].data },
      userDaily: { newUsers: c.userDaily.data.datasets[0].data, returning: c.userDaily.data.datasets[1].data },
    };
  });

export interface SceneLabel {
  /** The chart's full label (its data) and the tick text Chart.js laid out. */
  full: string;
  tick: string;
  /** What `fillText` drew for this tick when the chart was redrawn, and where (CSS pixels). */
  drawn: string | null;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/**
 * Redraws the scene chart with `fillText` recorded, and pairs each y tick Chart.js laid out
 * (`scales.y.getLabelItems()`) with the text drawn at its place, measured in the tick's font.
 */
export const sceneLabels = (page: Page) =>
  page.evaluate(() => {
    const chart = (window as any).promoTrackDashboard.charts.scenes;
    const ctx: CanvasRenderingContext2D = chart.ctx;
    const ratio: number = chart.currentDevicePixelRatio;
    const drawn: { text: string; left: number; right: number; top: number; bottom: number }[] = [];
    const fillText = ctx.fillText;
    ctx.fillText = function (text: string, x: number, y: number, maxWidth?: number) {
      const m = ctx.getTransform();
      const metrics = ctx.measureText(text);
      const width = metrics.width * m.a;
      const at = (m.e + m.a * x + m.c * y) / ratio;
      const left =
        ctx.textAlign === 'right' || ctx.textAlign === 'end'
          ? at - width / ratio
          : ctx.textAlign === 'center'
            ? at - width / 2 / ratio
            : at;
      const middle = (m.f + m.b * x + m.d * y) / ratio;
      const half = ((metrics.fontBoundingBoxAscent + metrics.fontBoundingBoxDescent) * m.d) / 2 / ratio;
      drawn.push({ text, left, right: left + width / ratio, top: middle - half, bottom: middle + half });
      return maxWidth === undefined ? fillText.call(this, text, x, y) : fillText.call(this, text, x, y, maxWidth);
    };
    try {
      chart.draw();
    } finally {
      ctx.fillText = fillText;
    }
    const y = chart.scales.y;
    const items = y.getLabelItems();
    const labels: SceneLabelLike[] = items.map((item: any, i: number) => {
      const tick = String(item.label);
      const hit = drawn.find((d) => d.text === tick && Math.abs((d.top + d.bottom) / 2 - item.options.translation[1]) < 2);
      return {
        full: chart.data.labels[i],
        tick,
        drawn: hit ? hit.text : null,
        left: hit?.left ?? NaN,
        right: hit?.right ?? NaN,
        top: hit?.top ?? NaN,
        bottom: hit?.bottom ?? NaN,
      };
    });
    type SceneLabelLike = { full: string; tick: string; drawn: string | null; left: number; right: number; top: number; bottom: number };
    return {
      labels,
      chartWidth: chart.width as number,
      chartHeight: chart.height as number,
      area: { left: chart.chartArea.left as number, top: chart.chartArea.top as number, bottom: chart.chartArea.bottom as number },
      scale: { left: y.left as number, right: y.right as number },
    };
  });

/** Each tile's number (`data-value`) and the text shown for it. */
export const tiles = (page: Page, id: string): Promise<Record<string, { value: number; text: string | null }>> =>
  page.$$eval(`#${id} [data-kpi]`, (nodes) =>
    Object.fromEntries(
      nodes.map((n) => [
        (n as HTMLElement).dataset.kpi,
        { value: Number((n as HTMLElement).dataset.value), text: n.querySelector('.value')!.textContent },
      ]),
    ),
  );

export const rows = (page: Page, id: string) =>
  page.$$eval(`#${id} tr:not(.empty)`, (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent!.trim())));

export const generation = (page: Page) => page.evaluate(() => Number(document.body.dataset.generation));

/** Waits until the page has drawn a newer view than `after`. */
export const drawn = (page: Page, after: number) =>
  page.waitForFunction((g) => Number(document.body.dataset.generation) > g && document.body.dataset.busy === 'false', after);

/** Does `act`, then waits for the view it causes. */
export async function redraw(page: Page, act: () => Promise<unknown>): Promise<void> {
  const g = await generation(page);
  await act();
  await drawn(page, g);
}

/** Waits until every chart has taken its box's width (Chart.js resizes on the next frame). */
export const settled = (page: Page) =>
  page.waitForFunction(() => {
    const all = Object.values((window as any).promoTrackDashboard.charts) as any[];
    return all.every((c) => !c.canvas.offsetParent || Math.abs(c.width - c.canvas.parentElement.clientWidth) < 1);
  });
