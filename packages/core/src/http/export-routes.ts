import { localIso } from '../days/local-time.js';
import { dayString } from '../days/time-zone.js';
import type { Tracker } from '../model/types.js';
import { sceneLabel } from '../scenes.js';
import { parse } from '../validation.js';
import { csvField, csvResponse } from './csv.js';
import type { Route } from './routes.js';
import { exportQuery } from './wire-inputs.js';
import { trackerZone, wireRange } from './wire-range.js';

const TRACK_HEADER = [
  'id',
  'track_type',
  'scene',
  'scene_label',
  'detail',
  'user_id',
  'promocode',
  'referrer',
  'outcome',
  'created_at',
  'created_at_local',
  'day',
];
const REFERRAL_HEADER = ['user_id', 'referrer', 'promocode', 'scene', 'track_id', 'bound_at', 'bound_at_local', 'day'];
const CONVERSION_HEADER = [
  'id',
  'user_id',
  'type',
  'order_id',
  'amount',
  'refunded_amount',
  'currency',
  'referrer',
  'detail',
  'created_at',
  'created_at_local',
  'day',
];

/**
 * `GET /export/tracks.csv`, `GET /export/referrals.csv` and `GET /export/conversions.csv`: the wire fields (times in ISO UTC, as
 * everywhere on the wire), each time's `_local` twin (the same instant on the wall clock of the
 * tracker's `timeZone`, with its offset), `day` (the row's calendar day there) and, for tracks,
 * `scene_label` (WeChat's words for the scene). Operator-only, like the global stats.
 */
export function exportRoutes<Raw>(tracker: Tracker): Route<Raw>[] {
  const day = (at: Date) => dayString(trackerZone(tracker).dayOf(at.getTime()));
  const local = (at: Date) => localIso(trackerZone(tracker), at.getTime());
  return [
    {
      method: 'GET',
      path: '/export/tracks.csv',
      async handle({ query, access }) {
        const range = wireRange(tracker, parse(exportQuery, query));
        await access.requireAdmin();
        return csvResponse('tracks.csv', tracker.exportTracks(range), TRACK_HEADER, (t) =>
          [
            csvField(t.id),
            csvField(t.trackType),
            csvField(t.scene, true),
            csvField(sceneLabel(t.scene), true),
            csvField(t.detail, true),
            csvField(t.userId),
            csvField(t.promocode, true),
            csvField(t.referrerId),
            t.outcome,
            t.createdAt.toISOString(),
            local(t.createdAt),
            day(t.createdAt),
          ].join(','),
        );
      },
    },
    {
      method: 'GET',
      path: '/export/referrals.csv',
      async handle({ query, access }) {
        const range = wireRange(tracker, parse(exportQuery, query));
        await access.requireAdmin();
        return csvResponse('referrals.csv', tracker.exportReferrals(range), REFERRAL_HEADER, (r) =>
          [
            csvField(r.userId),
            csvField(r.referrerId),
            csvField(r.promocode, true),
            csvField(r.scene, true),
            csvField(r.trackId),
            r.boundAt.toISOString(),
            local(r.boundAt),
            day(r.boundAt),
          ].join(','),
        );
      },
    },
    {
      method: 'GET',
      path: '/export/conversions.csv',
      async handle({ query, access }) {
        const range = wireRange(tracker, parse(exportQuery, query));
        await access.requireAdmin();
        return csvResponse('conversions.csv', tracker.exportConversions(range), CONVERSION_HEADER, (c) =>
          [
            csvField(c.id),
            csvField(c.userId),
            csvField(c.type, true),
            csvField(c.orderId, true),
            csvField(c.amount),
            csvField(c.refundedAmount),
            csvField(c.currency, true),
            csvField(c.referrerId),
            csvField(c.detail, true),
            c.createdAt.toISOString(),
            local(c.createdAt),
            day(c.createdAt),
          ].join(','),
        );
      },
    },
  ];
}
