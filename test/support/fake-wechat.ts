import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for WeChat's API on 127.0.0.1, answering as WeChat documents it:
 * - `POST /cgi-bin/stable_token` `{ grant_type, appid, secret, force_refresh? }` → `{ access_token, expires_in }`;
 *   normal mode answers the current token until it is about to expire (WeChat renews it 5 minutes
 *   early; here a tenth of the lifetime when shorter), then a new one, the old one staying valid
 *   until its own expiry; `force_refresh: true` answers a new token and invalidates the old one.
 *   Wrong appid → 40013, wrong secret → 40125, wrong grant_type → 40002.
 * - `POST /wxa/getwxacodeunlimit?access_token=…` `{ scene, page?, check_path?, env_version?, width? }`
 *   → the image bytes (`Content-Type: image/png` or `image/jpeg`), or JSON `{ errcode, errmsg }`:
 *   no token 41001, unknown or invalidated token 40001, expired token 42001, a body that is not
 *   JSON 47001, a bad scene 40169, a page with a leading `/` or a query 41030.
 * Failures can be scripted (`failCodes`, `failTokens`, `hang`, `failWhen`), pages left unpublished
 * (`unreleased`: 41030 while `check_path` is true, as WeChat answers for a page the released version
 * lacks), code answers held back (`pause` / `resume`), and every request is recorded with its time.
 */
export interface FakeWechat {
  /** `http://127.0.0.1:<port>`: pass it as `apiBase` / `WX_API_BASE`. */
  apiBase: string;
  appid: string;
  secret: string;
  /** `expires_in` of the tokens it hands out, in seconds (WeChat: 7200). */
  expiresIn: number;
  /** Content type of the images it answers. */
  imageType: 'image/png' | 'image/jpeg';
  tokenRequests: { body: any }[];
  codeRequests: { accessToken: string | null; body: any; at: number; answer: { image: Buffer } | { errcode: number } | 'hung' }[];
  /** The last image answered for each scene. */
  images: Map<string, Buffer>;
  /** How many images were answered for each scene (a code generated twice counts 2). */
  answered: Map<string, number>;
  /** Pages the released mini-program does not have: 41030 for them while `check_path` is true. */
  unreleased: Set<string>;
  /** Asked for each code request before anything else: an errcode to answer, or undefined to go on. */
  failWhen(decide: ((body: any) => number | undefined) | null): void;
  /** Code requests from now on are held, unanswered, until `resume` (those whose client went away meanwhile are never answered). */
  pause(): void;
  resume(): void;
  /** Code requests held by `pause` whose client is still connected. */
  held(): number;
  /** The next `times` code requests answer `errcode` (e.g. 45009, 40001; `Infinity` for all). */
  failCodes(errcode: number, times?: number): void;
  /** The next `times` token requests answer `errcode`. */
  failTokens(errcode: number, times?: number): void;
  /** Requests to that API are accepted and never answered. */
  hang(api: 'stable_token' | 'getwxacodeunlimit'): void;
  /** Every token handed out so far stops working (as after a forced refresh by another process). */
  invalidateTokens(): void;
  close(): Promise<void>;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG_SIGNATURE = Buffer.from([0xff, 0xd8, 0xff, 0xe0]);
const SCENE = /^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$/;

const rid = () => `rid: ${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}`;

export async function startFakeWechat(options: { appid?: string; secret?: string; expiresIn?: number } = {}): Promise<FakeWechat> {
  const tokens = new Map<string, { expiresAt: number; valid: boolean }>();
  let current: string | null = null;
  const scripted = { stable_token: [] as number[], getwxacodeunlimit: [] as number[] };
  const hung = new Set<string>();
  let served = 0;
  let decide: ((body: any) => number | undefined) | null = null;
  let paused: { answer: () => void; gone: boolean }[] | null = null;

  const send = (res: ServerResponse, status: number, type: string, body: Buffer) => {
    res.writeHead(status, { 'content-type': type, 'content-length': body.length });
    res.end(body);
  };
  const json = (res: ServerResponse, value: unknown) =>
    send(res, 200, 'application/json; encoding=utf-8', Buffer.from(JSON.stringify(value)));
  const error = (res: ServerResponse, errcode: number, errmsg: string) => json(res, { errcode, errmsg: `${errmsg} ${rid()}` });
  const forever: { stable_token?: number; getwxacodeunlimit?: number } = {};
  const nextScripted = (api: 'stable_token' | 'getwxacodeunlimit') => scripted[api].shift() ?? forever[api];
  const script = (api: 'stable_token' | 'getwxacodeunlimit', errcode: number, times: number) => {
    if (Number.isFinite(times)) scripted[api].push(...Array<number>(times).fill(errcode));
    else forever[api] = errcode;
  };

  const issue = () => {
    current = `fake-token-${randomBytes(12).toString('hex')}`;
    tokens.set(current, { expiresAt: Date.now() + fake.expiresIn * 1000, valid: true });
    return current;
  };

  const stableToken = (res: ServerResponse, body: any) => {
    fake.tokenRequests.push({ body });
    if (hung.has('stable_token')) return;
    const errcode = nextScripted('stable_token');
    if (errcode !== undefined) return error(res, errcode, 'scripted failure');
    if (!body || body.grant_type !== 'client_credential') return error(res, 40002, 'invalid grant_type');
    if (body.appid !== fake.appid) return error(res, 40013, 'invalid appid');
    if (body.secret !== fake.secret) return error(res, 40125, 'invalid appsecret');
    const now = Date.now();
    const held = current ? tokens.get(current) : undefined;
    const renewWithin = Math.min(300_000, (fake.expiresIn * 1000) / 10);
    let token: string;
    if (body.force_refresh === true) {
      if (held) held.valid = false;
      token = issue();
    } else if (current && held && held.valid && held.expiresAt - now > renewWithin) {
      token = current;
    } else {
      token = issue();
    }
    const expiresAt = tokens.get(token)!.expiresAt;
    return json(res, { access_token: token, expires_in: Math.max(1, Math.floor((expiresAt - now) / 1000)) });
  };

  const unlimitedCode = (res: ServerResponse, accessToken: string | null, body: any, raw: Buffer) => {
    const record: FakeWechat['codeRequests'][number] = { accessToken, body, at: Date.now(), answer: 'hung' };
    fake.codeRequests.push(record);
    if (hung.has('getwxacodeunlimit')) return;
    if (paused) {
      const held = { answer: () => answerCode(res, record, accessToken, body, raw), gone: false };
      res.on('close', () => (held.gone = true));
      paused.push(held);
      return;
    }
    answerCode(res, record, accessToken, body, raw);
  };

  const MESSAGES: Record<number, string> = {
    45009: 'reach max api minute-quota limit',
    45011: 'api minute-quota reach limit',
    41030: 'invalid page',
  };
  const answerCode = (
    res: ServerResponse,
    record: FakeWechat['codeRequests'][number],
    accessToken: string | null,
    body: any,
    raw: Buffer,
  ) => {
    const fail = (errcode: number, errmsg: string) => {
      record.answer = { errcode };
      error(res, errcode, errmsg);
    };
    const errcode = nextScripted('getwxacodeunlimit') ?? decide?.(body);
    if (errcode !== undefined) return fail(errcode, MESSAGES[errcode] ?? 'scripted failure');
    if (!accessToken) return fail(41001, 'access_token missing');
    const token = tokens.get(accessToken);
    if (!token || !token.valid) return fail(40001, 'invalid credential, access_token is invalid or not latest');
    if (token.expiresAt <= Date.now()) return fail(42001, 'access_token expired');
    if (body === undefined) return fail(47001, `data format error (${raw.length} bytes)`);
    if (typeof body.scene !== 'string' || !SCENE.test(body.scene))
      return fail(40169, 'invalid length for scene, or the data is not json string');
    if (body.page !== undefined && (typeof body.page !== 'string' || body.page.startsWith('/') || body.page.includes('?'))) {
      return fail(41030, 'invalid page');
    }
    if (body.check_path !== false && typeof body.page === 'string' && fake.unreleased.has(body.page)) return fail(41030, 'invalid page');
    served++;
    const signature = fake.imageType === 'image/png' ? PNG_SIGNATURE : JPEG_SIGNATURE;
    const image = Buffer.concat([
      signature,
      Buffer.from(
        `fake wxacode #${served} scene=${body.scene} page=${body.page ?? ''} env=${body.env_version ?? ''} width=${body.width ?? ''}`,
      ),
      randomBytes(64),
    ]);
    record.answer = { image };
    fake.images.set(body.scene, image);
    fake.answered.set(body.scene, (fake.answered.get(body.scene) ?? 0) + 1);
    send(res, 200, fake.imageType, image);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let body: any;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        body = undefined;
      }
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.method === 'POST' && url.pathname === '/cgi-bin/stable_token') return stableToken(res, body);
      if (req.method === 'POST' && url.pathname === '/wxa/getwxacodeunlimit') {
        return unlimitedCode(res, url.searchParams.get('access_token'), body, raw);
      }
      send(res, 404, 'text/plain', Buffer.from('not found'));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;

  const fake: FakeWechat = {
    apiBase: `http://127.0.0.1:${port}`,
    appid: options.appid ?? 'wx0123456789abcdef',
    secret: options.secret ?? 'fake-app-secret-0123456789abcdef',
    expiresIn: options.expiresIn ?? 7200,
    imageType: 'image/png',
    tokenRequests: [],
    codeRequests: [],
    images: new Map(),
    answered: new Map(),
    unreleased: new Set(),
    failWhen(fn) {
      decide = fn;
    },
    pause() {
      paused ??= [];
    },
    resume() {
      const held = paused ?? [];
      paused = null;
      for (const h of held) if (!h.gone) h.answer();
    },
    held: () => paused?.filter((h) => !h.gone).length ?? 0,
    failCodes(errcode, times = 1) {
      script('getwxacodeunlimit', errcode, times);
    },
    failTokens(errcode, times = 1) {
      script('stable_token', errcode, times);
    },
    hang(api) {
      hung.add(api);
    },
    invalidateTokens() {
      for (const token of tokens.values()) token.valid = false;
    },
    close() {
      server.closeAllConnections();
      return new Promise((done) => server.close(() => done()));
    },
  };
  return fake;
}
