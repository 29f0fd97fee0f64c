/**
 * The reward ledger of this example, in memory. A real reward service keeps both maps in its own
 * database, and records the webhook-id in the same transaction as the reward it grants.
 */
export interface Reward {
  referrerId: number;
  userId: number;
  points: number;
  webhookId: string;
}

export class RewardLedger {
  /** webhook-ids already handled: a retry of one of them is acknowledged and ignored. */
  private readonly handled = new Set<string>();
  /** One reward per referred user, whoever referred them first. */
  private readonly byUser = new Map<number, Reward>();

  constructor(private readonly pointsPerReferral = 100) {}

  alreadyHandled(webhookId: string): boolean {
    return this.handled.has(webhookId);
  }

  /** `referral.bound`: rewards the referrer, once per referred user (a last-touch rebinding earns nothing more). */
  referralBound(webhookId: string, data: { user_id: number; referrer: number }): void {
    if (!this.byUser.has(data.user_id)) {
      this.byUser.set(data.user_id, { referrerId: data.referrer, userId: data.user_id, points: this.pointsPerReferral, webhookId });
    }
    this.handled.add(webhookId);
  }

  /** `user.forgotten`: the user asked to be forgotten; so does the ledger. */
  userForgotten(webhookId: string, data: { user_id: number }): void {
    for (const [userId, reward] of this.byUser) {
      if (userId === data.user_id || reward.referrerId === data.user_id) this.byUser.delete(userId);
    }
    this.handled.add(webhookId);
  }

  /** Anything else this service does not act on. */
  ignore(webhookId: string): void {
    this.handled.add(webhookId);
  }

  rewards(): Reward[] {
    return [...this.byUser.values()];
  }

  pointsOf(referrerId: number): number {
    return this.rewards()
      .filter((r) => r.referrerId === referrerId)
      .reduce((sum, r) => sum + r.points, 0);
  }
}
