import { randomBytes } from 'node:crypto';
import type { StoreContext } from '../context.js';
import { num } from '../rows.js';

/** The shared budget's size: at most `calls` WeChat code calls in any window of `windowMs`, over every process of the database. */
export interface BudgetSize {
  calls: number;
  windowMs: number;
  /** The longest a call can last: its slot is held that long unless the call's end releases it sooner. */
  holdMs: number;
}

/** One budget's handle in this process (the state itself lives in the database's `code_budget` rows). */
export interface SharedBudget {
  /** Spends one call, in one statement: its claim, or `null` when the window's calls are all spent. */
  take(): Promise<string | null>;
  /**
   * The call `claim` paid for has ended: its slot, held while the call was in flight, counts from now,
   * so that a call that reached WeChat late (a slow network, a busy process) still has a full window
   * before the slot's next call.
   */
  ended(claim: string): Promise<void>;
  /** Calls free now, and when the next one frees (`null`: one is free already). */
  room(): Promise<{ free: number; nextFreeAt: number | null }>;
}

/** Up to `calls` budget rows, made once per process (rows another process made for a bigger budget stay). */
async function ensureSlots(ctx: StoreContext, calls: number): Promise<void> {
  const { n } = await ctx.db
    .selectFrom(ctx.tables.codeBudget)
    .select((e) => e.fn.countAll<number>().as('n'))
    .where('slot', '<=', calls)
    .executeTakeFirstOrThrow();
  if (num(n) >= calls) return;
  const rows = Array.from({ length: calls }, (_, i) => ({ slot: i + 1, taken_at: 0 }));
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    await ctx.dialect.write(ctx.db, (trx) => {
      const insert = trx.insertInto(ctx.tables.codeBudget).values(chunk);
      return (ctx.dialect.returning ? insert.onConflict((oc) => oc.doNothing()) : insert.ignore()).execute();
    });
  }
}

const UNLIMITED: SharedBudget = {
  take: async () => 'unlimited',
  ended: async () => undefined,
  room: async () => ({ free: Infinity, nextFreeAt: null }),
};

/**
 * The budget of this tracker's generator, a sliding window over every process: each of `calls`
 * slots pays for one call, is held while it is in flight (at most `holdMs`, should its process die),
 * and comes back `windowMs` after that call ended. `calls: Infinity` is no budget at all.
 */
export function sharedBudget(ctx: StoreContext, size: BudgetSize, now: () => number = Date.now): SharedBudget {
  if (!Number.isFinite(size.calls)) return UNLIMITED;
  let ready: Promise<void> | undefined;
  const slots = () => {
    ready ??= ensureSlots(ctx, size.calls).catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };
  return {
    async take() {
      await slots();
      const at = now();
      const claim = randomBytes(12).toString('base64url');
      return (await ctx.dialect.takeBudgetSlot(ctx.db, ctx.tables, {
        until: at + size.holdMs,
        cutoff: at - size.windowMs,
        slots: size.calls,
        claim,
      }))
        ? claim
        : null;
    },
    async ended(claim) {
      const touch = (db: typeof ctx.db) =>
        db.updateTable(ctx.tables.codeBudget).set({ taken_at: now() }).where('claim', '=', claim).execute();
      await ctx.dialect.write(ctx.db, touch, touch);
    },
    async room() {
      await slots();
      const cutoff = now() - size.windowMs;
      const row = await ctx.db
        .selectFrom(ctx.tables.codeBudget)
        .select((e) => [
          e.fn.count<number>(e.case().when('taken_at', '<=', cutoff).then(1).end()).as('free'),
          e.fn.min<number>('taken_at').as('oldest'),
        ])
        .where('slot', '<=', size.calls)
        .executeTakeFirstOrThrow();
      const free = num(row.free);
      return { free, nextFreeAt: free > 0 ? null : num(row.oldest) + size.windowMs };
    },
  };
}
