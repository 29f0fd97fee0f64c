/**
 * The webhook panel: how many messages wait or failed, the last error, and each message in words
 * (its event, user, status with "Redeliver" for a failed one, attempts, next try and error). Shown when `GET /webhooks/messages` answers (older services answer 404) and the outbox holds
 * any message: a tracker without webhook endpoints never writes one.
 */
import { ApiError, getJson, postJson, type WireMessage, type WireMessagePage } from './api.js';
import { byId, el, fillTable } from './dom.js';
import type { Locale } from './i18n.js';
import { type MessageKey, WEBHOOK_COLUMNS as COLUMNS } from './messages.js';
import { userButton } from './people.js';

const LIMIT = 100;

export interface Messages {
  pending: WireMessagePage;
  failed: WireMessagePage;
  /** Whether any message was ever delivered (one is enough to know). */
  delivered: boolean;
}

/** The pending and failed lists, or `null` when this service has no webhook routes or no messages. */
export async function loadMessages(): Promise<Messages | null> {
  try {
    const [pending, failed, delivered] = await Promise.all([
      getJson<WireMessagePage>('/webhooks/messages', { status: 'pending', limit: LIMIT }),
      getJson<WireMessagePage>('/webhooks/messages', { status: 'failed', limit: LIMIT }),
      getJson<WireMessagePage>('/webhooks/messages', { status: 'delivered', limit: 1 }),
    ]);
    if (pending.items.length + failed.items.length + delivered.items.length === 0) return null;
    return { pending, failed, delivered: delivered.items.length > 0 };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

/** `100+` when there are more pages than the one read. */
const count = (page: WireMessagePage, locale: Locale) => `${locale.number(page.items.length)}${page.next_cursor ? '+' : ''}`;

const EVENT_NAMES: Record<string, MessageKey> = {
  'promo.created': 'event.promo.created',
  'track.recorded': 'event.track.recorded',
  'share.recorded': 'event.share.recorded',
  'referral.bound': 'event.referral.bound',
  'user.forgotten': 'event.user.forgotten',
};

/** An event type in words; a type this page does not know (a later version's) stays as it is. */
export const eventName = (locale: Locale, type: string): string => (EVENT_NAMES[type] ? locale.t(EVENT_NAMES[type]) : type);

const code = (m: RegExpExecArray) => ({ code: m[1]! });
/** The sender's `last_error` forms (core's webhooks/sender.ts), most specific first. */
const SEND_ERRORS: [RegExp, MessageKey, (m: RegExpExecArray) => Record<string, string>][] = [
  [/^HTTP (\d{3})\b/, 'sendError.http', (m) => ({ status: m[1]! })],
  [/^no answer within (\d+) ms/, 'sendError.timeout', (m) => ({ seconds: String(Number(m[1]) / 1000) })],
  [/^endpoint no longer configured/i, 'sendError.gone', () => ({})],
  [/\((ECONNREFUSED)\)$/, 'sendError.refused', code],
  [/\((ENOTFOUND|EAI_AGAIN)\)$/, 'sendError.notFound', code],
  [/\((ECONNRESET|EPIPE|UND_ERR_SOCKET)\)$/, 'sendError.reset', code],
  [/\((ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT)\)$/, 'sendError.connectTimeout', code],
  [/\(((?:CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_TLS_)\w*)\)$/, 'sendError.tls', code],
  [/\(([A-Z][A-Z0-9_]+)\)$/, 'sendError.network', code],
];

/** A delivery error in words (the sender's own text stays in the element's title). */
export function sendErrorText(locale: Locale, error: string): string {
  for (const [pattern, key, values] of SEND_ERRORS) {
    const m = pattern.exec(error);
    if (m) return locale.t(key, values(m));
  }
  return error;
}

const errorTag = (locale: Locale, error: string) => el('span', { title: error, 'data-error': error }, sendErrorText(locale, error));

export function showMessages(messages: Messages, locale: Locale, redeliver: (id: string) => void, open: (id: number) => void): void {
  const panel = byId('webhooks');
  panel.hidden = false;
  byId('webhooks-pending').textContent = count(messages.pending, locale);
  byId('webhooks-failed').textContent = count(messages.failed, locale);
  const all = [...messages.failed.items, ...messages.pending.items];
  const latest = all.filter((m) => m.last_error).sort((a, b) => (a.created_at < b.created_at ? 1 : -1))[0];
  byId('webhooks-error').hidden = !latest;
  byId('webhooks-error-text').replaceChildren(latest?.last_error ? errorTag(locale, latest.last_error) : '');
  const body = byId<HTMLTableSectionElement>('table-webhooks');
  if (all.length === 0) {
    fillTable(body, [], locale.t('webhooks.none'), COLUMNS.length);
    return;
  }
  // Each cell names its column, so that a phone can show the rows as labelled cards.
  body.replaceChildren(
    ...all.slice(0, 20).map((m: WireMessage) => {
      const cells = [
        el(
          'span',
          { title: `${m.type} · ${locale.t('webhooks.col.created')} ${locale.instant(m.created_at)}`, 'data-type': m.type },
          eventName(locale, m.type),
        ),
        typeof m.user_id === 'number' ? userButton(locale, m.user_id, open) : '—',
        el(
          'span',
          { class: 'state' },
          el('span', { class: `status ${m.status}`, 'data-status': m.status }, locale.t(`webhooks.status.${m.status}`)),
          m.status === 'failed' ? redeliverButton(m.id, locale, redeliver) : null,
        ),
        locale.number(m.attempts),
        m.next_attempt_at && m.status === 'pending'
          ? el('time', { datetime: m.next_attempt_at }, locale.instant(m.next_attempt_at))
          : locale.t('webhooks.nextNone'),
        m.last_error ? errorTag(locale, m.last_error) : '—',
      ];
      return el('tr', { 'data-message': m.id }, ...cells.map((cell, i) => el('td', { 'data-label': locale.t(COLUMNS[i]!) }, cell)));
    }),
  );
}

function redeliverButton(id: string, locale: Locale, redeliver: (id: string) => void): HTMLButtonElement {
  const button = el(
    'button',
    { type: 'button', class: 'small', 'data-message': id, 'aria-label': locale.t('webhooks.redeliverOne', { id }) },
    locale.t('webhooks.redeliver'),
  );
  button.addEventListener('click', () => {
    button.disabled = true;
    redeliver(id);
  });
  return button;
}

export const redeliverMessage = (id: string): Promise<void> => postJson<void>(`/webhooks/messages/${encodeURIComponent(id)}/redeliver`);
