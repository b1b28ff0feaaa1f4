import type { ChannelAdapter } from '../types.js';
import voiceWebhooks from './providers/twilio/webhook-routes.js';
import { voiceProvider } from './providers/index.js';

/**
 * Phone calls: inbound calls queue with hold music and are connected to the agent who accepts, through the
 * provider carrying the call (providers/: Twilio over webhooks, Asterisk over ARI).
 */
export const voiceChannel: ChannelAdapter = {
  channel: 'voice',
  routes: { prefix: '/webhooks/twilio/voice', plugin: voiceWebhooks },
  async checkRecipient() {
    // The composer's reply to a phone case must go by SMS (channel "sms") or as a call (click-to-call).
    return 'a phone call cannot carry a written reply: send it as an SMS (channel "sms") or call the customer';
  },
  async onAssigned(ctx, e) {
    const r = await ctx.db.query(
      `SELECT provider FROM calls WHERE case_id = $1 AND direction = 'inbound' AND state IN ('queued', 'ivr', 'connecting') ORDER BY id DESC LIMIT 1`,
      [e.caseId],
    );
    if (!r.rowCount) return; // no caller waiting (hung up, or a callback case): nothing to connect
    await voiceProvider(r.rows[0].provider).connectToAgent({ db: ctx.db, config: ctx.config, log: ctx.log }, e.caseId, e.agentId);
  },
};
