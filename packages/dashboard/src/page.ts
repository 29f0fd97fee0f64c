/**
 * The dashboard's HTML: a static skeleton that the bundled script fills from the routes and
 * translates (every `data-t` element gets its text, `data-t-<attribute>` its attribute, in the
 * reader's language). It is written in English, the language without a script. Asset names carry
 * the bundle's version, so that they can be cached for good while the page is not.
 */
import { MESSAGES, type MessageKey } from './client/messages.js';

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** A translated text: the English words, and the key the script translates it by. */
const t = (key: MessageKey, tag = 'span', attributes = '') => `<${tag} data-t="${key}"${attributes}>${escape(MESSAGES.en[key])}</${tag}>`;
/** A translated attribute, e.g. `attr('aria-label', 'totals')`. */
const attr = (name: string, key: MessageKey) => `${name}="${escape(MESSAGES.en[key])}" data-t-${name}="${key}"`;

const KPIS = ['visits', 'new_user_visits', 'returning_user_visits', 'unique_visitors', 'referrals', 'shares'] as const;
const tiles = (id: string) => `<div class="tiles" id="${id}">
      ${KPIS.map((kpi) => `<div class="tile" data-kpi="${kpi}">${t(`kpi.${kpi}`, 'span', ' class="label"')}<span class="value">–</span></div>`).join('\n      ')}
    </div>`;

const th = (key: MessageKey) => t(key, 'th', ' scope="col"');
const dataTable = (body: string, ...columns: MessageKey[]) =>
  `<details class="data"><summary>${t('data')}</summary><table><thead><tr>${columns.map(th).join('')}</tr></thead><tbody id="${body}"></tbody></table></details>`;

/** `version` names the asset files: `dashboard/app.<version>.js` and `.css`, relative to the page. */
export function dashboardPage(version: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<title>${escape(MESSAGES.en.title)}</title>
<link rel="stylesheet" href="dashboard/app.${version}.css">
<script defer src="dashboard/app.${version}.js"></script>
</head>
<body data-busy="true" data-generation="0">
<header class="top">
  <h1 class="brand"><strong>promo-track</strong>${t('brand.subtitle')}</h1>
  <form class="range" id="range" autocomplete="off">
    <label><span data-t="range">Range</span><select id="range-preset" name="preset"></select></label>
    <label><span data-t="range.from">From</span><input type="date" id="range-first" name="first"></label>
    <label><span data-t="range.to">To</span><input type="date" id="range-last" name="last"></label>
    <p class="zone" id="range-zone"></p>
  </form>
  <div class="languages" role="group" ${attr('aria-label', 'language')} id="languages"></div>
</header>
<main>
  <p class="alert" id="alert" role="alert" hidden></p>
  <section ${attr('aria-label', 'totals')}>
    ${tiles('totals')}
    <p class="exports" id="exports" hidden>${t('export')}
      <a class="button" id="export-tracks" download="tracks.csv" href="">${t('export.tracks')}</a>
      <a class="button" id="export-referrals" download="referrals.csv" href="">${t('export.referrals')}</a>
    </p>
  </section>
  <div class="grid">
    <section class="card wide" aria-labelledby="daily-title">
      <h2 id="daily-title">${t('daily.title')} <small id="daily-note"></small></h2>
      <div class="chart tall"><canvas id="chart-daily" role="img" ${attr('aria-label', 'daily.title')}></canvas></div>
      ${dataTable('table-daily', 'col.day', 'col.new', 'col.returning', 'col.shares')}
    </section>
    <section class="card scenes" aria-labelledby="scenes-title">
      <h2 id="scenes-title">${t('scenes.title')} <small lang="zh-CN" class="scenes-hint">场景值</small></h2>
      <div class="chart" id="scenes-box"><canvas id="chart-scenes" role="img" ${attr('aria-label', 'scenes.title')}></canvas></div>
      ${dataTable('table-scenes', 'col.scene', 'col.label', 'col.visits')}
    </section>
    <section class="card" aria-labelledby="leaders-title">
      <h2 id="leaders-title">${t('leaders.title')} ${t('leaders.note', 'small')}</h2>
      <table class="list ranking"><thead><tr>${th('col.rank')}${th('col.promoter')}${th('col.referrals')}${th('col.visits')}</tr></thead><tbody id="table-leaders"></tbody></table>
    </section>
    <section class="card" aria-labelledby="shares-title">
      <h2 id="shares-title">${t('shares.title')}</h2>
      <div class="chart"><canvas id="chart-shares" role="img" ${attr('aria-label', 'shares.title')}></canvas></div>
      ${dataTable('table-shares', 'col.type', 'col.shares')}
    </section>
    <section class="card wide" aria-labelledby="webhooks-title" id="webhooks" hidden>
      <h2 id="webhooks-title">${t('webhooks.title')}</h2>
      <dl class="counts"><div>${t('webhooks.pending', 'dt')}<dd id="webhooks-pending">–</dd></div><div>${t('webhooks.failed', 'dt')}<dd id="webhooks-failed">–</dd></div></dl>
      <p class="note" id="webhooks-error" hidden>${t('webhooks.lastError', 'strong')}: <span id="webhooks-error-text"></span></p>
      <table class="list messages"><thead><tr>${th('webhooks.col.event')}${th('webhooks.col.status')}${th('webhooks.col.attempts')}${th('webhooks.lastError')}${th('webhooks.redeliver')}</tr></thead><tbody id="table-webhooks"></tbody></table>
    </section>
    <section class="card wide" aria-labelledby="find-title" id="find">
      <h2 id="find-title">${t('search.title')}</h2>
      <form class="search" id="search-form" role="search">
        <label class="visually-hidden" for="search-input" data-t="search.label">${escape(MESSAGES.en['search.label'])}</label>
        <input id="search-input" name="q" ${attr('placeholder', 'search.placeholder')} maxlength="32" pattern="[A-Za-z0-9]+" required spellcheck="false" autocapitalize="off">
        <button type="submit">${t('search.submit')}</button>
      </form>
      <p class="note" id="search-message" role="status"></p>
      <article class="user" id="user-view" hidden aria-labelledby="user-title">
        <h3 id="user-title"></h3>
        <dl class="facts" id="user-facts"></dl>
        <h4>${t('user.decisions')} ${t('user.decisionsNote', 'small')}</h4>
        <ol class="decisions" id="user-decisions"></ol>
        <h4>${t('user.promos')} ${t('user.promosNote', 'small')}</h4>
        <div class="promos" id="user-promos"></div>
        <h4>${t('user.totals')}</h4>
        ${tiles('user-totals')}
        <div class="chart short"><canvas id="chart-user-daily" role="img" ${attr('aria-label', 'user.totals')}></canvas></div>
        <h4 id="user-referrals-title"></h4>
        <table class="list referrals"><thead><tr>${th('col.user')}${th('col.scene')}${th('col.promocode')}${th('col.bound')}</tr></thead><tbody id="table-referrals"></tbody></table>
        <button type="button" class="more" id="referrals-more" hidden>${t('user.more')}</button>
      </article>
    </section>
  </div>
</main>
<footer id="footer"></footer>
</body>
</html>
`;
}

/** Shown instead of the page when the access rules refuse the caller (401 or 403), in both languages. */
export function refusedPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>promo-track · dashboard</title></head>
<body><h1>Operators only</h1><p>The promo-track dashboard is for operators. Sign in to the host application as one, then reload.</p>
<h1 lang="zh-CN">仅限运营人员</h1><p lang="zh-CN">promo-track 数据看板仅供运营人员使用。请以运营人员身份登录宿主应用后刷新页面。</p></body></html>
`;
}
