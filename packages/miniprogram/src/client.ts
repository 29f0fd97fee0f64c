import { promocodeOf } from './launch-code.js';
import { enqueue, loadState, saveState, type QueuedEvent, type SavedState } from './queue-store.js';
import { createCaller } from './routes-caller.js';
import { sendQueue } from './send-queue.js';
import { withPromocode } from './share-path.js';
import type { LaunchOptions, PromoClient, PromoClientOptions, PromoRequest } from './types.js';
import { wxRequest, wxStorage } from './wx-defaults.js';

/** How often to look again for a logged-in user while events wait. */
const LOGIN_POLL_MS = 2000;
/** Back-off after a failed send: 2 s doubling up to 5 min, ±20%. */
const backoff = (attempts: number) => Math.min(2000 * 2 ** (attempts - 1), 300_000) * (0.8 + 0.4 * Math.random());

const eventId = () => Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 12);
const userIdOf = (value: unknown) => {
  const id = Number(value);
  return id > 0 && id % 1 === 0 ? id : undefined;
};

/** The mini-program half of promo-track (see the package README). */
export function createPromoClient(options: PromoClientOptions): PromoClient {
  const request: PromoRequest = options.request || wxRequest;
  const call = createCaller(options, request);
  let storage = options.storage;
  let state: SavedState | undefined;
  let chain = Promise.resolve();
  let timerGen = 0;
  let launchKey: string | undefined;
  let codeFetch: Promise<string | undefined> | undefined;

  const load = () => (state ||= loadState((storage ||= wxStorage())));
  const save = () => saveState(storage!, load());
  /** Flushes after `ms`, replacing the timer set before (a replaced timer fires and does nothing). */
  const later = (ms: number) => {
    const gen = ++timerGen;
    setTimeout(() => gen === timerGen && flush(), ms);
  };
  const userId = async () => {
    try {
      return userIdOf(await options.getUserId());
    } catch {
      return undefined;
    }
  };

  /** The user's own promocode: fetched once per user with `GET /tracks/:user_id/1`, then kept. */
  const ownCode = (uid: number): Promise<string | undefined> => {
    const s = load();
    if (s.u === uid && s.c) return Promise.resolve(s.c);
    return (codeFetch ||= call('GET', '/tracks/' + uid + '/1')
      .then((res) => {
        const code = (res.data as { promocode?: string } | null)?.promocode;
        if (res.statusCode < 300 && code) {
          s.u = uid;
          s.c = code;
          save();
        }
        codeFetch = undefined;
        return code;
      }, (error) => {
        codeFetch = undefined;
        throw error;
      }));
  };

  async function attempt() {
    const s = load();
    const uid = await userId();
    if (!uid) {
      if (s.q.length) later(LOGIN_POLL_MS);
      return;
    }
    try {
      await sendQueue(call, s, uid, () => ownCode(uid), save);
      await ownCode(uid); // fetched as soon as the user is known, ready for share()
      s.a = s.n = 0;
    } catch {
      const wait = backoff(++s.a);
      s.n = Date.now() + wait;
      later(wait);
    }
    save();
  }

  function flush(): Promise<void> {
    return (chain = chain.then(attempt, attempt));
  }

  function capture(event: QueuedEvent) {
    enqueue(load(), event);
    save();
    void flush();
  }

  /** Records the visit a launch or show carries; otherwise sends what waits, once its back-off is over. */
  function visit(o: LaunchOptions, launch: boolean) {
    const code = promocodeOf(o || {});
    const scene = String((o && o.scene) || 1000);
    const key = code && scene + ' ' + code;
    const sameAsLaunch = !launch && key === launchKey;
    launchKey = launch ? key : undefined;
    if (code && !sameAsLaunch) capture({ k: 'v', id: eventId(), at: new Date().toISOString(), code, scene });
    else later(Math.max(0, load().n - Date.now()));
  }

  return {
    onLaunch: (o) => visit(o, true),
    onShow: (o) => visit(o, false),
    async share(res, defaults) {
      const from = res && res.from;
      const path = defaults.path || '';
      // Captured before anything is awaited; its promocode is the sharer's own, added when it is sent.
      capture({ k: 's', id: eventId(), at: new Date().toISOString(), type: from === 'menu' ? 1 : from === 'button' ? 2 : 0, page: path.split('?')[0].slice(0, 255) });
      const uid = await userId();
      const code = uid ? await ownCode(uid).catch(() => undefined) : undefined;
      return code && path ? { ...defaults, path: withPromocode(path, code) } : defaults;
    },
    flush,
  };
}
