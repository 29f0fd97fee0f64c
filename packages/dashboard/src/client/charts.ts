/**
 * The charts, drawn by Chart.js (MIT) and bundled into the dashboard's one script at build time.
 *
 * Why Chart.js: it draws every chart this page needs (stacked bars, horizontal bars, doughnut) with
 * tooltips, legends and responsive resizing built in; it tree-shakes (only the controllers registered
 * below ship, ≈ 190 KB minified / ≈ 65 KB gzip for the whole dashboard script); it is released every
 * few weeks by an active team. uPlot is smaller (≈ 50 KB) but draws time series only: no doughnut or
 * category bars without hand-written plugins. ECharts does everything but costs ≈ 1 MB minified
 * (≈ 350–450 KB tree-shaken), too heavy to ship inside a tracking library.
 */
import {
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  DoughnutController,
  Legend,
  LinearScale,
  Tooltip,
} from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, DoughnutController, ArcElement, Legend, Tooltip);

export const COLORS = {
  newUsers: '#2f6fed',
  returning: '#9db4d9',
  scenes: '#2f6fed',
  shares: ['#94a3b8', '#2f6fed', '#f59e0b'],
};

/** Follow the page's light or dark theme, and the reader's wish for less motion. */
export function applyTheme(): void {
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
      scales: { x: { stacked: true, grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12 } }, y: { stacked: true, ...integerAxis } },
      plugins: { legend: { position: 'bottom' } },
    },
  };
  return new Chart(canvas, config);
}

/** Visits by launch scene, most first, as horizontal bars labelled in Chinese. */
export function scenesChart(canvas: HTMLCanvasElement): Chart<'bar', number[], string> {
  return new Chart(canvas, {
    type: 'bar',
    data: { labels: [], datasets: [{ label: 'Visits', data: [], backgroundColor: COLORS.scenes, borderRadius: 3 }] },
    options: {
      indexAxis: 'y',
      scales: {
        x: integerAxis,
        y: { grid: { display: false }, ticks: { autoSkip: false, callback: (_value, index) => shorten(sceneTick(canvas, index)) } },
      },
      plugins: { legend: { display: false } },
    },
  });
}

function sceneTick(canvas: HTMLCanvasElement, index: number): string {
  const labels = Chart.getChart(canvas)?.data.labels as string[] | undefined;
  return labels?.[index] ?? '';
}

const shorten = (text: string, max = 16) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Shares by type (unknown, menu, button). */
export function sharesChart(canvas: HTMLCanvasElement): Chart<'doughnut', number[], string> {
  return new Chart(canvas, {
    type: 'doughnut',
    data: { labels: [], datasets: [{ label: 'Shares', data: [], backgroundColor: COLORS.shares, borderWidth: 0 }] },
    options: { cutout: '58%', plugins: { legend: { position: 'bottom' } } },
  });
}

export { Chart };
