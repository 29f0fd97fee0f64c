/**
 * The dashboard's HTML: a static skeleton that the bundled script fills from the routes. Asset
 * names carry the bundle's version, so that they can be cached for good while the page is not.
 */

const tile = (kpi: string, label: string) => `<div class="tile" data-kpi="${kpi}"><span class="label">${label}</span><span class="value">–</span></div>`;

const tiles = (id: string) => `<div class="tiles" id="${id}">
      ${tile('visits', 'Visits')}
      ${tile('new_user_visits', 'New users')}
      ${tile('returning_user_visits', 'Returning')}
      ${tile('unique_visitors', 'Unique visitors')}
      ${tile('referrals', 'Referrals')}
      ${tile('shares', 'Shares')}
    </div>`;

/** `version` names the asset files: `dashboard/app.<version>.js` and `.css`, relative to the page. */
export function dashboardPage(version: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<title>promo-track · dashboard</title>
<link rel="stylesheet" href="dashboard/app.${version}.css">
<script defer src="dashboard/app.${version}.js"></script>
</head>
<body data-busy="true" data-generation="0">
<header class="top">
  <div class="brand"><strong>promo-track</strong><span>Referral dashboard</span></div>
  <form class="range" id="range" autocomplete="off">
    <label><span>Range</span><select id="range-preset" name="preset"></select></label>
    <label><span>From</span><input type="date" id="range-first" name="first"></label>
    <label><span>To</span><input type="date" id="range-last" name="last"></label>
  </form>
</header>
<main>
  <p class="alert" id="alert" role="alert" hidden></p>
  <section aria-label="Totals">
    ${tiles('totals')}
  </section>
  <div class="grid">
    <section class="card wide" aria-labelledby="daily-title">
      <h2 id="daily-title">Visits per day <small>new vs returning users, UTC days</small></h2>
      <div class="chart tall"><canvas id="chart-daily" role="img" aria-label="Visits per day"></canvas></div>
      <details class="data"><summary>Data</summary><table><thead><tr><th>Day</th><th>New</th><th>Returning</th><th>Shares</th></tr></thead><tbody id="table-daily"></tbody></table></details>
    </section>
    <section class="card" aria-labelledby="scenes-title">
      <h2 id="scenes-title">Visits by launch scene <small>场景值</small></h2>
      <div class="chart" id="scenes-box"><canvas id="chart-scenes" role="img" aria-label="Visits by launch scene"></canvas></div>
      <details class="data"><summary>Data</summary><table><thead><tr><th>Scene</th><th>Label</th><th>Visits</th></tr></thead><tbody id="table-scenes"></tbody></table></details>
    </section>
    <section class="card" aria-labelledby="shares-title">
      <h2 id="shares-title">Shares by type</h2>
      <div class="chart"><canvas id="chart-shares" role="img" aria-label="Shares by type"></canvas></div>
      <details class="data"><summary>Data</summary><table><thead><tr><th>Type</th><th>Shares</th></tr></thead><tbody id="table-shares"></tbody></table></details>
    </section>
    <section class="card" aria-labelledby="leaders-title">
      <h2 id="leaders-title">Top promoters <small>by referrals</small></h2>
      <table class="list ranking"><thead><tr><th>#</th><th>Promoter (user id)</th><th>Referrals</th><th>Visits</th></tr></thead><tbody id="table-leaders"></tbody></table>
    </section>
    <section class="card wide" aria-labelledby="promo-title">
      <h2 id="promo-title">Promocode</h2>
      <form class="search" id="promo-form" role="search">
        <input id="promo-input" name="promocode" placeholder="Promocode, e.g. 8xK2pQ7a" maxlength="32" pattern="[A-Za-z0-9]+" required spellcheck="false" autocapitalize="off" aria-label="Promocode">
        <button type="submit">Find</button>
      </form>
      <p class="note" id="promo-message" hidden></p>
      <div class="promo" id="promo-result" hidden>
        <figure class="code"><img id="promo-image" alt="Mini-program code" hidden><figcaption id="promo-image-note">No mini-program code image</figcaption></figure>
        <div class="promo-body">
          <dl class="facts" id="promo-facts"></dl>
          ${tiles('promo-totals')}
          <div class="chart short"><canvas id="chart-promo-daily" role="img" aria-label="This promo's visits per day"></canvas></div>
          <h3>Referrals of promoter <span id="promo-owner"></span></h3>
          <table class="list referrals"><thead><tr><th>User</th><th>Scene</th><th>Promocode</th><th>Bound (UTC)</th></tr></thead><tbody id="table-referrals"></tbody></table>
          <button type="button" class="more" id="referrals-more" hidden>Load more</button>
        </div>
      </div>
    </section>
  </div>
</main>
<footer>Read from this service's own <code>/stats</code>, <code>/leaderboard</code>, <code>/promos</code> and <code>/users/…/referrals</code> routes. Days are UTC.</footer>
</body>
</html>
`;
}

/** Shown instead of the page when the access rules refuse the caller (401 or 403). */
export function refusedPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>promo-track · dashboard</title></head>
<body><h1>Operators only</h1><p>The promo-track dashboard is for operators. Sign in to the host application as one, then reload.</p></body></html>
`;
}
