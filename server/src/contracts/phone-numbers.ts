// The business's phone numbers as the admin API takes and shows them (Admin → Phone numbers): each number names the
// provider carrying its calls and the gateway its texts go through. The Static types are the types server and UI use.
import { Type, type Static } from 'typebox';
import { StringEnum } from './vocabulary.js';

/** Who carries a number's calls (channels/voice/providers/); stored in phone_numbers.provider. */
export const VOICE_PROVIDERS = ['twilio', 'asterisk'] as const;
export type VoiceProviderName = (typeof VOICE_PROVIDERS)[number];

/** The SMS gateways the hub speaks (channels/sms/providers/); stored in phone_numbers.sms_provider. */
export const SMS_PROVIDERS = ['twilio', 'kavenegar'] as const;
export type SmsProviderName = (typeof SMS_PROVIDERS)[number];

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const Lang = StringEnum(['en', 'fa'] as const);
export const Localised = Type.Object({ en: Type.Optional(Type.String({ maxLength: 1000 })), fa: Type.Optional(Type.String({ maxLength: 1000 })) });
export type Localised = Static<typeof Localised>;
const HHMM = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$' });
const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

export const PhoneNumberIvr = Type.Object({
  prompt: Type.Optional(Localised),
  timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 30 })),
  options: Type.Array(Type.Object({ digit: Type.String({ pattern: '^[0-9*#]$' }), queueId: Id, label: Type.Optional(Localised) }), { minItems: 1, maxItems: 12 }),
});
export const PhoneNumberHours = Type.Object({
  timezone: Type.String({ minLength: 1, maxLength: 64 }),
  weekly: Type.Object(Object.fromEntries(WEEKDAYS.map((d) => [d, Type.Optional(Type.Array(Type.Tuple([HHMM, HHMM]), { maxItems: 6 }))]))),
});
const VoiceProviderT = StringEnum(VOICE_PROVIDERS, { description: 'who carries the calls: twilio, or asterisk (needs ASTERISK_ARI_URL)' });
const SmsProviderT = StringEnum(SMS_PROVIDERS, { description: 'the gateway texts go through: twilio, or kavenegar (needs KAVENEGAR_API_KEY)' });
const SmsSender = Type.Union([Type.String({ pattern: '^[0-9]{3,20}$', description: 'the line as the provider writes it, e.g. Kavenegar 10004346' }), Type.Null()]);

export const PhoneNumberBody = Type.Object({
  e164: Type.String({ minLength: 4, maxLength: 32 }),
  friendlyName: Type.Optional(Type.String({ maxLength: 200 })),
  queueId: Type.Optional(Type.Union([Id, Type.Null()])),
  smsEnabled: Type.Optional(Type.Boolean()),
  voiceEnabled: Type.Optional(Type.Boolean()),
  defaultLanguage: Type.Optional(Lang),
  greeting: Type.Optional(Localised),
  ivr: Type.Optional(Type.Union([PhoneNumberIvr, Type.Null()])),
  businessHours: Type.Optional(Type.Union([PhoneNumberHours, Type.Null()])),
  afterHoursMessage: Type.Optional(Localised),
  voicemailEnabled: Type.Optional(Type.Boolean()),
  /** absent: the deployment's voice provider (Asterisk when only ARI is configured, else Twilio) */
  voiceProvider: Type.Optional(VoiceProviderT),
  smsProvider: Type.Optional(SmsProviderT),
  smsSender: Type.Optional(SmsSender),
});
export type PhoneNumberBody = Static<typeof PhoneNumberBody>;

export const PhoneNumberView = Type.Object({
  id: Type.Integer(),
  e164: Type.String(),
  friendlyName: Type.String(),
  queueId: Type.Union([Type.Integer(), Type.Null()]),
  smsEnabled: Type.Boolean(),
  voiceEnabled: Type.Boolean(),
  defaultLanguage: Type.String(),
  greeting: Localised,
  ivr: Type.Union([PhoneNumberIvr, Type.Null()]),
  businessHours: Type.Union([PhoneNumberHours, Type.Null()]),
  afterHoursMessage: Localised,
  voicemailEnabled: Type.Boolean(),
  voiceProvider: VoiceProviderT,
  smsProvider: SmsProviderT,
  smsSender: SmsSender,
});
export type PhoneNumberView = Static<typeof PhoneNumberView>;

/** Which providers this deployment can use (their credentials are configured), for the admin's choice. */
export const PhoneProvidersView = Type.Object({
  voice: Type.Array(Type.Object({ name: VoiceProviderT, configured: Type.Boolean() })),
  sms: Type.Array(Type.Object({ name: SmsProviderT, configured: Type.Boolean() })),
  /** the provider of a number that names none */
  defaultVoiceProvider: VoiceProviderT,
  /** the Stasis application the dialplan hands calls to (ASTERISK_APP), null without Asterisk */
  asteriskApp: Type.Union([Type.String(), Type.Null()]),
});
export type PhoneProvidersView = Static<typeof PhoneProvidersView>;

/** One recorded prompt of a number: what the default recording says and where it is, and the number's replacement. */
export const PhoneNumberPromptView = Type.Object({
  key: Type.String(),
  language: Type.String(),
  text: Type.String({ description: 'what the default recording says' }),
  defaultUrl: Type.String(),
  custom: Type.Union([Type.Object({ url: Type.String(), contentType: Type.String(), size: Type.Integer(), uploadedAt: Type.String() }), Type.Null()]),
});
export type PhoneNumberPromptView = Static<typeof PhoneNumberPromptView>;
