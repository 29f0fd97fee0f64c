/**
 * The charts, drawn by Chart.js (MIT) and bundled into the dashboard's one script at build time.
 *
 * Why Chart.js: it draws every chart this page needs (stacked bars, horizontal bars, doughnut) with
 * tooltips, legends and responsive resizing built in; it tree-shakes (only the controllers registered
 * below ship, ≈ 200 KB minified / ≈ 75 KB gzip for the whole dashboard script); it is released every
 * few weeks by an active team. uPlot is smaller (≈ 50 KB) but draws time series only: no doughnut or
 * category bars without hand-written plugins. ECharts does everything but costs ≈ 1 MB minified
 * (≈ 350–450 KB tree-shaken), too heavy to ship inside a tracking library.
 */
import {
  ArcElement,
  BarController,
  BarElement,
  type CartesianScaleOptions,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  DoughnutController,
  type FontSpec,
  Legend,
  type Plugin,
  LinearScale,
  type Scale,
  Tooltip,
} from 'chart.js';
import { toFont } from 'chart.js/helpers';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, DoughnutController, ArcElement, Legend, Tooltip);

export const COLORS = {
  newUsers: '#2f6fed',
  returning: '#9db4d9',
  scenes: '#2f6fed',
  /** The bar that sums the scenes not drawn one by one. */
  otherScenes: '#c3cad6',
  shares: ['#94a3b8', '#2f6fed', '#f59e0b'],
};

/** Follow the page's light or dark theme, its language (Chart.js's numbers), and the wish for less motion. */
export function applyTheme(lang: string): void {
  Chart.defaults.locale = lang;
  const style = getComputedStyle(document.documentElement);
  Chart.defaults.color = style.getPropertyValue('--muted').trim() || '#5b6472';
  Chart.defaults.borderColor = style.getPropertyValue('--grid').trim() || '#e5e8ee';
  Chart.defaults.font.family = style.getPropertyValue('font-family') || 'system-ui, sans-serif';
  Chart.defaults.maintainAspectRatio = false;
  if (matchMedia('(prefers-reduced-motion: reduce)').matches) Chart.defaults.animation = false;
}

const integerAxis = { beginAtZero: true, ticks: { precision: 0 } };

/** Visits per day, new users stacked under returning users. */
export function dailyChart(canvas: HTMLCanvasElement): Chart<'bar', number[], string> {
  const config: ChartConfiguration<'bar', number[], string> = {
    type: 'bar',
    data: {
      labels: [],
      datasets: [
        { label: 'New users', data: [], backgroundColor: COLORS.newUsers, stack: 'visits' },
        { label: 'Returning users', data: [], backgroundColor: COLORS.returning, stack: 'visits' },
      ],
    },
    options: {
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { stacked: true, grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12 } },
        y: { stacked: true, ...integerAxis },
      },
      plugins: { legend: { position: 'bottom' } },
    },
  };
  return new Chart(canvas, config);
}

/**
 * Visits by launch scene, most first, as horizontal bars. The full labels (`1089 · 微信聊天…`) are the
 * chart's data; each tick draws as much of its label as fits the label column (at most 45% of the
 * chart's width, never past its left edge), cut with `…`: the scene number comes first, so it always
 * shows. The tooltip and the Data table give the whole label.
 */
export function scenesChart(canvas: HTMLCanvasElement): Chart<'bar', number[], string> {
  return new Chart(canvas, {
    type: 'bar',
    data: { labels: [], datasets: [{ label: 'Visits', data: [], backgroundColor: COLORS.scenes, borderRadius: 3 }] },
    options: {
      indexAxis: 'y',
      scales: {
        x: integerAxis,
        y: {
          grid: { display: false },
          ticks: {
            autoSkip: false,
            callback(this: Scale, _value, index) {
              const labels = (this.chart.data.labels ?? []) as string[];
              return fitText(
                this.ctx,
                toFont((this.options as CartesianScaleOptions).ticks.font as FontSpec).string,
                labels[index] ?? '',
                labelRoom(this),
              );
            },
          },
          afterFit(scale) {
            scale.width = Math.min(scale.width, labelColumn(scale.chart.width));
          },
        },
      },
      plugins: { legend: { display: false } },
    },
  });
}

/** The label column's width: a bit under half of the chart, so the bars keep the rest. */
const labelColumn = (chartWidth: number) => Math.max(96, Math.floor(chartWidth * 0.45));
/** Room for the text inside the column: less the tick's padding and the tick mark. */
const labelRoom = (scale: Scale) => labelColumn(scale.chart.width) - ((scale.options as CartesianScaleOptions).ticks.padding ?? 3) - 12;

/** `text`, or its longest start that fits `width` pixels followed by `…`. */
export function fitText(ctx: CanvasRenderingContext2D, font: string, text: string, width: number): string {
  ctx.save();
  ctx.font = font;
  try {
    if (ctx.measureText(text).width <= width) return text;
    const chars = Array.from(text); // whole characters, never half a surrogate pair
    let low = 0;
    let high = chars.length;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (ctx.measureText(`${chars.slice(0, mid).join('')}…`).width <= width) low = mid;
      else high = mid - 1;
    }
    return `${chars.slice(0, low).join('').trimEnd()}…`;
  } finally {
    ctx.restore();
  }
}

/** Dark text on a light colour, white on a dark one (relative luminance of `#rrggbb`). */
const textOn = (hex: string) => {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b! > 0.55 ? '#1c2330' : '#ffffff';
};

/** Writes each arc's number on it, in the chart's language; an arc too thin for it keeps it in the tooltip and table. */
const arcNumbers: Plugin<'doughnut'> = {
  id: 'arcNumbers',
  afterDatasetsDraw(chart) {
    const meta = chart.getDatasetMeta(0);
    const data = chart.data.datasets[0]?.data ?? [];
    const colors = chart.data.datasets[0]?.backgroundColor;
    const format = new Intl.NumberFormat(chart.options.locale);
    const { ctx } = chart;
    ctx.save();
    ctx.font = toFont({ size: 13, weight: 'bold' }).string;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    meta.data.forEach((element, i) => {
      const arc = element as ArcElement;
      const value = data[i];
      if (!value || !chart.getDataVisibility(i) || arc.endAngle - arc.startAngle < 0.3) return;
      const { x, y } = arc.tooltipPosition(false);
      ctx.fillStyle = textOn(Array.isArray(colors) ? String(colors[i]) : '#2f6fed');
      ctx.fillText(format.format(value), x, y);
    });
    ctx.restore();
  },
};

/** Shares by type (unknown, menu, button), each arc with its number. */
export function sharesChart(canvas: HTMLCanvasElement): Chart<'doughnut', number[], string> {
  return new Chart(canvas, {
    type: 'doughnut',
    data: { labels: [], datasets: [{ label: 'Shares', data: [], backgroundColor: COLORS.shares, borderWidth: 0 }] },
    options: { cutout: '50%', plugins: { legend: { position: 'bottom' } } },
    plugins: [arcNumbers],
  });
}

export { Chart };
