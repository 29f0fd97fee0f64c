/// <reference types="miniprogram-api-typings" />
import type { PromoRequest, PromoStorage } from './types.js';

// Read only when the host did not pass `request` / `storage`, so that the client runs without `wx`.

export const wxRequest: PromoRequest = (o) =>
  new Promise((resolve, reject) => {
    wx.request({
      url: o.url,
      method: o.method,
      data: o.data as WechatMiniprogram.IAnyObject | undefined,
      header: o.header,
      success: (res) => resolve({ statusCode: res.statusCode, data: res.data }),
      fail: reject,
    });
  });

export const wxStorage = (): PromoStorage => ({
  get: (key) => wx.getStorageSync(key),
  set: (key, value) => wx.setStorageSync(key, value),
});
