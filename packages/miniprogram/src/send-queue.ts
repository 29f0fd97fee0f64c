import { namedEvents, type Call } from './routes-caller.js';
import { remove, type QueuedEvent, type SavedState } from './queue-store.js';

type Visit = Extract<QueuedEvent, { k: 'v' }>;
type Share = Extract<QueuedEvent, { k: 's' }>;

/**
 * Sends the queue for user `uid`: visits in batches to `POST /tracks/batch`, then shares to
 * `POST /shares`, each with the code its card carried. What is answered 2xx or refused by a 4xx leaves the queue (a refused batch drops
 * only the events its `issues` name; naming none, the events go one by one); throws RETRY.
 */
export async function sendQueue(call: Call, state: SavedState, uid: number, deciding: (e: QueuedEvent) => boolean, save: () => void) {
  for (let single = false; ;) {
    const batch = state.q.filter((e): e is Visit => e.k === 'v').slice(0, single ? 1 : 1000);
    if (!batch.length) break;
    const signals = { device: state.d };
    const events = batch.map((e) => ({ user_id: uid, promocode: e.code, scene: e.scene, event_id: e.id, occurred_at: e.at, signals }));
    const res = await call('POST', '/tracks/batch', { events });
    if (res.statusCode < 300 || batch.length === 1) remove(state, batch);
    else {
      const named = namedEvents(res.data);
      const refused = batch.filter((_, i) => named.indexOf(i) >= 0);
      if (refused.length) remove(state, refused);
      else single = true;
    }
    save();
  }
  // A share waits until share() knows what its card carried; one left undecided by an earlier run
  // went out as the defaults, without a code.
  for (const share of state.q.filter((e): e is Share => e.k === 's' && !deciding(e))) {
    const promocode = share.p || null;
    await call('POST', '/shares', {
      user_id: uid,
      share_type: share.type,
      page: share.page,
      promocode,
      event_id: share.id,
      occurred_at: share.at,
      signals: { device: state.d },
    });
    remove(state, [share]);
    save();
  }
}
