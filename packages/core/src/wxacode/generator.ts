import { isInvalidToken, WxacodeError } from './errors.js';
import { postJson, readWechatError } from './http.js';
import { imageKey, keyFromUrl, normalizePage, SCENE_PATTERN, sniffImageType } from './keys.js';
import { resolveWxacodeOptions, type WxacodeGeneratorOptions } from './options.js';
import { createTokenSource } from './token.js';
import type { WxacodeGenerator, WxacodeRequest } from '../model/wxacode.js';

/**
 * Makes WeChat unlimited mini-program codes (`POST /wxa/getwxacodeunlimit`) with the stable
 * access token, and keeps them through `store`. Pass it to `createTracker({ wxacode })`.
 *
 * WeChat's answers, and what `generate` does with each:
 * - an image (`image/jpeg`, `image/png`, any `image/*`, or PNG/JPEG bytes without a type) → stored
 *   through `store.put`, the store's URL answered;
 * - errcode 40001 / 40014 / 42001 (token invalid or expired) → one new token, one retry; a second
 *   invalid-token answer fails (never a loop);
 * - errcode 45009 (quota) and every other errcode → a `WxacodeError` with `errcode` and `errmsg`, no
 *   retry within the call (the tracker's queue backs off and tries again, or fails the job for good
 *   on 41030, 40129 and 40097: docs/wxacode.md);
 * - no answer within `timeoutMs`, a refused connection, a non-200 status, anything else → a
 *   `WxacodeError` (`kind` says which).
 * The tracker keeps `maxPerMinute` as one budget for every process of its database and passes it as
 * the request's `take`: when it is spent, `generate` fails at once (`kind: 'budget'`) without calling
 * WeChat, and the tracker queues the code for its worker.
 */
export function createWxacodeGenerator(options: WxacodeGeneratorOptions): WxacodeGenerator {
  const o = resolveWxacodeOptions(options);
  const tokens = createTokenSource(o);

  const fetchImage = async (token: string, body: Record<string, unknown>) => {
    const answer = await postJson(
      'getwxacodeunlimit',
      `${o.apiBase}/wxa/getwxacodeunlimit?access_token=${encodeURIComponent(token)}`,
      body,
      o.timeoutMs,
    );
    const error = readWechatError('getwxacodeunlimit', answer);
    if (error) throw error;
    const contentType = answer.contentType.startsWith('image/') ? answer.contentType : sniffImageType(answer.bytes);
    if (!contentType || answer.bytes.length === 0) {
      throw new WxacodeError({
        api: 'getwxacodeunlimit',
        kind: 'bad_answer',
        errmsg: `expected an image, got ${answer.bytes.length} bytes of ${answer.contentType || 'no content type'}`,
        status: answer.status,
      });
    }
    return { bytes: answer.bytes, contentType };
  };

  return {
    budget: { maxPerMinute: o.maxPerMinute, windowMs: o.budgetWindowMs },
    // A token request and a code request, each twice at most (one refresh after an invalid token).
    deadlineMs: 4 * o.timeoutMs,

    async generate({ scene, page, take }: WxacodeRequest) {
      if (typeof scene !== 'string' || !SCENE_PATTERN.test(scene)) {
        throw new TypeError(`promo-track: the wxacode scene ${JSON.stringify(scene)} is not 1–32 of WeChat's scene characters`);
      }
      const path = normalizePage(page);
      const body = {
        scene,
        ...(path === null ? {} : { page: path }),
        check_path: o.checkPath,
        env_version: o.envVersion,
        width: o.width,
      };
      // Every call to WeChat's code API spends the budget, the retry after a refreshed token too.
      const spend = async () => {
        if (take && !(await take())) {
          throw new WxacodeError({
            api: 'getwxacodeunlimit',
            kind: 'budget',
            errmsg: `not sent: the budget of ${o.maxPerMinute} codes a minute (maxPerMinute) is spent; the code is queued`,
          });
        }
      };
      const token = await tokens.get();
      await spend();
      let image: Awaited<ReturnType<typeof fetchImage>>;
      try {
        image = await fetchImage(token, body);
      } catch (error) {
        if (!isInvalidToken(error)) throw error;
        const fresh = await tokens.get(token);
        await spend();
        image = await fetchImage(fresh, body);
      }
      const url = await o.store.put(imageKey(body, image.contentType), image.bytes, image.contentType);
      if (typeof url !== 'string' || url === '') throw new TypeError("promo-track: the wxacode store's put() did not answer the image URL");
      return url;
    },

    async remove(url: string) {
      const key = keyFromUrl(url);
      if (key && o.store.delete) await o.store.delete(key);
    },
  };
}
