/**
 * The webhook panel: how many messages wait or failed, the last error, and "Redeliver" for a failed
 * one. Shown when `GET /webhooks/messages` answers (older services answer 404) and the outbox holds
 * any message: a tracker without webhook endpoints never writes one.
 */
import { ApiError, getJson, postJson, type WireMessage, type WireMessagePage } from './api.js';
import { byId, el, fillTable } from './dom.js';
import type { Locale } from './i18n.js';

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

export function showMessages(messages: Messages, locale: Locale, redeliver: (id: string) => void): void {
  const panel = byId('webhooks');
  panel.hidden = false;
  byId('webhooks-pending').textContent = count(messages.pending, locale);
  byId('webhooks-failed').textContent = count(messages.failed, locale);
  const all = [...messages.failed.items, ...messages.pending.items];
  const latest = all.filter((m) => m.last_error).sort((a, b) => (a.created_at < b.created_at ? 1 : -1))[0];
  byId('webhooks-error').hidden = !latest;
  byId('webhooks-error-text').textContent = latest?.last_error ?? '';
  fillTable(
    byId<HTMLTableSectionElement>('table-webhooks'),
    all.slice(0, 20).map((m: WireMessage) => [
      el('span', { title: locale.t('webhooks.col.created') + ' ' + locale.instant(m.created_at) }, m.type),
      el('span', { class: `status ${m.status}`, 'data-status': m.status }, locale.t(`webhooks.status.${m.status}`)),
      locale.number(m.attempts),
      m.last_error ?? '—',
      m.status === 'failed' ? redeliverButton(m.id, locale, redeliver) : '',
    ]),
    locale.t('webhooks.none'),
    5,
  );
}

function redeliverButton(id: string, locale: Locale, redeliver: (id: string) => void): HTMLButtonElement {
  const button = el('button', { type: 'button', class: 'small', 'data-message': id, 'aria-label': locale.t('webhooks.redeliverOne', { id }) }, locale.t('webhooks.redeliver'));
  button.addEventListener('click', () => {
    button.disabled = true;
    redeliver(id);
  });
  return button;
}

export const redeliverMessage = (id: string): Promise<void> => postJson<void>(`/webhooks/messages/${encodeURIComponent(id)}/redeliver`);
