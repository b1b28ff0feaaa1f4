import type { ChannelAdapter } from '../types.js';
import smsWebhooks from './webhook-routes.js';
import { sendSms } from './send.js';

/** SMS/MMS through Twilio: inbound webhooks, replies through the Messages API, delivery status callbacks. */
export const smsChannel: ChannelAdapter = {
  channel: 'sms',
  routes: { prefix: '/webhooks/twilio', plugin: smsWebhooks },
  send: sendSms,
};
