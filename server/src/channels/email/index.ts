import type { ChannelAdapter } from '../types.js';
import emailWebhook from './webhook-route.js';
import { sendEmail } from './send.js';

/** Email: mailboxes read over IMAP by the workers, relayed mail over a webhook, replies over SMTP. */
export const emailChannel: ChannelAdapter = {
  channel: 'email',
  routes: { prefix: '/webhooks/email', plugin: emailWebhook },
  send: sendEmail,
};
