import type { Config } from '../../../config.js';
import type { VoiceProvider, VoiceProviderName } from '../provider.js';
import { twilioVoice } from './twilio/index.js';
import { asteriskVoice } from './asterisk/index.js';

const PROVIDERS: Record<VoiceProviderName, VoiceProvider> = { twilio: twilioVoice, asterisk: asteriskVoice };

/** The provider carrying a call, or named by a phone number (null/unknown = Twilio, the provider before there were several). */
export function voiceProvider(name: string | null | undefined): VoiceProvider {
  return PROVIDERS[name as VoiceProviderName] ?? twilioVoice;
}

/**
 * The provider of a phone number's calls: the one it names, else the deployment's own — Asterisk where only ARI is
 * configured, Twilio otherwise (numbers set up before numbers named their provider say nothing).
 */
export function voiceProviderOf(config: Config, named: string | null | undefined): VoiceProviderName {
  if (named && named in PROVIDERS) return named as VoiceProviderName;
  return asteriskVoice.configured(config) && !twilioVoice.configured(config) ? 'asterisk' : 'twilio';
}
