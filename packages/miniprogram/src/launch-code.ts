import type { LaunchOptions } from './types.js';

const CODE = /^[A-Za-z0-9]{1,32}$/;

/**
 * The promocode a launch or show carries: an unlimited code's `query.scene` (URL-encoded by
 * WeChat: the code itself, or `promocode=…&…`), else `query.promocode` (share paths).
 */
export function promocodeOf(options: LaunchOptions): string | undefined {
  const query = options.query || {};
  let code = query.scene;
  if (code) {
    try {
      code = decodeURIComponent(code);
    } catch {
      // not URL-encoded after all
    }
    if (code.indexOf('=') >= 0) code = /(?:^|&)promocode=([^&]*)/.exec(code)?.[1];
  }
  if (!code || !CODE.test(code)) code = query.promocode;
  return code && CODE.test(code) ? code : undefined;
}
