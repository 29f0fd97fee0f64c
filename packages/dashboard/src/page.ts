/**
 * The dashboard's HTML: a static skeleton that the bundled script fills from the routes and
 * translates (every `data-t` element gets its text, `data-t-<attribute>` its attribute, in the
 * reader's language). It is written in English, the language without a script. Asset names carry
 * the bundle's version, so that they can be cached for good while the page is not.
 */
import { MESSAGES, type MessageKey, WEBHOOK_COLUMNS } from './client/messages.js';

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** A translated text: the English words, and the key the script translates it by. */
const t = (key: MessageKey, tag = 'span', attributes = '') => `<${tag} data-t="${key}"${attributes}>${escape(MESSAGES.en[key])}</${tag}>`;
/** A translated attribute, e.g. `attr('aria-label', 'totals')`. */
const attr = (name: string, key: MessageKey) => `${name}="${escape(MESSAGES.en[key])}" data-t-${name}="${key}"`;

const KPIS = ['visits', 'new_user_visits', 'returning_user_visits', 'unique_visitors', 'referrals', 'shares'] as const;
const MONEY_KPIS = ['conversions', 'revenue'] as const;
const tiles = (id: string) => `<div class="tiles" id="${id}">
      ${[...KPIS, ...MONEY_KPIS].map((kpi) => `<div class="tile" data-kpi="${kpi}">${t(`kpi.${kpi}`, 'span', ' class="label"')}<span class="value">–</span></div>`).join('\n      ')}
    </div>`;

/**
 * The tab's icon, inline (the page's CSP allows `data:` images): declared, so that no browser asks
 * the host for a `/favicon.ico` it may not have.
 */
const ICON = `data:image/svg+xml,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#2f6fed"/><path d="M8 22V10h7a4 4 0 0 1 0 8h-7" fill="none" stroke="#fff" stroke-width="3"/><circle cx="23" cy="22" r="3" fill="#fff"/></svg>',
)}`;

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
<link rel="icon" href="${ICON}">
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
    <section class="card wide" aria-labelledby="review-title" id="review" hidden>
      <h2 id="review-title">${t('review.title')} ${t('review.note', 'small')}</h2>
      <div id="review-groups"></div>
    </section>
    <section class="card wide" aria-labelledby="daily-title">
      <h2 id="daily-title">${t('daily.title')} <small id="daily-note"></small></h2>
      <div class="chart tall"><canvas id="chart-daily" role="img" ${attr('aria-label', 'daily.title')}></canvas></div>
      ${dataTable('table-daily', 'col.day', 'col.new', 'col.returning', 'col.shares', 'col.conversions')}
    </section>
    <section class="card scenes" aria-labelledby="scenes-title">
      <h2 id="scenes-title">${t('scenes.title')} <small lang="zh-CN" class="scenes-hint">场景值</small></h2>
      <div class="chart" id="scenes-box"><canvas id="chart-scenes" role="img" ${attr('aria-label', 'scenes.title')}></canvas></div>
      ${dataTable('table-scenes', 'col.scene', 'col.label', 'col.visits')}
    </section>
    <section class="card" aria-labelledby="leaders-title">
      <h2 id="leaders-title">${t('leaders.title')} ${t('leaders.note', 'small')}</h2>
      <form class="leaders-order" id="leaders-form">
        <label>${t('leaders.order')} <select id="leaders-order" name="order">${(['referrals', 'conversions', 'revenue'] as const).map((o) => t(`leaders.by.${o}`, 'option', ` value="${o}"`)).join('')}</select></label>
        <label>${t('leaders.currency')} <select id="leaders-currency" name="currency"><option value="CNY">CNY</option></select></label>
      </form>
      <table class="list ranking"><thead><tr>${th('col.rank')}${th('col.promoter')}${th('col.referrals')}${th('col.visits')}${th('col.conversions')}${th('col.revenue')}</tr></thead><tbody id="table-leaders"></tbody></table>
    </section>
    <section class="card" aria-labelledby="shares-title">
      <h2 id="shares-title">${t('shares.title')}</h2>
      <div class="chart"><canvas id="chart-shares" role="img" ${attr('aria-label', 'shares.title')}></canvas></div>
      ${dataTable('table-shares', 'col.type', 'col.shares')}
    </section>
    <section class="card wide" aria-labelledby="webhooks-title" id="webhooks" hidden>
      <h2 id="webhooks-title">${t('webhooks.title')}</h2>
      <dl class="counts"><div>${t('webhooks.pending', 'dt')}<dd id="webhooks-pending">–</dd></div><div>${t('webhooks.failed', 'dt')}<dd id="webhooks-failed">–</dd></div></dl>
      <p class="note" id="webhooks-error" hidden>${t('webhooks.lastErrorLabel', 'strong')}<span id="webhooks-error-text"></span></p>
      <table class="list messages"><thead><tr>${WEBHOOK_COLUMNS.map(th).join('')}</tr></thead><tbody id="table-webhooks"></tbody></table>
    </section>
    <section class="card wide" aria-labelledby="rewards-title" id="rewards" hidden>
      <h2 id="rewards-title">${t('rewards.title')} ${t('rewards.note', 'small')}</h2>
      <div class="tiles rewards-totals" id="rewards-totals"></div>
      <form class="rewards-filter" id="rewards-filter" autocomplete="off">
        <label>${t('rewards.filter.status')}<select id="rewards-status" name="status"></select></label>
        <label>${t('rewards.filter.user')}<input id="rewards-user" name="user" inputmode="numeric" pattern="[0-9]*" maxlength="10"></label>
        <button type="submit">${t('rewards.filter.apply')}</button>
        <button type="button" id="rewards-settle" disabled>${t('rewards.settle')}</button>
      </form>
      <p class="note" id="rewards-message" role="status"></p>
      <table class="list rewards"><thead><tr>${th('rewards.col.select')}${th('rewards.col.id')}${th('rewards.col.rule')}${th('rewards.col.user')}${th('rewards.col.fact')}${th('rewards.col.amount')}${th('rewards.col.status')}${th('rewards.col.why')}${th('rewards.col.actions')}</tr></thead><tbody id="table-rewards"></tbody></table>
      <button type="button" class="more" id="rewards-more" hidden>${t('rewards.more')}</button>
    </section>
    <section class="card wide" aria-labelledby="codes-title" id="codes" hidden>
      <h2 id="codes-title">${t('codes.title')} ${t('codes.note', 'small')}</h2>
      <p class="progress"><progress id="codes-progress" max="1" value="0" ${attr('aria-label', 'codes.title')}></progress> <span id="codes-progress-text"></span></p>
      <dl class="counts"><div>${t('codes.pending', 'dt')}<dd id="codes-pending">–</dd></div><div>${t('codes.done', 'dt')}<dd id="codes-done">–</dd></div><div>${t('codes.failed', 'dt')}<dd id="codes-failed">–</dd></div></dl>
      <ul class="failures" id="codes-failures"></ul>
      <p class="note" id="codes-none">${t('codes.none')}</p>
      <button type="button" id="codes-retry" hidden>${t('codes.retry')}</button>
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
        <div id="user-rewards" hidden>
          <h4 id="user-rewards-title"></h4>
          <p class="balance" id="user-balance"></p>
          <ul class="rewards" id="user-reward-list"></ul>
          <h4>${t('user.rewardDecisions')} ${t('user.rewardDecisionsNote', 'small')}</h4>
          <ol class="decisions" id="user-reward-decisions"></ol>
        </div>
        <h4>${t('user.promos')} ${t('user.promosNote', 'small')}</h4>
        <div class="promos" id="user-promos"></div>
        <h4>${t('user.totals')}</h4>
        ${tiles('user-totals')}
        <div class="chart short"><canvas id="chart-user-daily" role="img" ${attr('aria-label', 'user.totals')}></canvas></div>
        <h4 id="user-referrals-title"></h4>
        <table class="list referrals"><thead><tr>${th('col.user')}${th('col.scene')}${th('col.promocode')}${th('col.bound')}</tr></thead><tbody id="table-referrals"></tbody></table>
        <button type="button" class="more" id="referrals-more" hidden>${t('user.more')}</button>
        <h4 id="user-conversions-title"></h4>
        <table class="list conversions"><thead><tr>${th('col.user')}${th('col.type')}${th('col.order')}${th('col.amount')}${th('col.when')}</tr></thead><tbody id="table-conversions"></tbody></table>
        <h4 id="user-own-conversions-title"></h4>
        <table class="list conversions"><thead><tr>${th('col.type')}${th('col.order')}${th('col.amount')}${th('col.credited')}${th('col.when')}</tr></thead><tbody id="table-own-conversions"></tbody></table>
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
