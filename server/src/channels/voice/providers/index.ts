import type { VoiceProvider, VoiceProviderName } from '../provider.js';
import { twilioVoice } from './twilio/index.js';
import { asteriskVoice } from './asterisk/index.js';

const PROVIDERS: Record<VoiceProviderName, VoiceProvider> = { twilio: twilioVoice, asterisk: asteriskVoice };

/** The provider carrying a call, or named by a phone number (null/unknown = Twilio, the provider before there were several). */
export function voiceProvider(name: string | null | undefined): VoiceProvider {
  return PROVIDERS[name as VoiceProviderName] ?? twilioVoice;
}
