import type { SmsProvider, SmsProviderName } from '../provider.js';
import { twilioSms } from './twilio/index.js';
import { kavenegarSms } from './kavenegar/index.js';

/** Every SMS gateway the hub speaks. Adding one = a folder beside these + one line here (and its name in provider.ts). */
export const smsProviders: Record<SmsProviderName, SmsProvider> = {
  twilio: twilioSms,
  kavenegar: kavenegarSms,
};

export function smsProvider(name: string | null | undefined): SmsProvider {
  return smsProviders[(name ?? 'twilio') as SmsProviderName] ?? twilioSms;
}
