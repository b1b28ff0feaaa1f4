import type { ChannelAdapter } from '../types.js';
import voiceWebhooks from './webhook-routes.js';
import { connectCallToAgent } from './outbound-calls.js';

/** Phone calls through Twilio: inbound calls queue with hold music and are connected to the agent who accepts. */
export const voiceChannel: ChannelAdapter = {
  channel: 'voice',
  routes: { prefix: '/webhooks/twilio/voice', plugin: voiceWebhooks },
  async checkRecipient() {
    // The composer's reply to a phone case must go by SMS (channel "sms") or as a call (click-to-call).
    return 'a phone call cannot carry a written reply: send it as an SMS (channel "sms") or call the customer';
  },
  async onAssigned(ctx, e) {
    await connectCallToAgent({ db: ctx.db, config: ctx.config, log: ctx.log }, e.caseId, e.agentId);
  },
};
