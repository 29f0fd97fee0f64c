import express, { type Express } from 'express';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { RewardLedger } from './rewards.js';

export interface ReceiverOptions {
  /** The endpoint's secret, as given to promo-track (`whsec_…`). */
  secret: string;
  ledger?: RewardLedger;
}

type Event =
  | { type: 'referral.bound'; timestamp: string; data: { user_id: number; referrer: number } }
  | { type: 'user.forgotten'; timestamp: string; data: { user_id: number } }
  | { type: string; timestamp: string; data: unknown };

/**
 * A reward service: `POST /webhooks/promo-track` verifies the Standard Webhooks signature over the
 * raw body (400 when it does not hold, or when the timestamp is more than 5 minutes off), answers
 * 200 at once for a webhook-id it has handled (promo-track retries until it hears 2xx), and rewards
 * each referral once. `GET /rewards` shows the ledger.
 */
export function buildApp(options: ReceiverOptions): { app: Express; ledger: RewardLedger } {
  const webhook = new Webhook(options.secret);
  const ledger = options.ledger ?? new RewardLedger();
  const app = express();
  app.disable('x-powered-by');

  // The raw bytes: a signature is over the body exactly as sent, not over a re-serialised object.
  app.post('/webhooks/promo-track', express.raw({ type: 'application/json', limit: '64kb' }), (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    let event: Event;
    try {
      event = webhook.verify(body, {
        'webhook-id': req.get('webhook-id') ?? '',
        'webhook-timestamp': req.get('webhook-timestamp') ?? '',
        'webhook-signature': req.get('webhook-signature') ?? '',
      }) as Event;
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      res.status(400).json({ error: 'invalid signature' });
      return;
    }
    const id = req.get('webhook-id')!;
    if (ledger.alreadyHandled(id)) {
      res.status(200).json({ status: 'already handled' });
      return;
    }
    if (event.type === 'referral.bound') ledger.referralBound(id, event.data as { user_id: number; referrer: number });
    else if (event.type === 'user.forgotten') ledger.userForgotten(id, event.data as { user_id: number });
    else ledger.ignore(id);
    res.status(200).json({ status: 'handled' });
  });

  app.get('/rewards', (_req, res) => {
    res.json({ rewards: ledger.rewards() });
  });
  return { app, ledger };
}
