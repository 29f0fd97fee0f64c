import { createCodeBudget } from './budget.js';
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
 *   retry within the call (the tracker tries again on a later `getOrCreatePromo`);
 * - no answer within `timeoutMs`, a refused connection, a non-200 status, anything else → a
 *   `WxacodeError` (`kind` says which).
 * Past `maxPerMinute` code requests a minute, `generate` fails at once (`kind: 'budget'`) without
 * calling WeChat: the tracker answers the promo with `wxbcode: null` and fills it on a later call.
 */
export function createWxacodeGenerator(options: WxacodeGeneratorOptions): WxacodeGenerator {
  const o = resolveWxacodeOptions(options);
  const tokens = createTokenSource(o);
  const budget = createCodeBudget(o.maxPerMinute);

  const fetchImage = async (token: string, body: Record<string, unknown>) => {
    const answer = await postJson('getwxacodeunlimit', `${o.apiBase}/wxa/getwxacodeunlimit?access_token=${encodeURIComponent(token)}`, body, o.timeoutMs);
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
    async generate({ scene, page }: WxacodeRequest) {
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
      if (!budget.take()) {
        throw new WxacodeError({
          api: 'getwxacodeunlimit',
          kind: 'budget',
          errmsg: `not sent: this process's budget of ${o.maxPerMinute} codes a minute (maxPerMinute) is spent; a later call tries again`,
        });
      }
      const token = await tokens.get();
      let image: Awaited<ReturnType<typeof fetchImage>>;
      try {
        image = await fetchImage(token, body);
      } catch (error) {
        if (!isInvalidToken(error)) throw error;
        image = await fetchImage(await tokens.get(token), body);
      }
      const url = await o.store.put(imageKey(body, image.contentType), image.bytes, image.contentType);
      if (typeof url !== 'string' || url === '') throw new TypeError('promo-track: the wxacode store\'s put() did not answer the image URL');
      return url;
    },

    async remove(url: string) {
      const key = keyFromUrl(url);
      if (key && o.store.delete) await o.store.delete(key);
    },
  };
}
