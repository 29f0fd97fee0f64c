import type { Tracker } from '../model/types.js';
import { forgetJobs } from '../store/codes/index.js';
import { dropWaiting, forgetAbuse, purgeSignals } from '../store/abuse/index.js';
import { forgetConversions } from '../store/conversions/index.js';
import { forgetMessages } from '../store/outbox/index.js';
import { forgetRows, purgeRows } from '../store/privacy/index.js';
import { forgetRewards } from '../store/rewards/index.js';
import { invalidateBefore, invalidateTimes, voidReferrer } from '../store/stats/index.js';
import { parse, purgeSchema, userIdSchema } from '../validation.js';
import type { TrackerParts } from './parts.js';

/** forgetUser (the privacy wing's rows, the conversions and rewards wings' rows, the code jobs and the outbox's messages in one transaction, then the rollups and images) and purge. */
export function privacyCalls(
  { o, ctx, whenMigrated, emit }: TrackerParts,
  forgetting: <T>(userId: number, work: () => Promise<T>) => Promise<T>,
) {
  const forgetUser: Tracker['forgetUser'] = async (userId) => {
    const id = parse(userIdSchema, userId, 'userId');
    dropWaiting(ctx, id);
    ctx.knownVisitors.forget(id);
    const { images, times, ...removed } = await forgetting(id, () =>
      whenMigrated(() =>
        ctx.dialect.write(ctx.db, async (trx) => {
          const { images, times, ...rows } = await forgetRows(ctx, trx, id);
          const converted = await forgetConversions(ctx, trx, id);
          const removed = { ...rows, conversions: converted.conversions, rewards: await forgetRewards(ctx, trx, id) };
          await forgetAbuse(ctx, trx, id);
          await forgetJobs(ctx, trx, id);
          await forgetMessages(ctx, trx, id, removed);
          return { images, times: [...times, ...converted.times], ...removed };
        }),
      ),
    );
    await whenMigrated(async () => {
      await invalidateTimes(ctx, times);
      await voidReferrer(ctx, id);
    });
    // Images live outside the database: removed once the rows are gone for good.
    await Promise.all(images.map((url) => o.wxacode?.remove(url).catch(() => undefined)));
    emit({ type: 'user.forgotten', userId: id, removed });
    return removed;
  };

  const purge: Tracker['purge'] = async (options) => {
    const { before } = parse(purgeSchema, options);
    const removed = await whenMigrated(() => purgeRows(ctx, before));
    // Signals of users in no binding go with the rows they came on; a binding's stay as long as it does.
    await whenMigrated(() => purgeSignals(ctx, before.getTime()));
    await whenMigrated(() => invalidateBefore(ctx, before.getTime()));
    return removed;
  };

  return { forgetUser, purge };
}
