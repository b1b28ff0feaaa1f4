import type { FastifyPluginAsync } from 'fastify';
import type { ChannelAdapter } from '../types.js';
import { optOutMessage, reconcileSms, sendSms } from './send.js';
import { optedOutAt } from './opt-out.js';
import { smsProviders } from './providers/index.js';

/** Each provider's webhooks under /webhooks/<its prefix> (/webhooks/twilio/sms, /webhooks/kavenegar/<secret>/receive …). */
const providerWebhooks: FastifyPluginAsync = async (app) => {
  for (const p of Object.values(smsProviders)) await app.register(p.routes.plugin, { prefix: p.routes.prefix });
};

/** SMS through the provider each phone number names (providers/): inbound webhooks, replies, delivery status, opt-out. */
export const smsChannel: ChannelAdapter = {
  channel: 'sms',
  routes: { prefix: '/webhooks', plugin: providerWebhooks },
  send: sendSms,
  reconcile: reconcileSms,
  async checkRecipient(db, r) {
    const since = await optedOutAt(db, r.to);
    return since ? optOutMessage(since) : null;
  },
};
