/**
 * The code images panel (docs/wxacode.md): how many mini-program codes wait, are made or failed, the
 * failures by WeChat's errcode in words with what to do, and "Retry failed codes". Shown when
 * `GET /codes/jobs` answers (older services answer 404) and the queue holds any job.
 */
import { ApiError, getJson, postJson } from './api.js';
import { byId, el } from './dom.js';
import type { Locale } from './i18n.js';
import type { MessageKey } from './messages.js';

export interface WireCodeJobs {
  pending: number;
  done: number;
  failed: number;
  failures: { errcode: number; errmsg: string; count: number }[];
}

/** The errcodes the panel explains in words (the queue fails a job for good on these). */
const EXPLAINED = new Set([41030, 40129, 40097]);

/** The queue's report, or `null` when this service has no code routes or no job. */
export async function loadCodeJobs(): Promise<WireCodeJobs | null> {
  try {
    const jobs = await getJson<WireCodeJobs>('/codes/jobs');
    return jobs.pending + jobs.done + jobs.failed > 0 ? jobs : null;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

export function showCodeJobs(jobs: WireCodeJobs, locale: Locale, retry: () => void): void {
  byId('codes').hidden = false;
  const total = jobs.pending + jobs.done + jobs.failed;
  const progress = byId<HTMLProgressElement>('codes-progress');
  progress.max = total;
  progress.value = jobs.done;
  byId('codes-progress-text').textContent = locale.t('codes.progress', { done: locale.number(jobs.done), total: locale.number(total) });
  byId('codes-pending').textContent = locale.number(jobs.pending);
  byId('codes-done').textContent = locale.number(jobs.done);
  byId('codes-failed').textContent = locale.number(jobs.failed);
  const list = byId('codes-failures');
  list.replaceChildren(
    ...jobs.failures.map((f) => {
      const key = (EXPLAINED.has(f.errcode) ? `codes.errcode.${f.errcode}` : 'codes.errcode.other') as MessageKey;
      return el(
        'li',
        { 'data-errcode': String(f.errcode) },
        el('strong', {}, locale.t(key, { errcode: f.errcode })),
        ' ',
        el('span', { class: 'count' }, locale.t('codes.count', { count: locale.number(f.count) })),
        el('small', { class: 'errmsg' }, locale.t('codes.wechatSaid', { errmsg: f.errmsg })),
      );
    }),
  );
  byId('codes-none').hidden = jobs.failed > 0;
  const button = byId<HTMLButtonElement>('codes-retry');
  button.hidden = jobs.failed === 0;
  button.disabled = false;
  button.onclick = () => {
    button.disabled = true;
    retry();
  };
}

export const retryFailedCodes = (): Promise<void> => postJson<void>('/codes/retry');
