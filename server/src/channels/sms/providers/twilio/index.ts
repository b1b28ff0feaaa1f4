import type { SmsProvider } from '../../provider.js';
import twilioSmsWebhooks from './webhook-routes.js';
import { reconcileTwilioSms, sendTwilioSms } from './send.js';
import { sendTwilioSystemSms } from './system.js';

/** SMS and MMS through Twilio's Messages API; inbound and status webhooks signed with X-Twilio-Signature. */
export const twilioSms: SmsProvider = {
  name: 'twilio',
  label: 'Twilio',
  media: true,
  configured: (config) => !!(config.twilio.accountSid && config.twilio.authToken),
  routes: { prefix: '/twilio', plugin: twilioSmsWebhooks },
  send: sendTwilioSms,
  async sendSystem(config, m) {
    const r = await sendTwilioSystemSms(config, m.to, m.line.sender, m.body);
    return { providerMessageId: r.sid };
  },
  reconcile: reconcileTwilioSms,
};
