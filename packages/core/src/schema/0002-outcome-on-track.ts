import type { Kysely } from 'kysely';
import type { TableNames } from './table-names.js';

/**
 * Each track's attribution decision moves onto the track row (`track.outcome`). A decision is
 * one per track and shares its user, promocode, candidate (the code's owner) and time, so a
 * separate row per visit only wrote more pages: the `decision` table now keeps the decisions of
 * tracks that `purge` deleted. Frozen, like 0001.
 */
export function outcomeOnTrack(t: TableNames) {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable(t.track).addColumn('outcome', 'varchar(16)').execute();
      await db
        .updateTable(t.track)
        .set((eb) => ({
          outcome: eb
            .selectFrom(t.decision)
            .select(`${t.decision}.outcome`)
            .whereRef(`${t.decision}.track_id`, '=', `${t.track}.id`)
            .limit(1),
        }))
        .execute();
      await db.deleteFrom(t.decision).where('track_id', 'in', db.selectFrom(t.track).select('id')).execute();
    },
  };
}
