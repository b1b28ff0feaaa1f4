import type { ChannelAdapter } from '../types.js';
import voiceWebhooks from './webhook-routes.js';
import { connectCallToAgent } from './outbound-calls.js';

/** Phone calls through Twilio: inbound calls queue with hold music and are connected to the agent who accepts. */
export const voiceChannel: ChannelAdapter = {
  channel: 'voice',
  routes: { prefix: '/webhooks/twilio/voice', plugin: voiceWebhooks },
  async onAssigned(ctx, e) {
    await connectCallToAgent({ db: ctx.db, config: ctx.config, log: ctx.log }, e.caseId, e.agentId);
  },
};
