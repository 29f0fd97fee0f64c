import { createZone, dayString, type Zone } from '../days/time-zone.js';
import type { Tracker } from '../model/types.js';
import { parse } from '../validation.js';
import { csvField, csvResponse } from './csv.js';
import type { Route } from './routes.js';
import { exportQuery } from './wire-inputs.js';

const TRACK_HEADER = ['id', 'track_type', 'scene', 'detail', 'user_id', 'promocode', 'referrer', 'created_at', 'day'];
const REFERRAL_HEADER = ['user_id', 'referrer', 'promocode', 'scene', 'track_id', 'bound_at', 'day'];

/**
 * `GET /export/tracks.csv` and `GET /export/referrals.csv`: the wire fields (times in ISO UTC, as
 * everywhere on the wire) plus `day`, the row's calendar day in the tracker's `timeZone`.
 * Operator-only, like the global stats.
 */
export function exportRoutes<Raw>(tracker: Tracker): Route<Raw>[] {
  // Made at the first export: a stand-in tracker (tests, proxies) may carry no zone at all.
  let zone: Zone | undefined;
  const day = (at: Date) => {
    zone ??= createZone(typeof tracker.timeZone === 'string' ? tracker.timeZone : 'UTC');
    return dayString(zone.dayOf(at.getTime()));
  };
  return [
    {
      method: 'GET',
      path: '/export/tracks.csv',
      async handle({ query, access }) {
        const range = parse(exportQuery, query);
        await access.requireAdmin();
        return csvResponse('tracks.csv', tracker.exportTracks(range), TRACK_HEADER, (t) =>
          [
            csvField(t.id),
            csvField(t.trackType),
            csvField(t.scene, true),
            csvField(t.detail, true),
            csvField(t.userId),
            csvField(t.promocode, true),
            csvField(t.referrerId),
            t.createdAt.toISOString(),
            day(t.createdAt),
          ].join(','),
        );
      },
    },
    {
      method: 'GET',
      path: '/export/referrals.csv',
      async handle({ query, access }) {
        const range = parse(exportQuery, query);
        await access.requireAdmin();
        return csvResponse('referrals.csv', tracker.exportReferrals(range), REFERRAL_HEADER, (r) =>
          [
            csvField(r.userId),
            csvField(r.referrerId),
            csvField(r.promocode, true),
            csvField(r.scene, true),
            csvField(r.trackId),
            r.boundAt.toISOString(),
            day(r.boundAt),
          ].join(','),
        );
      },
    },
  ];
}
