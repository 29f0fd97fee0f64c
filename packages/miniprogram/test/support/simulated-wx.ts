/**
 * A simulated WeChat for the client's unit tests: a device whose storage survives app restarts
 * (JSON round trip, `''` for a missing key, as `wx.getStorageSync` answers), a global `wx` whose
 * `request` reaches an in-memory backend that answers the contract's routes, and a switch for the
 * network. Killing the app loses its memory: its pending callbacks never fire, its timers are cleared.
 */
import { vi } from 'vitest';

export interface StoredTrack {
  user_id: number;
  promocode: string;
  scene: string;
  event_id: string;
  occurred_at: string;
}
export interface StoredShare {
  user_id: number;
  share_type: number;
  page: string;
  promocode?: string | null;
  event_id: string;
  occurred_at: string;
}
export interface Sent {
  method: string;
  url: string;
  data: any;
  header: Record<string, string>;
}

type Answer = { statusCode: number; data: unknown };

/** The host's backend, as the contract says it answers. */
export class FakeBackend {
  tracks: StoredTrack[] = [];
  shares: StoredShare[] = [];
  promoFetches = 0;
  /** The `device` signal of every track and share received, in order (the server keeps only its hash). */
  devices: (string | undefined)[] = [];
  /** Promocodes that exist, besides each user's own (`Own<user id>x`). */
  codes = new Set(['AbCd1234', 'Promoter9']);
  /** Answer the unknown_promocode error without `issues` (as the server did before issue 16). */
  unnamedIssues = false;
  /** When set, answers every request with this status instead (after counting it). */
  forcedStatus: number | undefined;

  handle(method: string, url: string, data: any): Answer {
    const path = new URL(url).pathname.replace(/^\/api/, '');
    if (this.forcedStatus) return { statusCode: this.forcedStatus, data: { error: { code: 'forced', message: 'forced' } } };
    const promo = /^\/tracks\/(\d+)\/1$/.exec(path);
    if (method === 'GET' && promo) {
      this.promoFetches++;
      return { statusCode: 200, data: { user_id: Number(promo[1]), promo_type: 1, promocode: `Own${promo[1]}x` } };
    }
    if (method === 'POST' && path === '/tracks/batch') {
      const events: StoredTrack[] = data.events.map(
        ({ signals, ...e }: { signals?: { device?: string } }) => (this.devices.push(signals?.device), e),
      );
      const unknown = events.findIndex((e) => !this.exists(e.promocode));
      if (unknown >= 0) return this.unknownCode(`events.${unknown}.promocode`);
      const fresh = events.filter((e) => !this.tracks.some((t) => t.user_id === e.user_id && t.event_id === e.event_id));
      this.tracks.push(...fresh.map((e) => ({ ...e })));
      return { statusCode: 201, data: { items: events } };
    }
    if (method === 'POST' && path === '/shares') {
      const { signals, ...share } = data as StoredShare & { signals?: { device?: string } };
      this.devices.push(signals?.device);
      if (share.promocode != null && !this.exists(share.promocode)) return this.unknownCode('promocode');
      if (!this.shares.some((s) => s.user_id === share.user_id && s.event_id === share.event_id)) this.shares.push({ ...share });
      return { statusCode: 201, data: share };
    }
    return { statusCode: 404, data: { error: { code: 'not_found', message: 'no route' } } };
  }

  private exists(code: string) {
    return this.codes.has(code) || /^Own\d+x$/.test(code);
  }

  private unknownCode(path: string): Answer {
    const error = {
      code: 'unknown_promocode',
      message: 'Unknown promocode',
      ...(this.unnamedIssues ? {} : { issues: [{ path, message: 'no such promocode' }] }),
    };
    return { statusCode: 422, data: { error } };
  }
}

/** One phone: its storage outlives the app; `launch()` starts the app again with a fresh memory. */
export class Device {
  readonly disk = new Map<string, string>();
  readonly backend = new FakeBackend();
  /** Requests that reached the server. */
  readonly sent: Sent[] = [];
  /** Every call of `wx.request`, the network up or down. */
  requests = 0;
  online = true;
  /** How long a request takes, in ms (simulated). */
  latency = 50;
  private app = 0;
  private inFlight = new Set<() => void>();

  /** Installs the global `wx` of a newly started app. */
  launch(): void {
    const app = ++this.app;
    const alive = () => app === this.app;
    const wx = {
      request: (o: {
        url: string;
        method: string;
        data: any;
        header: Record<string, string>;
        success: (r: Answer) => void;
        fail: (e: unknown) => void;
      }) => {
        this.requests++;
        const body = JSON.parse(JSON.stringify(o.data ?? null));
        const deliver = () => {
          this.inFlight.delete(deliver);
          if (!this.online) return alive() && o.fail({ errMsg: 'request:fail' });
          this.sent.push({ method: o.method, url: o.url, data: body, header: o.header });
          const answer = this.backend.handle(o.method, o.url, body); // the server acts even if the app is gone
          if (alive()) o.success(JSON.parse(JSON.stringify(answer)));
        };
        this.inFlight.add(deliver);
        setTimeout(deliver, this.latency);
      },
      getStorageSync: (key: string) => (this.disk.has(key) ? JSON.parse(this.disk.get(key)!) : ''),
      setStorageSync: (key: string, value: unknown) => {
        if (alive()) this.disk.set(key, JSON.stringify(value));
      },
    };
    vi.stubGlobal('wx', wx);
  }

  /** The app is killed: whatever it had in memory, timers and pending answers, is gone. */
  kill(): void {
    this.app++;
    // A request already on the wire still reaches the server; its answer reaches no one.
    for (const deliver of [...this.inFlight]) deliver();
    vi.clearAllTimers();
  }
}

/** Launch options as WeChat gives them to App.onLaunch / onShow. */
export const launchOptions = (scene: number, query: Record<string, string> = {}) => ({
  path: 'pages/index/index',
  scene,
  query,
  referrerInfo: {},
});
