import type { ChannelAdapter } from '../types.js';
import smsWebhooks from './webhook-routes.js';
import { optOutMessage, reconcileSms, sendSms } from './send.js';
import { optedOutAt } from './opt-out.js';

/** SMS/MMS through Twilio: inbound webhooks, replies through the Messages API, delivery status callbacks. */
export const smsChannel: ChannelAdapter = {
  channel: 'sms',
  routes: { prefix: '/webhooks/twilio', plugin: smsWebhooks },
  send: sendSms,
  reconcile: reconcileSms,
  async checkRecipient(db, r) {
    const since = await optedOutAt(db, r.to);
    return since ? optOutMessage(since) : null;
  },
};
