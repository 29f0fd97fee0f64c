// Must NOT compile: userId is a number.
import type { Kysely } from 'kysely';
import { createTracker } from '@promo-track/core';

declare const db: Kysely<any>;

export const promo = createTracker({ db, salt: 'a-secret-salt' }).getOrCreatePromo({ userId: 'forty-two' });
