import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createFileStore, createWxacodeGenerator } from '@promo-track/core';
import { startFakeWechat } from '../support/fake-wechat.js';
import { describeHosts, newUserId } from './support/matrix.js';
import { headerAuth } from './support/servers.js';

const ADMIN = { 'x-admin': '1' };
const wechat = await startFakeWechat();
const dir = mkdtempSync(join(tmpdir(), 'http-codes-'));
afterAll(async () => {
  await wechat.close();
  rmSync(dir, { recursive: true, force: true });
});
const wxacode = createWxacodeGenerator({
  appid: wechat.appid,
  secret: wechat.secret,
  apiBase: wechat.apiBase,
  store: createFileStore({ dir, baseUrl: 'http://127.0.0.1/wxacode/' }),
});

describeHosts('code images', { tracker: { wxacode }, auth: { admin: headerAuth().admin }, mountedOnly: true }, (ctx) => {
  const jobs = async () => (await ctx.api('GET', '/codes/jobs', { headers: ADMIN })).body;

  it('POST /codes/pregenerate queues the missing codes (202 { queued }), a second time nothing; operators only; bad input queues nothing', async () => {
    const ids = [newUserId(), newUserId(), newUserId()];
    const before = await jobs();
    expect((await ctx.api('POST', '/codes/pregenerate', { json: { user_ids: ids } })).status).toBe(403);
    for (const json of [
      {},
      { user_ids: [] },
      { user_ids: [0] },
      { user_ids: ['x'] },
      { user_ids: Array.from({ length: 10_001 }, (_, i) => i + 1) },
      { user_ids: ids, promo_type: 0 },
    ]) {
      const bad = await ctx.api('POST', '/codes/pregenerate', { json, headers: ADMIN });
      expect(bad.status, JSON.stringify(json).slice(0, 40)).toBe(400);
      expect(bad.body.error.code).toBe('validation_failed');
    }
    expect((await ctx.api('POST', '/codes/pregenerate', { json: { user_ids: [0] }, headers: ADMIN })).body.error.issues[0].path).toBe(
      'user_ids.0',
    );
    expect(await jobs()).toEqual(before);
    const requests = wechat.codeRequests.length;

    const res = await ctx.api('POST', '/codes/pregenerate', { json: { user_ids: ids, page: 'pages/invite/index' }, headers: ADMIN });
    expect(res).toMatchObject({ status: 202, body: { queued: 3 } });
    expect((await ctx.api('POST', '/codes/pregenerate', { json: { user_ids: ids }, headers: ADMIN })).body).toEqual({ queued: 0 });
    expect(await jobs()).toMatchObject({ pending: before.pending + 3 });
    expect(wechat.codeRequests).toHaveLength(requests);
    // Created by the call, with the page, and no code yet (the worker makes it).
    const row = await ctx.db.selectFrom(`${ctx.prefix}promo`).select(['page', 'wxbcode']).where('user_id', '=', ids[0]!).executeTakeFirst();
    expect(row).toEqual({ page: 'pages/invite/index', wxbcode: null });
  });

  it('GET /codes/jobs reports the queue in snake_case, failures by errcode; POST /codes/retry puts the failed back (202 { queued }); operators only', async () => {
    const id = newUserId();
    await ctx.api('POST', '/codes/pregenerate', { json: { user_ids: [id] }, headers: ADMIN });
    const { id: promoId } = await ctx.tracker.getOrCreatePromo({ userId: id });
    await ctx.db
      .updateTable(`${ctx.prefix}code_job`)
      .set({ status: 'failed', errcode: 41030, errmsg: 'invalid page rid: 1' })
      .where('promo_id', '=', promoId)
      .execute();
    expect((await ctx.api('GET', '/codes/jobs')).status).toBe(403);
    const report = await ctx.api('GET', '/codes/jobs', { headers: ADMIN });
    expect(report.status).toBe(200);
    expect(Object.keys(report.body).sort()).toEqual(['done', 'failed', 'failures', 'pending']);
    expect(report.body.failures).toContainEqual({ errcode: 41030, errmsg: 'invalid page rid: 1', count: report.body.failed });

    expect((await ctx.api('POST', '/codes/retry')).status).toBe(403);
    const retried = await ctx.api('POST', '/codes/retry', { headers: ADMIN });
    expect(retried).toMatchObject({ status: 202, body: { queued: report.body.failed } });
    expect(await jobs()).toMatchObject({ failed: 0, failures: [], pending: report.body.pending + report.body.failed });
  });
});
