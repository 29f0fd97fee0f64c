import { type Kysely, sql } from 'kysely';

interface ServerFeatures {
  skipLocked: boolean;
  /** INSERT … RETURNING (MariaDB 10.5; not MySQL). */
  returning: boolean;
}
const features = new WeakMap<object, Promise<ServerFeatures>>();

/**
 * What the server supports, from its version; asked once per `key`: a Kysely instance, or a
 * tracker's table names where the caller may hold a transaction (a new Kysely object each time).
 */
export function serverFeatures(key: object, db: Kysely<any>): Promise<ServerFeatures> {
  let answer = features.get(key);
  if (!answer) {
    answer = sql<{ v: string }>`select version() as v`.execute(db).then(({ rows }) => {
      const v = rows[0]?.v ?? '';
      return { skipLocked: supportsSkipLocked(v), returning: supportsInsertReturning(v) };
    });
    answer.catch(() => features.delete(key));
    features.set(key, answer);
  }
  return answer;
}

export const hasSkipLocked = async (db: Kysely<any>) => (await serverFeatures(db, db)).skipLocked;

const versionNumber = (version: string) => {
  const [major = 0, minor = 0, patch = 0] = (/^(\d+)\.(\d+)\.(\d+)/.exec(version) ?? []).slice(1).map(Number);
  return major * 10_000 + minor * 100 + patch;
};

export function supportsInsertReturning(version: string): boolean {
  return /mariadb/i.test(version) && versionNumber(version) >= 100_500;
}

export function supportsSkipLocked(version: string): boolean {
  const at = versionNumber(version);
  return /mariadb/i.test(version) ? at >= 100_600 : at >= 80_001;
}
