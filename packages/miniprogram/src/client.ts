import { promocodeOf } from './launch-code.js';
import { enqueue, loadState, randomId, saveState, type QueuedEvent, type SavedState } from './queue-store.js';
import { createCaller } from './routes-caller.js';
import { sendQueue } from './send-queue.js';
import { withPromocode } from './share-path.js';
import type { LaunchOptions, MyInvites, MyRewards, PromoClient, PromoClientOptions, PromoRequest } from './types.js';
import { wxRequest, wxStorage } from './wx-defaults.js';

/** How often to look again for a logged-in user while events wait. */
const LOGIN_POLL_MS = 2000;
/** Back-off after a failed send: 2 s doubling up to 5 min, ±20%. */
const backoff = (attempts: number) => Math.min(2000 * 2 ** (attempts - 1), 300_000) * (0.8 + 0.4 * Math.random());

const eventId = () => Date.now().toString(36) + '-' + randomId();
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
  /** Shares whose card is still being made: recorded once share() knows the code it carries. */
  const deciding: QueuedEvent[] = [];

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
    return (codeFetch ||= call('GET', '/tracks/' + uid + '/1').then(
      (res) => {
        const code = (res.data as { promocode?: string } | null)?.promocode;
        if (res.statusCode < 300 && code) {
          s.u = uid;
          s.c = code;
          save();
        }
        codeFetch = undefined;
        return code;
      },
      (error) => {
        codeFetch = undefined;
        throw error;
      },
    ));
  };

  async function attempt() {
    const s = load();
    const uid = await userId();
    if (!uid) {
      if (s.q.length) later(LOGIN_POLL_MS);
      return;
    }
    try {
      await sendQueue(call, s, uid, (e) => deciding.indexOf(e) >= 0, save);
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

  /** The signed-in user's own page of a route (`GET /users/:id/…`); rejects without a user or on an error answer. */
  async function own<T>(path: string): Promise<T> {
    const uid = await userId();
    if (!uid) throw new Error('promo-track: no signed-in user yet');
    const res = await call('GET', '/users/' + uid + path);
    if (res.statusCode > 299) throw new Error('promo-track: HTTP ' + res.statusCode);
    return res.data as T;
  }

  return {
    onLaunch: (o) => visit(o, true),
    myRewards: () => own<MyRewards>('/rewards').then((d) => ({ items: d.items, balance: d.balance })),
    myInvites: (cursor) => own<MyInvites>('/referrals' + (cursor ? '?cursor=' + encodeURIComponent(cursor) : '')),
    onShow: (o) => visit(o, false),
    async share(res, defaults) {
      const from = res && res.from;
      const path = defaults.path || '';
      // Captured before anything is awaited, and recorded with the code the card carries (or null).
      const event: QueuedEvent = {
        k: 's',
        id: eventId(),
        at: new Date().toISOString(),
        type: from === 'menu' ? 1 : from === 'button' ? 2 : 0,
        page: path.split('?')[0].slice(0, 255),
      };
      deciding.push(event);
      capture(event);
      const uid = await userId();
      const code = uid && path ? await ownCode(uid).catch(() => undefined) : undefined;
      event.p = code || null;
      deciding.splice(deciding.indexOf(event), 1);
      save();
      void flush();
      return code ? { ...defaults, path: withPromocode(path, code) } : defaults;
    },
    flush,
  };
}
