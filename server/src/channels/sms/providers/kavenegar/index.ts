import type { SmsProvider } from '../../provider.js';
import kavenegarWebhooks from './webhook-routes.js';
import { pollKavenegarStatuses, reconcileKavenegarSms, sendKavenegarSms, sendKavenegarSystemSms } from './send.js';

/**
 * Kavenegar (kavenegar.com), an Iranian SMS gateway: sends from the business's line number, receives on it, delivery
 * reports by callback and by polling sms/status. Text only (no MMS).
 */
export const kavenegarSms: SmsProvider = {
  name: 'kavenegar',
  label: 'Kavenegar',
  media: false,
  configured: (config) => !!config.kavenegar.apiKey,
  routes: { prefix: '/kavenegar', plugin: kavenegarWebhooks },
  send: sendKavenegarSms,
  sendSystem: sendKavenegarSystemSms,
  reconcile: reconcileKavenegarSms,
  pollStatuses: pollKavenegarStatuses,
};
