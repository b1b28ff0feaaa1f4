// One client for the admin console's resources (server/src/routes/api/admin/*, auth/profile, kb, canned responses).
import { del, get, http, patch, post, qs } from '../api/http';
import type {
  AdminAgentView, AdminQueueView, ApiKeyCreated, ApiKeyView, AuditEntryView, BusinessHoursView, CustomerNoticesView, Lang, MailboxTestView, MailboxView,
  NoticePreview, NoticeTemplateView, OutboxEntryView, OutboxPage, ProfileView, SettingsView,
} from '../../../server/src/contracts/admin';
import type { CannedResponse, KbArticle } from '../../../server/src/contracts/views';
import type { SlaPolicyBody, SlaPolicyView } from '../../../server/src/contracts/sla';

export const put = <T>(url: string, body: unknown) => http<T>('PUT', url, body);

// The console's names for the server's views (server/src/contracts/admin.ts): the screens read these types.
export type { Lang, EscalationStep, Holiday, Shift } from '../../../server/src/contracts/admin';
export type { SlaPolicyView, SlaPolicyBody } from '../../../server/src/contracts/sla';
export type Localised = Partial<Record<Lang, string>>;
export type AdminAgent = AdminAgentView;
export type AdminQueue = AdminQueueView;
export type Mailbox = MailboxView;
export type MailboxTest = MailboxTestView;
export type BusinessHours = BusinessHoursView;
export type ApiKey = ApiKeyView;
export type Settings = SettingsView;
export type OutboxEntry = OutboxEntryView;
export type AuditEntry = AuditEntryView;
export type Canned = CannedResponse;
export type Article = KbArticle;
export type Profile = ProfileView;
export type NoticeTemplate = NoticeTemplateView;
export type CustomerNotices = CustomerNoticesView;

/** A number as the admin API shows it (server/src/contracts/phone-numbers.ts): its voice and SMS providers included. */
export type { PhoneNumberView as PhoneNumber, PhoneNumberBody, PhoneProvidersView } from '../../../server/src/contracts/phone-numbers';
import type { PhoneNumberBody, PhoneNumberView, PhoneProvidersView } from '../../../server/src/contracts/phone-numbers';
/** One recorded prompt of a number: the default recording and the number's replacement, if any. */
export type { PhoneNumberPromptView as PhoneNumberPrompt } from '../../../server/src/contracts/phone-numbers';
import type { PhoneNumberPromptView as PhoneNumberPrompt } from '../../../server/src/contracts/phone-numbers';

const A = '/api/v1/admin';
export const adminApi = {
  agents: () => get<AdminAgent[]>(`${A}/agents`),
  createAgent: (b: object) => post<AdminAgent & { inviteSentTo?: string }>(`${A}/agents`, b),
  updateAgent: (id: number, b: object) => patch<AdminAgent>(`${A}/agents/${id}`, b),
  resetPassword: (id: number) => post<{ sentTo: string; expiresAt: string }>(`${A}/agents/${id}/password-reset`),
  queues: () => get<AdminQueue[]>(`${A}/queues`),
  createQueue: (b: object) => post<AdminQueue>(`${A}/queues`, b),
  updateQueue: (id: number, b: object) => patch<AdminQueue>(`${A}/queues/${id}`, b),
  mailboxes: () => get<Mailbox[]>(`${A}/mailboxes`),
  createMailbox: (b: object) => post<Mailbox>(`${A}/mailboxes`, b),
  updateMailbox: (id: number, b: object) => patch<Mailbox>(`${A}/mailboxes/${id}`, b),
  deleteMailbox: (id: number) => del<null>(`${A}/mailboxes/${id}`),
  testMailbox: (id: number) => post<MailboxTest>(`${A}/mailboxes/${id}/test`),
  phoneNumbers: () => get<PhoneNumberView[]>(`${A}/phone-numbers`),
  phoneProviders: () => get<PhoneProvidersView>(`${A}/phone-numbers/providers`),
  createPhoneNumber: (b: PhoneNumberBody) => post<PhoneNumberView>(`${A}/phone-numbers`, b),
  updatePhoneNumber: (id: number, b: PhoneNumberBody) => put<PhoneNumberView>(`${A}/phone-numbers/${id}`, b),
  deletePhoneNumber: (id: number) => del<null>(`${A}/phone-numbers/${id}`),
  phoneNumberPrompts: (id: number) => get<PhoneNumberPrompt[]>(`${A}/phone-numbers/${id}/prompts`),
  uploadPhoneNumberPrompt: (id: number, lang: Lang, key: string, file: File) => put<PhoneNumberPrompt>(`${A}/phone-numbers/${id}/prompts/${lang}/${key}`, file),
  deletePhoneNumberPrompt: (id: number, lang: Lang, key: string) => del<null>(`${A}/phone-numbers/${id}/prompts/${lang}/${key}`),
  businessHours: () => get<BusinessHours[]>(`${A}/business-hours`),
  saveBusinessHours: (b: object) => put<BusinessHours>(`${A}/business-hours`, b),
  deleteBusinessHours: (id: number) => del<null>(`${A}/business-hours/${id}`),
  slaPolicies: () => get<SlaPolicyView[]>(`${A}/sla-policies`),
  createSlaPolicy: (b: SlaPolicyBody) => post<SlaPolicyView>(`${A}/sla-policies`, b),
  updateSlaPolicy: (id: number, b: SlaPolicyBody) => put<SlaPolicyView>(`${A}/sla-policies/${id}`, b),
  deleteSlaPolicy: (id: number) => del<null>(`${A}/sla-policies/${id}`),
  apiKeys: () => get<ApiKey[]>(`${A}/api-keys`),
  createApiKey: (name: string) => post<ApiKeyCreated>(`${A}/api-keys`, { name }),
  revokeApiKey: (id: number) => del<{ ok: true }>(`${A}/api-keys/${id}`),
  customerNotices: () => get<CustomerNotices>(`${A}/customer-notices`),
  saveNoticeSettings: (b: object) => put<CustomerNotices>(`${A}/customer-notices/settings`, b),
  saveNoticeTemplate: (event: string, language: string, b: object) => put<CustomerNotices>(`${A}/customer-notices/templates/${event}/${language}`, b),
  resetNoticeTemplate: (event: string, language: string) => del<CustomerNotices>(`${A}/customer-notices/templates/${event}/${language}`),
  previewNotice: (b: object) => post<NoticePreview>(`${A}/customer-notices/preview`, b),
  settings: () => get<Settings>(`${A}/settings`),
  saveSettings: (b: object) => put<Settings>(`${A}/settings`, b),
  audit: (f: Record<string, string | number | undefined>) => get<AuditEntry[]>(`${A}/audit${qs(f)}`),
  outbox: (before?: number) => get<OutboxPage>(`${A}/outbox${qs({ before, limit: 50 })}`),
  canned: () => get<{ items: Canned[] }>('/api/v1/canned-responses'),
  createCanned: (b: object) => post<Canned>('/api/v1/canned-responses', b),
  deleteCanned: (id: number) => del<{ ok: true }>(`/api/v1/canned-responses/${id}`),
  articles: (f: Record<string, string | undefined> = {}) => get<Article[]>(`/api/v1/kb/articles${qs({ ...f, limit: 100 })}`),
  createArticle: (b: object) => post<Article>('/api/v1/kb/articles', b),
  updateArticle: (id: number, b: object) => patch<Article>(`/api/v1/kb/articles/${id}`, b),
  deleteArticle: (id: number) => del<null>(`/api/v1/kb/articles/${id}`),
  profile: () => get<Profile>('/api/v1/auth/profile'),
  saveProfile: (b: object) => patch<Profile>('/api/v1/auth/profile', b),
};
